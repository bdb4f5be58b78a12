"""Every classification metric of the project, computed from confusion matrices.

Definitions (the papers'): **WA** (weighted accuracy) is the share of correctly classified
utterances; **UA** (unweighted accuracy, multimodal paper) is the mean of the per-class recalls;
**UAR** (iberspeech/strEmo papers) is the same quantity: the unweighted average recall. Classes
count in UA/UAR only where the truth has them (a class absent from a test set has no recall),
as scikit-learn's ``balanced_accuracy``. A class never predicted has precision 0, a class
absent from truth recall 0. Macro averages run over the classes present in truth or prediction
(scikit-learn's ``average="macro"``); weighted averages weight each class by its true support.

Confusion matrices come from scikit-learn; every measure is a function of them, vectorised over
leading axes so that bootstrap resamples of a matrix are measured at once.

Intervals resample **clusters**, not utterances: the utterances of one speaker (IEMOCAP: one
session; MOSEI, StrEmo: one video) are not independent samples, so each cluster enters a
bootstrap draw whole, with its per-cluster confusion matrix (:func:`clustered_intervals`,
:func:`paired_difference`). Pooled test sets are stratified: each test corpus draws its own
clusters, keeping its share. An utterance bootstrap is the special case of singleton clusters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SCALARS = ("uar", "wa", "ua", "macro_f1", "weighted_f1")
#: what an interval resamples: the leakage group (manifest ``group``) or the utterance
INTERVAL_UNITS = ("cluster", "utterance")
PER_CLASS = ("precision", "recall", "f1", "support")
AVERAGES = ("weighted_precision", "weighted_recall", "macro_precision", "macro_recall")
#: names of LR cross-validation's ``cv_metric`` -> the measures they are
CV_METRICS = {"uar": "uar", "accuracy": "wa", "f1_macro": "macro_f1", "f1_weighted": "weighted_f1"}


def confusion(y_true: Sequence, y_pred: Sequence, classes: Sequence) -> np.ndarray:
    """Counts of (true, predicted) pairs: rows true class, columns predicted, in ``classes``
    order; pairs with a label outside ``classes`` are not counted.

    scikit-learn's ``confusion_matrix`` gives the same counts (tested), but importing
    ``sklearn.metrics`` costs ~2 CPU-s, more than a small training or evaluation job's work
    (BENCHMARKS.md, Waiting times); the count itself is one ``bincount``.
    """
    classes = list(classes)
    k = len(classes)
    index = {label: i for i, label in enumerate(classes)}
    true = np.fromiter((index.get(v, -1) for v in y_true), dtype=np.int64)
    pred = np.fromiter((index.get(v, -1) for v in y_pred), dtype=np.int64)
    if len(true) != len(pred):
        raise ValueError(f"{len(true)} true labels but {len(pred)} predictions")
    both = (true >= 0) & (pred >= 0)
    return np.bincount(true[both] * k + pred[both], minlength=k * k).reshape(k, k)


def class_rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class tp, support, predicted, precision, recall and F1 of confusion matrices
    ``counts`` (..., k, k; rows true, columns predicted)."""
    counts = np.asarray(counts, dtype=float)
    tp = np.diagonal(counts, axis1=-2, axis2=-1)
    support = counts.sum(axis=-1)
    predicted = counts.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(support > 0, tp / support, 0.0)
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return {"tp": tp, "support": support, "predicted": predicted, "precision": precision,
            "recall": recall, "f1": f1}  # fmt: skip


