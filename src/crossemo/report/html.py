"""A table as a small self-contained HTML page the Snakemake report shows inline: title,
caption, the table (numbers right-aligned, a sticky header and first column, ``[low, high]``
intervals in one column, ``–`` for a missing value) and the table's files as downloads."""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path

#: what a missing value (NaN, empty cell) shows
MISSING = "–"
#: below this a value is floating-point noise of a zero (a difference of equal scores): 0.000
ROUNDING_NOISE = 1e-9
#: a cell that reads as a number, interval or count (right-aligned): 0.75, -3.9, 75.00 ± 8.84,
#: [64.03, 85.97], +13.8, 1e-05, n/a
_NUMERIC = re.compile(r"^\[?[-+−]?[\d.]+(e[-+]?\d+)?(( ± |, )[-+−]?[\d.]+(e[-+]?\d+)?\]?)?$|^n/a$")
_MIME = {".csv": "text/csv", ".md": "text/markdown", ".tex": "application/x-tex"}

STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#1f2328}
h1{font-size:18px;margin:0 0 6px}
.caption{max-width:70em;color:#444;font-size:13px}
.caption p{margin:4px 0}
code{background:#f3f3f3;padding:0 3px;border-radius:3px;font-size:12px}
.meta{font-size:12px;color:#666;margin:8px 0}
.meta a{margin-left:8px}
.scroll{display:inline-block;max-width:100%;overflow:auto;max-height:85vh;
border:1px solid #d0d7de}
table{border-collapse:separate;border-spacing:0;font-size:13px}
th,td{padding:3px 8px;border-bottom:1px solid #e5e7eb;white-space:nowrap}
th{position:sticky;top:0;background:#f6f8fa;text-align:left;border-bottom:2px solid #d0d7de;
z-index:2}
th:first-child,td:first-child{position:sticky;left:0;background:#fff;z-index:1;
border-right:1px solid #e5e7eb}
th:first-child{z-index:3;background:#f6f8fa}
tr:nth-child(even) td{background:#fafbfc}
tr:hover td{background:#eef4ff}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.text{white-space:normal;min-width:12em;max-width:40em}
td.missing{color:#999}
"""


def render_page(frame: pd.DataFrame, *, title: str, caption: str = "",
                downloads: Sequence[str | Path] = ()) -> str:  # fmt: skip
    """The HTML page of ``frame`` (cells as they are; :func:`readable` formats a CSV's)."""
    shown = frame.astype(object).where(frame.notna(), None)
    numeric = [_is_numeric(shown[c]) for c in shown.columns]
    head = "".join(f'<th class="{"num" if n else "txt"}">{html.escape(str(c))}</th>'
                   for c, n in zip(shown.columns, numeric, strict=True))  # fmt: skip
    rows = "\n".join(
        "<tr>" + "".join(_cell(v, n) for v, n in zip(row, numeric, strict=True)) + "</tr>"
        for row in shown.itertuples(index=False, name=None)
    )
    links = "".join(_download(Path(p)) for p in downloads)
    size = f"{len(shown)} rows × {shown.shape[1]} columns"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n{_caption(caption)}\n"
        f'<div class="meta">{size}{links}</div>\n'
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>\n{rows}\n'
        "</tbody></table></div>\n</body></html>\n"
    )


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV table for reading: each ``<x>ci_low``/``<x>ci_high`` pair joined into one
    ``<x>ci`` column of ``[low, high]``, numbers at a column's precision, missing as ``–``."""
    out: dict[str, list[object]] = {}
    for column in frame.columns:
        name = str(column)
        if name.endswith("ci_high") and name[: -len("high")] + "low" in frame.columns:
            continue
        high = name[: -len("low")] + "high" if name.endswith("ci_low") else None
        if high is not None and high in frame.columns:
            digits = _digits(pd.concat([frame[column], frame[high]]))
            out[name[: -len("_low")] + " [low, high]"] = [
                _interval(lo, hi, digits) for lo, hi in zip(frame[column], frame[high], strict=True)
            ]
        else:
            out[name] = _formatted(frame[column])
    return pd.DataFrame(out, index=frame.index)[_interval_order(list(out))]


def _interval_order(columns: list[str]) -> list[str]:
    """``columns`` with each ``<x>_ci [low, high]`` moved behind ``<x>_std``, ``<x>_mean``
    or ``<x>`` (whichever comes last), next to the value it belongs to."""
    order = list(columns)
    for column in columns:
        base = column[: -len("_ci [low, high]")] if column.endswith("_ci [low, high]") else ""
        anchors = [c for c in (base, f"{base}_mean", f"{base}_std") if base and c in order]
        if anchors:
            order.remove(column)
            order.insert(max(order.index(a) for a in anchors) + 1, column)
    return order


def write_table_page(table: str | Path, page: str | Path, *, title: str, caption: str = "",
                     display: str = "csv",
                     downloads: Sequence[str | Path] = ()) -> None:  # fmt: skip
    """Write the page of the CSV ``table`` to ``page`` (``display``: ``csv`` the columns,
    readable; ``paper`` a paper table as its Markdown shows it)."""
    frame = pd.read_csv(table, keep_default_na=False, na_values=[""])
    if display == "paper":
        from crossemo.report.tables import display_table

        shown = display_table(frame)
    elif display == "csv":
        shown = readable(frame)
    else:
        raise ValueError(f"{page}: unknown table display {display!r} (csv or paper)")
    with atomic_path(page) as tmp:
        tmp.write_text(render_page(shown, title=title, caption=caption, downloads=downloads),
                       encoding="utf-8")  # fmt: skip


def _formatted(column: pd.Series) -> list[object]:
    if column.dtype == bool or not pd.api.types.is_numeric_dtype(column):
        return [None if _missing(v) else str(v) for v in column]
    values = column.astype(float)
    finite = values[np.isfinite(values)]
    if len(finite) and (finite == finite.round()).all() and finite.abs().max() < 1e15:
        return [None if _missing(v) else f"{int(v)}" for v in values]
    digits = _digits(values)
    return [None if _missing(v) else _number(v, digits) for v in values]


def _digits(values: pd.Series) -> int:
    """Decimals for a column: three up to 10, fewer as its largest magnitude grows (at least 1)."""
    finite = pd.to_numeric(values, errors="coerce").astype(float).abs()
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if not len(finite):
        return 2
    return int(min(3, max(1, 3 - math.floor(math.log10(finite.max())))))


def _number(value: float, digits: int) -> str:
    if ROUNDING_NOISE < abs(value) < 0.5 * 10**-digits:
        return f"{value:.2g}"  # too small for the column's precision (a learning rate)
    return f"{value:.{digits}f}"


def _interval(low: object, high: object, digits: int) -> str | None:
    if _missing(low) and _missing(high):
        return None
    ends = [MISSING if _missing(v) else _number(float(v), digits) for v in (low, high)]
    return f"[{ends[0]}, {ends[1]}]"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_numeric(column: pd.Series) -> bool:
    cells = [str(v) for v in column if not _missing(v) and str(v) != MISSING]
    return bool(cells) and all(_NUMERIC.match(c) for c in cells)


def _cell(value: object, numeric: bool) -> str:
    if _missing(value) or str(value) == MISSING:
        return f'<td class="missing{" num" if numeric else ""}">{MISSING}</td>'
    text = str(value)
    kind = "num" if numeric else ("text" if len(text) > 60 else "txt")
    return f'<td class="{kind}">{html.escape(text)}</td>'


def _caption(caption: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", caption) if p.strip()]
    body = "".join(f"<p>{_rst_inline(p)}</p>" for p in paragraphs)
    return f'<div class="caption">{body}</div>'


def _rst_inline(text: str) -> str:
    """Escaped text with the captions' ``literal`` markup as code."""
    parts = re.split(r"``(.+?)``", text)
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p)
                   for i, p in enumerate(parts))  # fmt: skip


def _download(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    mime = _MIME.get(path.suffix, "application/octet-stream")
    return (f'<a download="{html.escape(path.name)}" href="data:{mime};base64,{data}">'
            f"{html.escape(path.name)}</a>")  # fmt: skip
