"""Comparison of two systems (rule compare_experiments), paired or unpaired.

A − B of one measure, per test corpus and overall. Paired (both scored the same test
utterances): a paired cluster-bootstrap interval and the p-value of a paired cluster permutation
test (:func:`paired_difference`; why the two can disagree: :func:`disagreement_note`).
Unpaired (each side on its own test utterances, e.g. EmoBox's folds beside their leak-free
companion): an interval of independent cluster bootstraps of each side
and no test (:func:`unpaired_difference`). Clusters are the split tables' leakage groups, as in
the runs' intervals (:mod:`crossemo.evaluation.intervals`); a scope of fewer than
:data:`~crossemo.evaluation.intervals.MIN_CLUSTERS` clusters is flagged in the table's ``note``
and the job log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.base import classes_of, tested_corpora
from crossemo.evaluation.intervals import (
    IntervalSpec,
    cluster_keys,
    clustered_counts,
    few_clusters_note,
    percentile_interval,
    resample_sums,
    split_groups,
)
from crossemo.evaluation.metrics import label, named_measure

log = logging.getLogger(__name__)
#: the test behind a paired comparison's p-value (column ``test``)
PAIRED_TEST = "paired cluster permutation test (two-sided)"
#: an unpaired comparison has an interval only
UNPAIRED_TEST = "none (unpaired: no pairs to permute)"


def paired_difference(counts_a: np.ndarray, counts_b: np.ndarray, strata: np.ndarray,
                      name: str, classes: Sequence, spec: IntervalSpec,
                      permutations: int = 10000) -> dict[str, float]:  # fmt: skip
    """Measure ``name`` of A minus that of B on the same clustered test utterances.

    ``counts_a``/``counts_b`` are per-cluster confusion matrices (C, k, k) of the two systems.
    The interval is a paired stratified cluster bootstrap (each draw takes the same clusters
    for A and B); the two-sided p-value a paired permutation test (each cluster's A and B
    predictions swapped at random): (1 + #|d*| >= |d|) / (1 + permutations).

    The p-value is kept from the permutation test rather than read off the bootstrap (the
    share of draws on the other side of 0, which would agree with the interval by
    construction): the permutation test holds its level with few clusters (it is exact under
    the null that A and B are exchangeable within a cluster), while the percentile bootstrap
    is too narrow below ~10 clusters (:func:`~crossemo.evaluation.intervals.few_clusters_note`).
    The price is that the two answer different questions and may disagree near the edge
    (:func:`disagreement_note`); the table says so where they do.
    """
    counts_a, counts_b = np.asarray(counts_a), np.asarray(counts_b)
    diff = float(named_measure(counts_a.sum(0), name, classes)
                 - named_measure(counts_b.sum(0), name, classes))  # fmt: skip
    pairs = resample_sums(np.stack([counts_a, counts_b], 1), np.asarray(strata), spec.resamples,
                          spec.seed)  # fmt: skip
    boot = named_measure(pairs[:, 0], name, classes) - named_measure(pairs[:, 1], name, classes)
    perm = permuted_differences(counts_a, counts_b, name, classes, permutations, spec.seed)
    extreme = np.sum(np.abs(perm) >= abs(diff) - 1e-12)
    lo, hi = percentile_interval(boot, spec.level)
    return {"diff": diff, "ci_low": lo, "ci_high": hi,
            "p_value": float((1 + extreme) / (1 + permutations))}  # fmt: skip


def permuted_differences(counts_a: np.ndarray, counts_b: np.ndarray, name: str,
                         classes: Sequence, permutations: int, seed: int
                         ) -> np.ndarray:  # fmt: skip
    """A - B of measure ``name`` after swapping the A and B predictions of a random half of
    the clusters, ``permutations`` times (in batches: memory stays ~ 16 MB)."""
    rng = np.random.default_rng(seed)
    total_a, total_b = counts_a.sum(0), counts_b.sum(0)
    delta = (counts_b - counts_a).reshape(len(counts_a), -1)  # what a swap moves from B to A
    batch = max(1, 2_000_000 // max(1, len(counts_a)))
    out = []
    for start in range(0, permutations, batch):
        swap = rng.integers(0, 2, size=(min(batch, permutations - start), len(counts_a)))
        moved = (swap @ delta).reshape(-1, *total_a.shape)
        out.append(named_measure(total_a + moved, name, classes)
                   - named_measure(total_b - moved, name, classes))  # fmt: skip
    return np.concatenate(out) if out else np.zeros(0)


def unpaired_difference(side_a: tuple[np.ndarray, np.ndarray],
                        side_b: tuple[np.ndarray, np.ndarray], name: str, classes: Sequence,
                        spec: IntervalSpec) -> dict[str, float]:  # fmt: skip
    """Measure ``name`` of A minus that of B, each side scored on its own test utterances.

    ``side_a``/``side_b`` are (per-cluster confusion matrices (C, k, k), each cluster's
    stratum). The interval is the percentile interval of A* − B* over independent stratified
    cluster bootstraps of the two sides (two streams spawned from ``spec.seed``); no test.
    """
    seeds = np.random.SeedSequence(spec.seed).spawn(2)
    values, draws = [], []
    for (counts, strata), seed in zip((side_a, side_b), seeds, strict=True):
        values.append(float(named_measure(np.asarray(counts).sum(0), name, classes)))
        sums = resample_sums(counts, np.asarray(strata), spec.resamples, seed)
        draws.append(named_measure(sums, name, classes))
    lo, hi = percentile_interval(draws[0] - draws[1], spec.level)
    return {"diff": values[0] - values[1], "ci_low": lo, "ci_high": hi}


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
            name: str = "comparison", paired: bool = True) -> pd.DataFrame:  # fmt: skip
    """One row per scope (``overall`` and each test corpus): both values, A − B, its interval
    (and, paired, its p-value), how it was drawn and each side's size."""
    if paired:
        b = aligned(a, b, name)
    classes = list(dict.fromkeys(classes_of(a) + classes_of(b)))
    frame_a = a.assign(cluster=cluster_keys(a, spec.unit, groups).to_numpy())
    frame_b = b.assign(cluster=cluster_keys(b, spec.unit, groups).to_numpy())
    corpora = tested_corpora(frame_a)
    if corpora != tested_corpora(frame_b):
        raise ValueError(f"comparisons.{name}: the sides test other corpora ({corpora} vs "
                         f"{tested_corpora(frame_b)}); compare experiments of one test "
                         "set")  # fmt: skip
    rows = []
    for scope in ["overall", *corpora]:
        part_a, part_b = (f if scope == "overall" else f[f["corpus"] == scope]
                          for f in (frame_a, frame_b))  # fmt: skip
        side_a, side_b = clustered_counts(part_a, classes), clustered_counts(part_b, classes)
        row = {"comparison": name, "scope": scope, "metric": metric,
               "method": "paired" if paired else "unpaired",
               "a_value": float(named_measure(side_a[0].sum(0), metric, classes)),
               "b_value": float(named_measure(side_b[0].sum(0), metric, classes))}  # fmt: skip
        if paired:
            row |= paired_difference(side_a[0], side_b[0], side_a[1], metric, classes, spec,
                                     permutations)  # fmt: skip
        else:
            row |= unpaired_difference(side_a, side_b, metric, classes, spec)
        row |= {"level": spec.level, "interval_unit": spec.unit} | sizes(side_a, side_b, paired)
        row["test"] = f"{PAIRED_TEST}, {permutations} swaps" if paired else UNPAIRED_TEST
        row["note"] = note(row, spec.unit, permutations if paired else None)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["summary"] = [summary(r) for r in table.to_dict("records")]
    return table


def sizes(side_a: tuple[np.ndarray, np.ndarray], side_b: tuple[np.ndarray, np.ndarray],
          paired: bool) -> dict[str, int]:  # fmt: skip
    """Utterances and clusters of the scope: ``n n_clusters`` (paired: the same on both sides),
    else ``n_a n_b n_clusters_a n_clusters_b``."""
    (counts_a, _), (counts_b, _) = side_a, side_b
    if paired:
        return {"n": int(counts_a.sum()), "n_clusters": len(counts_a)}
    return {"n_a": int(counts_a.sum()), "n_b": int(counts_b.sum()),
            "n_clusters_a": len(counts_a), "n_clusters_b": len(counts_b)}  # fmt: skip


def fewest_clusters(row: Mapping) -> int:
    """Clusters of a comparison row (unpaired: the smaller side's)."""
    if "n_clusters" in row:
        return int(row["n_clusters"])
    return int(min(row["n_clusters_a"], row["n_clusters_b"]))


def smallest_p(n_clusters: int, permutations: int) -> float:
    """The smallest two-sided p-value a paired permutation test of ``n_clusters`` clusters
    can give: 2 / 2**C swaps are as extreme as the observed one at best (and 1 / (1 +
    permutations) for a sampled test). Two clusters: 0.5, whatever the difference."""
    return max(2.0 ** (1 - n_clusters), 1.0 / (1 + permutations))


def disagreement_note(row: Mapping) -> str:
    """Why the interval excludes 0 while p >= 1 - level (or the reverse), else ``""``.

    The interval is a percentile bootstrap: the spread of A − B when the clusters are redrawn,
    centred on the observed difference. The p-value is a permutation test: how often swapping
    A and B within clusters gives a difference as large, centred on 0. Each is right on its own
    terms; with few clusters the bootstrap is too narrow and the permutation test coarse (it
    cannot go below :func:`smallest_p`), so near the edge they can fall on either side.
    """
    alpha = 1 - float(row["level"])
    excludes = row["ci_low"] > 0 or row["ci_high"] < 0
    if excludes == (row["p_value"] < alpha):
        return ""
    read = ("read the difference as not established" if excludes else
            "the interval is the cautious one here")  # fmt: skip
    return (f"the {100 * float(row['level']):.0f}% bootstrap interval "
            f"{'excludes' if excludes else 'includes'} 0 but the permutation test gives p "
            f"{'>=' if excludes else '<'} {alpha:.2g}: the interval resamples clusters around "
            f"the observed difference, the test swaps A and B around 0; {read}")  # fmt: skip


def note(row: Mapping, unit: str, permutations: int | None = None) -> str:
    """The row's warnings: too few clusters; a test that cannot reach significance; interval
    and test disagreeing (``permutations``: of a paired row)."""
    parts = [few_clusters_note(fewest_clusters(row), unit)]
    if permutations is not None:
        floor = smallest_p(fewest_clusters(row), permutations)
        if floor >= 1 - float(row["level"]):
            parts.append(f"with {fewest_clusters(row)} clusters the permutation test cannot "
                         f"give p below {floor:.2g}")  # fmt: skip
        parts.append(disagreement_note(row))
    return "; ".join(p for p in parts if p)


def summary(row: Mapping) -> str:
    """``A − B = +2.1 UAR [−0.4, 4.7], p = 0.09 (cluster permutation)`` (percentage points);
    unpaired ``A − B = +12.0 UAR [5.1, 18.9], unpaired, n = 535 vs 480 (10 vs 10 clusters)``;
    ``, only 4 clusters`` appended below :data:`~crossemo.evaluation.intervals.MIN_CLUSTERS`."""
    name = label(row["metric"])
    head = (f"A − B = {100 * row['diff']:+.1f} {name} [{100 * row['ci_low']:.1f}, "
            f"{100 * row['ci_high']:.1f}]")  # fmt: skip
    if row.get("method") == "unpaired":
        tail = (f"unpaired, n = {row['n_a']} vs {row['n_b']} ({row['n_clusters_a']} vs "
                f"{row['n_clusters_b']} clusters)")  # fmt: skip
    else:
        tail = f"p = {row['p_value']:.2g} (cluster permutation)"
    if few_clusters_note(fewest_clusters(row), row.get("interval_unit", "cluster")):
        tail += f", only {fewest_clusters(row)} clusters"
    return f"{head}, {tail}".replace("-", "−")


def compare_files(a: Sequence[str | Path], b: Sequence[str | Path],
                  split: str | Path | Sequence[str | Path], output: str | Path, name: str,
                  sides: Mapping[str, str], metric: str = "uar", interval: Mapping | None = None,
                  permutations: int = 10000, paired: bool = True) -> pd.DataFrame:  # fmt: skip
    """Rule compare_experiments: the two sides' prediction files and split tables (one; two
    when unpaired: each side's groups) -> ``compare_{name}.csv``."""
    spec = IntervalSpec.from_config(interval)
    tables = [split] if isinstance(split, str | Path) else list(split)
    groups = None
    if spec.unit == "cluster":
        groups = pd.concat([split_groups(t) for t in tables])
        groups = groups[~groups.index.duplicated()]
    table = compare(read_side(a), read_side(b), metric, spec, groups, permutations, name, paired)
    table.insert(1, "a", sides["a"])
    table.insert(2, "b", sides["b"])
    with atomic_path(output) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")
    log_comparison(table)
    return table


def log_comparison(table: pd.DataFrame) -> None:
    """One line per scope (its summary), a warning per note."""
    for row in table.to_dict("records"):
        log.info("%s %s vs %s, %s: %s", row["comparison"], row["a"], row["b"], row["scope"],
                 row["summary"])  # fmt: skip
        if row["note"]:
            log.warning("%s, %s: %s", row["comparison"], row["scope"], row["note"])
