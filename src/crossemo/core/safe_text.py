"""Text from input (configs, corpus files, spreadsheets) made inert where crossemo writes it.

Four places read text as more than text: the report's ``<script>`` elements (Snakemake inlines a
report job's params there as JSON without escaping ``</``), HTML and Markdown, a spreadsheet
opening a CSV (a cell starting with ``=`` is a formula), and a terminal (escape sequences
clear or retitle it). One function per place, used by every writer of that place.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: characters that end or open markup inside a ``<script>`` element, as JSON escapes
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
#: first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: control characters a terminal may print as they are (the layout of multi-line messages)
_TERMINAL_KEEP = frozenset("\n\t")


def inline_json(value: Any) -> str:
    """``value`` as JSON text that stays text inside an HTML ``<script>`` element: ``< > &``
    written as ``\\u003c \\u003e \\u0026``; :func:`read_inline_json` gives ``value`` back.

    For a report rule's params that hold text from input (deviations, paper bindings, download
    settings, paths): Snakemake's report shows a job's params inside a script element.
    """
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


def read_inline_json(text: str) -> Any:
    """The value :func:`inline_json` wrote."""
    return json.loads(text)


def html_text(value: object) -> str:
    """``value`` as HTML (and Markdown) text content: ``& < >`` as entities, nothing live."""
    return html.escape(str(value), quote=False)


def spreadsheet_cell(value: Any) -> Any:
    """A string starting with a formula character (``= + - @``, tab, CR) prefixed with ``'``,
    so a spreadsheet shows it as text; numbers (a negative one too) and other values as given.
    A carriage return inside becomes a newline (the CSV writer quotes that cell; a lone CR
    would end the row unquoted and start a new cell)."""
    if not isinstance(value, str):
        return value
    formula = value.startswith(FORMULA_STARTS)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + value if formula else value


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose string cells, column names and index labels are
    :func:`spreadsheet_cell` (the table every CSV writer of crossemo writes)."""
    safe = table.copy()
    for i in range(safe.shape[1]):
        column = safe.iloc[:, i]
        if _may_hold_text(column):
            safe.isetitem(i, column.astype(object).map(spreadsheet_cell))
    safe.columns = [spreadsheet_cell(c) for c in safe.columns]
    if _may_hold_text(safe.index):
        safe.index = safe.index.astype(object).map(spreadsheet_cell)
    return safe


def _may_hold_text(values) -> bool:
    from pandas.api import types

    return not (types.is_numeric_dtype(values) or types.is_datetime64_any_dtype(values))


def write_csv(table: pd.DataFrame, path: str | Path, **to_csv: Any) -> None:
    """``table.to_csv(path, **to_csv)``, formula cells neutralised (:func:`spreadsheet_safe`)."""
    spreadsheet_safe(table).to_csv(path, **to_csv)


def terminal_text(value: object) -> str:
    """``str(value)`` with control and format characters (ESC, BEL, CR, DEL, C1, bidi
    overrides ...) written as escapes (``\\x1b``, ``\\u202e``): printed, it cannot move the
    cursor, clear or retitle a terminal. Newlines and tabs stay (multi-line messages)."""
    return "".join(
        ch if ch.isprintable() or ch in _TERMINAL_KEEP or ch == " " else _escape(ch)
        for ch in str(value)
    )


def _escape(ch: str) -> str:
    if ch.isspace() and ch not in "\r\x0b\x0c\x1c\x1d\x1e\x1f\x85":
        return ch  # a non-ASCII space (no-break, em ...) is harmless
    return ch.encode("unicode_escape").decode("ascii")


class TerminalSafeFormatter(logging.Formatter):
    """A log formatter whose lines hold no raw control characters (:func:`terminal_text`):
    for the console and the rule logs, where messages quote file names, speakers, classes."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_text(super().format(record))
