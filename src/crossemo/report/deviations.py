"""The deviations table of a paper configuration: where the config departs from the paper or
reads an ambiguity, with the paper's words beside our choice.

A paper config lists them at the top level (``rehearsal:`` overlays append their own)::

    deviations:
      - topic: MOSEI "exclusively"
        paper: "We selected data with either i) exclusively positive or negative emotion ..."
        ours: "a segment is positive when ... ; the rest are dropped"
        keys: [corpora.mosei.filter.emotion_threshold]

Rule make_deviations_table renders them as Markdown and CSV (``results/tables/deviations.*``),
so a reader never has to diff the YAML against the PDF.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.safe_text import html_text, write_csv

log = logging.getLogger(__name__)

COLUMNS = ("topic", "paper", "ours", "keys")
NONE_DECLARED = (
    "No deviations are declared in this configuration (it has no `deviations:` list): "
    "either it follows the paper everywhere it says something, or nobody has written them down."
)


def _text(value) -> str:
    return " ".join(str(value).split())  # YAML folded/literal blocks -> one line


def deviations_table(entries: Sequence[Mapping] | None) -> pd.DataFrame:
    """One row per entry: ``topic paper ours keys`` (keys joined by ``, ``)."""
    rows = []
    for i, entry in enumerate(entries or []):
        missing = [k for k in ("topic", "paper", "ours") if not str(entry.get(k) or "").strip()]
        if missing:
            raise ValueError(f"deviation {i} ({entry.get('topic', '?')}): no {missing}")
        unknown = set(entry) - set(COLUMNS)
        if unknown:
            log.warning("deviation %d (%s): keys %s not shown", i, entry["topic"], sorted(unknown))
        keys = entry.get("keys") or []
        if isinstance(keys, str):
            keys = [keys]
        rows.append({"topic": _text(entry["topic"]), "paper": _text(entry["paper"]),
                     "ours": _text(entry["ours"]), "keys": ", ".join(map(str, keys))})  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _md(text: str) -> str:
    """A Markdown table cell: no column break, no live HTML."""
    return html_text(text).replace("|", "\\|")


def deviations_markdown(table: pd.DataFrame, title: str) -> str:
    lines = [f"### {_md(title)}", ""]
    if table.empty:
        return "\n".join([*lines, NONE_DECLARED]) + "\n"
    lines += ["| # | topic | the paper says | this configuration | config keys |",
              "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for i, row in enumerate(table.itertuples(index=False), start=1):
        keys = ", ".join(f"`{_md(k.strip())}`" for k in row.keys.split(",") if k.strip())
        lines.append(f"| {i} | {_md(row.topic)} | “{_md(row.paper)}” | {_md(row.ours)} | "
                     f"{keys or '–'} |")  # fmt: skip
    lines += ["", f"{len(table)} deviation(s) declared in the configuration (`deviations:`)."]
    return "\n".join(lines) + "\n"


def write_deviations(entries: Sequence[Mapping] | None, md, csv,
                     title: str = "Deviations from the paper") -> pd.DataFrame:  # fmt: skip
    """Rule make_deviations_table: the config's ``deviations:`` as CSV and Markdown."""
    table = deviations_table(entries)
    with atomic_path(Path(csv)) as tmp:
        write_csv(table, tmp, index=False)
    with atomic_path(Path(md)) as tmp:
        tmp.write_text(deviations_markdown(table, title))
    log.info("%s: %d deviations -> %s, %s", title, len(table), csv, md)
    return table
