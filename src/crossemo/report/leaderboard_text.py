"""The leaderboard in a terminal (``crossemo results [DIR]``, the end of ``make demo``): a
block per label scheme and test set, columns fitted to the terminal's width.

The table is the one rule make_leaderboard wrote (``results/tables/leaderboard.csv``,
:mod:`crossemo.report.leaderboard`); this module only lays it out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from crossemo.core.schemas import Leaderboard
from crossemo.plan import paths
from crossemo.report.leaderboard import (
    FLAG_MARK,
    TRAIN_TEST,
    WORST,
    groups,
    shown_rows,
    summary,
)

#: columns shortened (with …) when the table is wider than the terminal, in turn, and the
#: narrowest each may get; experiment and run names are never cut (two would look alike)
SHRINKABLE = {"train": 12, "protocol": 10}
#: columns left out, in turn, when narrowing the others is not enough (the CSV has them all)
DROPPABLE = (WORST, "WA", "protocol", "macro-F1")
#: columns a group's heading states instead when all its rows agree
SHARED = ("classes", "chance")
GAP = "  "


def leaderboard_path(results_dir: str | Path) -> Path:
    """``DIR/tables/leaderboard.csv`` of a results directory (the workflow's ``results/``)."""
    relative = Path(paths.LEADERBOARD["csv"]).relative_to("results")
    return Path(results_dir) / relative


def read_leaderboard(results_dir: str | Path) -> pd.DataFrame:
    """The leaderboard of a results directory, validated; FileNotFoundError says how to make it."""
    path = leaderboard_path(results_dir)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no leaderboard; make it with `snakemake --cores 2 {paths.LEADERBOARD['csv']}`"
            " (part of target all) in the workflow's directory, or name the results directory"
        )
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for column in ("run", "flag", "protocol", "train", "test_set", "scheme", "experiment"):
        table[column] = table[column].fillna("").astype(str)
    return Leaderboard.validate(table, lazy=True)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _excess(widths: dict[str, int], width: int) -> int:
    return sum(widths.values()) + len(GAP) * (len(widths) - 1) - width


def fit_widths(rows: Sequence[dict[str, str]], width: int) -> dict[str, int]:
    """The columns shown and their widths: each its widest cell, the :data:`SHRINKABLE` ones
    narrowed in turn (not below their minimum), then :data:`DROPPABLE` ones left out, until a
    line fits ``width``."""
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in rows[0]}
    for column, narrowest in SHRINKABLE.items():
        if column in widths and _excess(widths, width) > 0:
            widths[column] = max(min(narrowest, widths[column]),
                                 widths[column] - _excess(widths, width))  # fmt: skip
    for column in DROPPABLE:
        if _excess(widths, width) > 0:
            widths.pop(column, None)
    return widths


def _line(cells: dict[str, str], widths: dict[str, int]) -> str:
    return GAP.join(_clip(cells[k], w).ljust(w) for k, w in widths.items()).rstrip()


def terminal_rows(part: pd.DataFrame) -> tuple[list[dict[str, str]], str]:
    """A group's rows as the terminal shows them (the group's heading names the test set, so
    a row names its training corpora only), and what the heading adds: the :data:`SHARED`
    columns all its rows agree on."""
    rows = []
    for record, shown in zip(part.to_dict("records"), shown_rows(part), strict=True):
        shown = {("train" if k == TRAIN_TEST else k): v for k, v in shown.items()}
        shown["train"] = record["train"]
        shown["flag"] = shown.pop("flag")  # last: a column mostly empty, not between numbers
        rows.append(shown)
    shared = [k for k in SHARED if len({r[k] for r in rows}) == 1]
    note = ", ".join(f"{k} {rows[0][k]}" for k in shared)
    return [{k: v for k, v in r.items() if k not in shared} for r in rows], note


def terminal_table(table: pd.DataFrame, width: int = 160) -> str:
    """The leaderboard as text no wider than ``width`` where it can be: a heading per scheme
    and test set, then its rows, runs at chance marked in the last column."""
    if table.empty:
        return "Leaderboard: no experiment with a model."
    intro = (f"Leaderboard: {summary(table)}. UAR, WA, macro-F1 in % [95 % interval over the test "
           f"set's groups]; {FLAG_MARK} at chance: the UAR interval's lower bound does not clear "
           "chance (1/classes).")  # fmt: skip
    out = textwrap.wrap(intro, width)
    for scheme, test_set, part in groups(table):
        rows, note = terminal_rows(part)
        widths = fit_widths(rows, width)
        out += ["", f"== {scheme} · test {test_set}" + (f" · {note}" if note else "") + " =="]
        out.append(_line({k: k for k in rows[0]}, widths))
        out += [_line(r, widths) for r in rows]
    return "\n".join(out)
