"""Paired comparison of two systems scored on the same test utterances (rule compare_experiments).

A − B of one measure, per test corpus and overall: a paired cluster-bootstrap interval and a
paired permutation p-value (:func:`crossemo.evaluation.metrics.paired_difference`), clusters
being the split table's leakage groups as in :mod:`crossemo.evaluation.runs`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from crossemo.atomic import atomic_path
from crossemo.evaluation.metrics import IntervalSpec, named_measure, paired_difference
from crossemo.evaluation.runs import classes_of, cluster_keys, clustered_counts, split_groups
from crossemo.safe_text import write_csv


def read_side(paths: Sequence[str | Path]) -> pd.DataFrame:
    """One side's predictions: its runs (folds) pooled."""
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def aligned(a: pd.DataFrame, b: pd.DataFrame, name: str) -> pd.DataFrame:
    """B's predictions in A's utterance order; refused unless both scored the same utterances
    with the same truth."""
    ids_a, ids_b = set(a["utt_id"]), set(b["utt_id"])
    if ids_a != ids_b or len(a) != len(b):
        raise ValueError(f"comparisons.{name}: the sides were scored on different test "
                         f"utterances ({len(ids_a - ids_b)} only in a, "
                         f"{len(ids_b - ids_a)} only in b)")  # fmt: skip
    b = b.set_index("utt_id").loc[a["utt_id"]].reset_index()
    if not (b["label"].to_numpy() == a["label"].to_numpy()).all():
        raise ValueError(f"comparisons.{name}: the sides disagree on the true labels")
    return b


def compare(a: pd.DataFrame, b: pd.DataFrame, metric: str, spec: IntervalSpec,
            groups: pd.Series | None = None, permutations: int = 10000,
            name: str = "comparison") -> pd.DataFrame:  # fmt: skip
    """One row per scope (``overall`` and each test corpus): both values, A − B, its interval
    and p-value, and what was resampled."""
    b = aligned(a, b, name)
    classes = list(dict.fromkeys(classes_of(a) + classes_of(b)))
    cluster = cluster_keys(a, spec.unit, groups)
    frame_a, frame_b = a.assign(cluster=cluster), b.assign(cluster=cluster.to_numpy())
    rows = []
    scopes = [("overall", slice(None))] + [
        (str(c), (frame_a["corpus"] == c).to_numpy()) for c in sorted(frame_a["corpus"].unique())
    ]
    for scope, mask in scopes:
        counts_a, strata = clustered_counts(frame_a[mask], classes)
        counts_b, _ = clustered_counts(frame_b[mask], classes)
        found = paired_difference(counts_a, counts_b, strata, metric, classes, spec, permutations)
        rows.append({"comparison": name, "scope": scope, "metric": metric,
                     "a_value": float(named_measure(counts_a.sum(0), metric, classes)),
                     "b_value": float(named_measure(counts_b.sum(0), metric, classes)),
                     **found, "level": spec.level, "interval_unit": spec.unit,
                     "n": int(counts_a.sum()), "n_clusters": len(counts_a)})  # fmt: skip
    table = pd.DataFrame(rows)
    table["summary"] = [summary(r) for r in table.to_dict("records")]
    return table


def summary(row: Mapping) -> str:
    """``A − B = +2.1 UAR [−0.4, 4.7], p = 0.09`` (percentage points)."""
    name = row["metric"] if "[" in row["metric"] else row["metric"].upper()
    return (f"A − B = {100 * row['diff']:+.1f} {name} [{100 * row['ci_low']:.1f}, "
            f"{100 * row['ci_high']:.1f}], p = {row['p_value']:.2g}").replace("-", "−")  # fmt: skip


def compare_files(a: Sequence[str | Path], b: Sequence[str | Path], split: str | Path,
                  output: str | Path, name: str, sides: Mapping[str, str], metric: str = "uar",
                  interval: Mapping | None = None, permutations: int = 10000
                  ) -> pd.DataFrame:  # fmt: skip
    """Rule compare_experiments: the two sides' prediction files -> ``compare_{name}.csv``."""
    spec = IntervalSpec.from_config(interval)
    groups = split_groups(split) if spec.unit == "cluster" else None
    table = compare(read_side(a), read_side(b), metric, spec, groups, permutations, name)
    table.insert(1, "a", sides["a"])
    table.insert(2, "b", sides["b"])
    with atomic_path(output) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")
    return table
