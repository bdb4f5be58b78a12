"""Repeats over seeds (an experiment's ``seeds:``): the mean, standard deviation and per-seed
values of the headline measures, per variant and scope (rule make_seeds_table).

Each seed's runs are a variant of the evaluation (``s1``, ``svm-s1``: its folds pooled, as any
variant, in ``results/metrics/{experiment}.intervals.csv``); this table groups the seeds of one
variant (the variant without its seed part, :func:`crossemo.core.names.split_seed`) and gives,
per scope (``overall`` or a test corpus) and measure (UAR, WA, macro-F1), ``n_seeds``, the
``mean`` and the sample ``std`` (ddof 1, NaN for one seed) over the seeds' pooled values, the
``seeds`` and one ``s{seed}`` column per seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.names import split_seed
from crossemo.core.safe_text import write_csv

#: the measures the table repeats (those of the leaderboard and the job log's headline)
MEASURES = ("uar", "wa", "macro_f1")
COLUMNS = ("experiment", "variant", "scope", "measure", "n_seeds", "mean", "std", "seeds")


def seed_column(seed: int) -> str:
    """``s2``: the column of seed 2's value (the run names' seed part)."""
    return f"s{int(seed)}"


def seed_values(values: Mapping[int, float]) -> dict[str, float]:
    """``n_seeds``, ``mean``, ``std`` (ddof 1; NaN for one seed) of per-seed ``values``."""
    array = np.asarray(list(values.values()), dtype=float)
    std = float(np.std(array, ddof=1)) if len(array) > 1 else float("nan")
    return {"n_seeds": len(array), "mean": float(np.mean(array)), "std": std}


def seeds_table(intervals: pd.DataFrame, measures: Sequence[str] = MEASURES) -> pd.DataFrame:
    """The seeds table of one experiment from its intervals table (variant, scope, measure,
    value per seed variant). ValueError when no variant carries a seed part."""
    frame = intervals[intervals["measure"].isin(measures)].copy()
    frame["variant"] = frame["variant"].fillna("").astype(str)
    parsed = [split_seed(v) for v in frame["variant"]]
    frame["base"] = [base for base, _ in parsed]
    frame["seed"] = [seed for _, seed in parsed]
    frame = frame[frame["seed"].notna()]
    if frame.empty:
        raise ValueError("intervals table: no variant of a seed (s0, svm-s1 ...): the "
                         "experiment has no seeds:")  # fmt: skip
    all_seeds = sorted({int(s) for s in frame["seed"]})
    rows = []
    keys = ["experiment", "base", "scope", "measure"]
    for (experiment, base, scope, measure), part in frame.groupby(keys, sort=False):
        values = {int(s): float(v) for s, v in zip(part["seed"], part["value"], strict=True)}
        row = {"experiment": experiment, "variant": base, "scope": scope, "measure": measure}
        row |= seed_values(values) | {"seeds": " ".join(str(s) for s in sorted(values))}
        row |= {seed_column(s): values.get(s, np.nan) for s in all_seeds}
        rows.append(row)
    return pd.DataFrame(rows, columns=[*COLUMNS, *(seed_column(s) for s in all_seeds)])


def write_seeds_table(intervals_path: str | Path, output: str | Path) -> pd.DataFrame:
    """Rule make_seeds_table: :func:`seeds_table` of an intervals CSV, written as CSV."""
    table = seeds_table(pd.read_csv(intervals_path))
    write_csv(table, output, index=False, float_format="%.6g")
    return table
