"""Seeded percentile intervals that resample **clusters**, not utterances.

The utterances of one speaker (IEMOCAP: one session; MOSEI, StrEmo: one video) are not
independent samples, so each cluster enters a bootstrap draw whole, with its per-cluster
confusion matrix (:func:`clustered_intervals`). Pooled test sets are stratified: each test
corpus draws its own clusters, keeping its share. An utterance bootstrap is the special case of
singleton clusters (config ``evaluation.interval.unit: utterance``).

Clusters are the split table's leakage groups (``group``), one per (test corpus, group) pair
(:func:`cluster_keys`). The subgroup gaps, the comparisons (paired or not) and the calibration
measures resample the same way (:func:`resample_sums`), each in its module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossemo.evaluation.metrics import (
    AVERAGES,
    PER_CLASS,
    SCALARS,
    class_indices,
    class_rates,
    confusion_measure,
)

#: what an interval resamples: the leakage group (manifest ``group``) or the utterance
INTERVAL_UNITS = ("cluster", "utterance")
#: fewer clusters than this and a bootstrap interval is flagged (:func:`few_clusters_note`)
MIN_CLUSTERS = 10


def few_clusters_note(n_clusters: int, unit: str = "cluster") -> str:
    """A warning when an interval rests on fewer than :data:`MIN_CLUSTERS` clusters, else ``""``.

    A bootstrap of C clusters knows only C values: its spread underestimates the true one by
    about (C - 1) / C in variance and, below ~10, its percentile interval is too narrow (it
    misses the true value more often than its level says) and jumps in steps of one cluster.
    An utterance bootstrap (``unit: utterance``, each utterance its own cluster) is not flagged.
    """
    if unit != "cluster" or n_clusters >= MIN_CLUSTERS:
        return ""
    return (f"only {n_clusters} clusters (< {MIN_CLUSTERS}): the bootstrap interval is too "
            "narrow, read it as indicative")  # fmt: skip


@dataclass(frozen=True)
class IntervalSpec:
    """How intervals are drawn (config ``evaluation.interval``): the resampled ``unit``
    (``cluster``: the leakage group, manifest ``group``; ``utterance``), the number of
    ``resamples``, the confidence ``level`` and the ``seed``."""

    unit: str = "cluster"
    resamples: int = 1000
    level: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if self.unit not in INTERVAL_UNITS:
            raise ValueError(f"interval unit {self.unit!r}: use one of {INTERVAL_UNITS}")

    @classmethod
    def from_config(cls, settings: Mapping[str, Any] | None) -> IntervalSpec:
        return cls(**dict(settings or {}))


def interval_info(spec: IntervalSpec) -> dict:
    """How the intervals of a result were drawn (stored beside them)."""
    return {"unit": spec.unit, "resamples": spec.resamples, "level": spec.level,
            "seed": spec.seed}  # fmt: skip


def split_groups(path: str | Path) -> pd.Series:
    """utt_id -> leakage group of a split table (one row per utterance and fold)."""
    table = pd.read_parquet(path, columns=["utt_id", "group"]).drop_duplicates("utt_id")
    return table.set_index("utt_id")["group"]


def cluster_keys(predictions: pd.DataFrame, unit: str, groups: pd.Series | None) -> pd.Series:
    """The cluster of each prediction: ``corpus/group`` (unit ``cluster``) or the utterance."""
    if unit == "utterance":
        return predictions["utt_id"].astype(str)
    if groups is None:
        raise ValueError("a cluster interval needs the utterances' groups (the split table)")
    group = predictions["utt_id"].map(groups)
    if group.isna().any():
        missing = predictions.loc[group.isna(), "utt_id"].head(3).tolist()
        raise ValueError(f"{int(group.isna().sum())} predicted utterances have no group, "
                         f"e.g. {missing}")  # fmt: skip
    return predictions["corpus"].astype(str) + "/" + group.astype(str)


def cluster_confusions(t: np.ndarray, p: np.ndarray, cluster: np.ndarray, n_clusters: int,
                       k: int) -> np.ndarray:  # fmt: skip
    """Confusion matrix of each cluster (n_clusters, k, k) from class indices ``t``/``p`` and
    cluster codes ``cluster`` (0 .. n_clusters - 1)."""
    flat = (np.asarray(cluster) * k + t) * k + p
    return np.bincount(flat, minlength=n_clusters * k * k).reshape(n_clusters, k, k)


def clustered_counts(frame: pd.DataFrame, classes: list[str]
                     ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Per-cluster confusion matrices of ``frame`` (``label pred corpus cluster``) and each
    cluster's stratum (its corpus)."""
    codes, uniques = pd.factorize(frame["cluster"], sort=True)
    t, p = class_indices(frame["label"], classes), class_indices(frame["pred"], classes)
    counts = cluster_confusions(t, p, codes, len(uniques), len(classes))
    strata = frame.groupby(codes, sort=True)["corpus"].first().to_numpy()
    return counts, strata