def confusion_measure(counts: np.ndarray, name: str, index: int | None = None) -> np.ndarray:
    """Measure ``name`` (a scalar, average, ``n`` or, with the class ``index``, a per-class
    rate) of confusion matrices ``counts`` (..., k, k); NaN where it is undefined (no
    utterances, or no class present)."""
    name = CV_METRICS.get(name, name)
    rates = class_rates(counts)
    tp, support, predicted = rates["tp"], rates["support"], rates["predicted"]
    per_class = {k: rates[k] for k in PER_CLASS}
    n = support.sum(axis=-1)
    present = support > 0
    seen = present | (predicted > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name in PER_CLASS:
            if index is None:
                raise ValueError(f"{name} is per class: name the class")
            return per_class[name][..., index]
        if name in ("uar", "ua"):
            return (rates["recall"] * present).sum(-1) / present.sum(-1)
        if name in ("wa", "weighted_recall"):
            return tp.sum(-1) / n
        if name == "n":
            return n
        if name.startswith("weighted_") and name[len("weighted_") :] in per_class:
            return (per_class[name[len("weighted_") :]] * support).sum(-1) / n
        if name.startswith("macro_") and name[len("macro_") :] in per_class:
            return (per_class[name[len("macro_") :]] * seen).sum(-1) / seen.sum(-1)
    raise ValueError(f"unknown metric {name!r}")


def scalars(matrix: np.ndarray) -> dict[str, float]:
    """``n`` and the :data:`SCALARS` of one confusion matrix."""
    out = {"n": int(np.asarray(matrix).sum())}
    return out | {name: float(confusion_measure(matrix, name)) for name in SCALARS}


def score(y_true: Sequence, y_pred: Sequence, name: str = "uar",
          classes: Sequence | None = None) -> float:  # fmt: skip
    """Measure ``name`` of predictions ``y_pred`` of ``y_true`` over ``classes`` (default:
    every label seen in either)."""
    if classes is None:
        classes = sorted(set(np.asarray(y_true).tolist()) | set(np.asarray(y_pred).tolist()))
    return float(confusion_measure(confusion(y_true, y_pred, classes), name))


def uar(y_true: Sequence, y_pred: Sequence, classes: Sequence | None = None) -> float:
    """Unweighted average recall over the classes present in ``y_true``."""
    return score(y_true, y_pred, "uar", classes)


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


def class_indices(labels: Sequence, classes: Sequence) -> np.ndarray:
    """Position of each label in ``classes`` (a label outside them is an error)."""
    index = {c: i for i, c in enumerate(classes)}
    try:
        return np.array([index[c] for c in labels], dtype=np.int64)
    except KeyError as err:
        raise ValueError(f"label {err.args[0]!r} is not one of {list(classes)}") from None


def cluster_confusions(t: np.ndarray, p: np.ndarray, cluster: np.ndarray, n_clusters: int,
                       k: int) -> np.ndarray:  # fmt: skip
    """Confusion matrix of each cluster (n_clusters, k, k) from class indices ``t``/``p`` and
    cluster codes ``cluster`` (0 .. n_clusters - 1)."""
    flat = (np.asarray(cluster) * k + t) * k + p
    return np.bincount(flat, minlength=n_clusters * k * k).reshape(n_clusters, k, k)


def resample_sums(tensors: np.ndarray, strata: np.ndarray, resamples: int, seed: int
                  ) -> np.ndarray:  # fmt: skip
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
    :data:`SCALARS`, the :data:`AVERAGES` and ``precision[c] recall[c] f1[c]`` per class (NaN
    where the class is absent from the truth: it has no recall there)."""
    out = {name: confusion_measure(counts, name) for name in SCALARS + AVERAGES}
    absent = class_rates(counts)["support"] == 0
    for i, cls in enumerate(classes):
        for name in ("precision", "recall", "f1"):
            out[f"{name}[{cls}]"] = np.where(absent[..., i], np.nan,
                                             confusion_measure(counts, name, i))  # fmt: skip
    return out


def named_measure(counts: np.ndarray, name: str, classes: Sequence) -> np.ndarray:
    """Measure ``name`` (a scalar or average, or ``recall[class]``-style) of ``counts``."""
    if name.endswith("]") and "[" in name:
        base, cls = name[:-1].split("[", 1)
        if cls not in classes:
            raise ValueError(f"{name}: no class {cls!r} in {list(classes)}")
        return confusion_measure(counts, base, list(classes).index(cls))
    return confusion_measure(counts, name)


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


def paired_difference(counts_a: np.ndarray, counts_b: np.ndarray, strata: np.ndarray,
                      name: str, classes: Sequence, spec: IntervalSpec,
                      permutations: int = 10000) -> dict[str, float]:  # fmt: skip
    """Measure ``name`` of A minus that of B on the same clustered test utterances.

    ``counts_a``/``counts_b`` are per-cluster confusion matrices (C, k, k) of the two systems.
    The interval is a paired stratified cluster bootstrap (each draw takes the same clusters
    for A and B); the two-sided p-value a paired permutation test (each cluster's A and B
    predictions swapped at random): (1 + #|d*| >= |d|) / (1 + permutations).
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


def subgroup_confusions(t: np.ndarray, p: np.ndarray, cluster: np.ndarray, subgroup: np.ndarray,
                        n_clusters: int, n_subgroups: int, k: int) -> np.ndarray:  # fmt: skip
    """Confusion matrix of each (cluster, subgroup) pair (n_clusters, n_subgroups, k, k) from
    class indices ``t``/``p`` and the codes of ``cluster`` and ``subgroup`` (a cluster whose
    utterances fall in several subgroups, e.g. a video with two speakers, adds to each)."""
    flat = ((np.asarray(cluster) * n_subgroups + np.asarray(subgroup)) * k + t) * k + p
    size = n_clusters * n_subgroups * k * k
    return np.bincount(flat, minlength=size).reshape(n_clusters, n_subgroups, k, k)


def subgroup_gaps(counts: np.ndarray, strata: np.ndarray, measures: Sequence[str],
                  classes: Sequence, spec: IntervalSpec) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Largest gap between subgroups of each measure, with a clustered bootstrap interval.

    ``counts`` are per-(cluster, subgroup) confusion matrices (C, S, k, k). The gap of a
    measure is its best subgroup minus its worst one (by the point estimates); each bootstrap
    draw resamples the clusters once (stratified by ``strata``), recomputes every subgroup's
    measure on it and takes the same best minus worst difference, so a gap the data cannot
    tell from zero has an interval that holds zero. Draws where the best or worst subgroup
    lost all its clusters are skipped. Returns, per measure, ``gap``, ``best``/``worst``
    (subgroup indices) and ``ci`` (``[low, high]``; NaN without resamples).
    """
    counts = np.asarray(counts)
    point = {name: named_measure(counts.sum(0), name, classes) for name in measures}
    draws = None
    if len(counts) and spec.resamples > 0:
        draws = resample_sums(counts, np.asarray(strata), spec.resamples, spec.seed)
    out = {}
    for name, values in point.items():
        with np.errstate(invalid="ignore"):
            best, worst = int(np.nanargmax(values)), int(np.nanargmin(values))
        ci = [math.nan, math.nan]
        if draws is not None:
            boot = named_measure(draws, name, classes)
            ci = percentile_interval(boot[:, best] - boot[:, worst], spec.level)
        out[name] = {"gap": float(values[best] - values[worst]), "best": best, "worst": worst,
                     "ci": ci}  # fmt: skip
    return out


def reliability_bins(
    probs: np.ndarray, labels: np.ndarray, bins: int = 15
) -> dict[str, np.ndarray]:
    """Top-label reliability of class probabilities ``probs`` (n, k) against true class indices
    ``labels`` (n,): per equal-width confidence bin over [0, 1], the ``count``, mean
    ``confidence`` and ``accuracy`` (NaN in empty bins) and the bin ``edges``."""
    probs, labels = np.asarray(probs, dtype=float), np.asarray(labels)
    confidence = probs.max(axis=1)
    right = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    count = np.bincount(which, minlength=bins).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, confidence, minlength=bins) / count
        accuracy = np.bincount(which, right, minlength=bins) / count
    return {"edges": edges, "count": count, "confidence": mean_conf, "accuracy": accuracy}


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE: the count-weighted mean of |accuracy - confidence| over equal-width confidence bins
    of the top-label probability (Guo et al. 2017); NaN without predictions."""
    found = reliability_bins(probs, labels, bins)
    count = found["count"]
    if count.sum() == 0:
        return math.nan
    gap = np.abs(found["accuracy"] - found["confidence"])
    return float(np.nansum(gap * count) / count.sum())


def brier_score(probs: np.ndarray, labels: np.ndarray) -> float:
    """Multi-class Brier score: mean over utterances of the squared distance between the class
    probabilities and the one-hot truth (0 perfect, 2 worst); NaN without predictions."""
    probs = np.asarray(probs, dtype=float)
    if len(probs) == 0:
        return math.nan
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(probs)), np.asarray(labels)] = 1.0
    return float(((probs - onehot) ** 2).sum(axis=1).mean())


def log_loss(probs: np.ndarray, labels: np.ndarray, eps: float = 1e-12) -> float:
    """Mean negative log-probability of the true class; NaN without predictions."""
    probs = np.asarray(probs, dtype=float)
    if len(probs) == 0:
        return math.nan
    return float(-np.log(np.clip(probs[np.arange(len(probs)), np.asarray(labels)], eps, 1)).mean())


#: measures of :func:`calibration_measures`, the ones the calibration table gives intervals of
CALIBRATION_MEASURES = ("ece", "brier", "log_loss", "uar", "wa")


def calibration_sums(probs: np.ndarray, labels: np.ndarray, pred: np.ndarray,
                     cluster: np.ndarray, n_clusters: int, bins: int = 15,
                     eps: float = 1e-12) -> np.ndarray:  # fmt: skip
    """Per-cluster sums (n_clusters, 3 * bins + 2 + k * k) from which every
    :data:`CALIBRATION_MEASURES` follows: per confidence bin (as :func:`reliability_bins`) the
    count, summed top-label confidence and right answers, then the summed squared error (Brier)
    and negative log-probability of the truth, then the confusion matrix of the decisions
    ``pred`` (class indices, like ``labels``). Sums of clusters are sums of their utterances,
    so a cluster bootstrap resamples these rows (:func:`resample_sums`)."""
    probs, labels = np.asarray(probs, dtype=float), np.asarray(labels)
    cluster, n, k = np.asarray(cluster), len(probs), probs.shape[1]
    confidence = probs.max(axis=1)
    right = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), labels] = 1.0
    truth = np.clip(probs[np.arange(n), labels], eps, 1)
    per_bin = cluster * bins + which
    parts = [np.bincount(per_bin, w, minlength=n_clusters * bins).reshape(n_clusters, bins)
             for w in (np.ones(n), confidence, right)]  # fmt: skip
    parts += [np.bincount(cluster, w, minlength=n_clusters)[:, None]
              for w in (((probs - onehot) ** 2).sum(axis=1), -np.log(truth))]  # fmt: skip
    counts = cluster_confusions(labels, np.asarray(pred), cluster, n_clusters, k)
    return np.concatenate(parts + [counts.reshape(n_clusters, k * k)], axis=1)