def resample_sums(tensors: np.ndarray, strata: np.ndarray, resamples: int,
                  seed: int | np.random.SeedSequence) -> np.ndarray:  # fmt: skip
    """Sums of ``tensors`` (one per cluster, shape (C, ...)) over stratified cluster-bootstrap
    draws (resamples, ...): each stratum draws as many of its clusters as it has, with
    replacement, so each stratum (test corpus) keeps its share.

    Written here rather than with ``scipy.stats.bootstrap`` (which could draw the strata as
    separate samples): its quantiles propagate NaN, and a measure undefined in some draws (a
    class whose speakers were all left out) must skip those draws, not void the interval.
    Identical clusters are drawn as one kind with a multinomial count, so an utterance
    bootstrap of a large corpus (singleton clusters: at most k*k kinds) stays small.
    """
    rng = np.random.default_rng(seed)
    flat = np.asarray(tensors).reshape(len(tensors), -1)
    out = np.zeros((resamples, flat.shape[1]))
    for stratum in np.unique(strata):
        kinds, counts = np.unique(flat[strata == stratum], axis=0, return_counts=True)
        draws = rng.multinomial(counts.sum(), counts / counts.sum(), size=resamples)
        out += draws @ kinds
    return out.reshape(resamples, *np.shape(tensors)[1:])


def interval_measures(counts: np.ndarray, classes: Sequence) -> dict[str, np.ndarray]:
    """Every measure that gets an interval, of confusion matrices ``counts`` (..., k, k): the
    scalars, the averages and ``precision[c] recall[c] f1[c]`` per class (NaN where the class
    is absent from the truth: it has no recall there)."""
    out = {name: confusion_measure(counts, name) for name in SCALARS + AVERAGES}
    absent = class_rates(counts)["support"] == 0
    for i, cls in enumerate(classes):
        for name in (n for n in PER_CLASS if n != "support"):  # rates; support is a count
            out[f"{name}[{cls}]"] = np.where(absent[..., i], np.nan,
                                             confusion_measure(counts, name, i))  # fmt: skip
    return out


def percentile_interval(values: np.ndarray, level: float) -> list[float]:
    """Percentile interval of bootstrap ``values`` (undefined draws, NaN, skipped)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return [math.nan, math.nan]
    tail = 100 * (1 - level) / 2
    return [float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))]


def clustered_intervals(cluster_counts: np.ndarray, strata: np.ndarray, classes: Sequence,
                        spec: IntervalSpec) -> dict[str, list[float]]:  # fmt: skip
    """Percentile intervals of every :func:`interval_measures` measure over cluster
    resamples of per-cluster confusion matrices (C, k, k), stratified by ``strata`` (a
    measure undefined in every draw, e.g. the recall of a class absent from the test set, has
    none)."""
    if len(cluster_counts) == 0 or spec.resamples <= 0:
        return {}
    draws = resample_sums(cluster_counts, np.asarray(strata), spec.resamples, spec.seed)
    measures = interval_measures(draws, classes)
    out = {name: percentile_interval(v, spec.level) for name, v in measures.items()}
    return {name: ci for name, ci in out.items() if not math.isnan(ci[0])}