def calibration_measures(sums: np.ndarray, bins: int = 15) -> dict[str, np.ndarray]:
    """The :data:`CALIBRATION_MEASURES` of summed :func:`calibration_sums` rows (..., width):
    ECE is sum over bins of |right answers - summed confidence| / n (the count-weighted mean
    gap); NaN without utterances."""
    sums = np.asarray(sums, dtype=float)
    count, conf, right = (sums[..., i * bins : (i + 1) * bins] for i in range(3))
    squared, nll = sums[..., 3 * bins], sums[..., 3 * bins + 1]
    k = math.isqrt(sums.shape[-1] - 3 * bins - 2)
    matrix = sums[..., 3 * bins + 2 :].reshape(*sums.shape[:-1], k, k)
    n = count.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"ece": np.abs(right - conf).sum(axis=-1) / n, "brier": squared / n,
               "log_loss": nll / n}  # fmt: skip
        out |= {name: confusion_measure(matrix, name) for name in ("uar", "wa")}
    return {name: np.where(n > 0, value, np.nan) for name, value in out.items()}


def calibration_intervals(sums: np.ndarray, strata: np.ndarray, bins: int, spec: IntervalSpec
                          ) -> dict[str, list[float]]:  # fmt: skip
    """Percentile intervals of the :data:`CALIBRATION_MEASURES` over stratified cluster
    resamples of per-cluster :func:`calibration_sums` (NaN without resamples or clusters)."""
    if len(sums) == 0 or spec.resamples <= 0:
        return {name: [math.nan, math.nan] for name in CALIBRATION_MEASURES}
    draws = resample_sums(sums, np.asarray(strata), spec.resamples, spec.seed)
    return {name: percentile_interval(values, spec.level)
            for name, values in calibration_measures(draws, bins).items()}  # fmt: skip
