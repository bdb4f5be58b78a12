"""Calibration under corpus shift (rule evaluate_experiment): per test corpus, the expected
calibration error and Brier score of a model's class probabilities, before and after two
post-hoc corrections, and a reliability diagram.

* **Temperature scaling** (Guo et al. 2017): the log-probabilities divided by one temperature
  ``T``, fitted by log-loss on the run's *dev* predictions (classic runs write them from a model
  that never saw dev, or under ``select_on: loco`` every training row from the model fitted on
  the other training corpora; neural runs from the model early-stopped on dev, which chose only the
  stopping step; a run without dev predictions, or with an empty table, gets no temperature:
  the table says so).
  Never fitted on a test corpus. It changes confidence, not the predicted class.
* **Prior-shift correction** (logit adjustment): subtract the log training priors (the class
  shares of the run's training view, balancing weights included) and add log target priors:
  ``uniform``, or ``em``, estimated without test labels from the test corpus's own predicted
  probabilities by EM (Saerens, Latinne & Decaestecker 2002). It can change predicted classes,
  so UAR and WA are shown before and after.

ECE, Brier score and log-loss (the registry's probability measures) are computed here. Each
measure has a bootstrap interval (``*_ci_low``/``*_ci_high``; config ``evaluation.interval``)
that resamples clusters (a test corpus's leakage groups, or utterances) with the corrections
held fixed: the temperature fitted on dev and the EM priors of the whole test corpus are not
refitted per draw.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.base import (
    classes_of,
    evaluation_units,
    read_predictions,
    tested_corpora,
)
from crossemo.evaluation.intervals import (
    IntervalSpec,
    cluster_confusions,
    cluster_keys,
    percentile_interval,
    resample_sums,
    split_groups,
)
from crossemo.evaluation.metrics import PROBABILITY, confusion_measure, of_kind, score

EPS = 1e-12
#: fewest dev predictions a temperature is fitted on (a handful of right answers would drive it
#: towards zero: infinitely sharp)
MIN_DEV = 30
PRIOR_SHIFTS = ("none", "uniform", "em")
RAW = "raw"
TEMPERATURE = "temperature"


# ---------------------------------------------------------------- measures
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


#: measures of :func:`calibration_measures`, the ones the calibration table gives intervals of:
#: the registry's probability measures, and the decisions' UAR and WA
CALIBRATION_MEASURES = (*of_kind(PROBABILITY), "uar", "wa")


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


# ---------------------------------------------------------------- corrections
def probabilities(frame: pd.DataFrame, classes: Sequence[str]) -> np.ndarray | None:
    """The ``prob_<class>`` columns of a predictions table in ``classes`` order (rows summing
    to one), or None when it has none (no class probabilities to calibrate)."""
    columns = [f"prob_{c}" for c in classes]
    if not all(c in frame.columns for c in columns):
        return None
    probs = frame[columns].to_numpy(dtype=float)
    total = probs.sum(axis=1, keepdims=True)
    return np.divide(probs, total, out=np.full_like(probs, 1 / len(classes)), where=total > 0)


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def scale(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``probs`` with temperature ``T``: softmax(log p / T) (T > 1 softens, < 1 sharpens)."""
    return _softmax(np.log(np.clip(probs, EPS, 1)) / temperature)


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the log-loss of ``probs`` on true class indices ``labels``
    (searched over log T in [-4, 4]); 1.0 without data."""
    from scipy.optimize import minimize_scalar

    if len(probs) == 0:
        return 1.0
    found = minimize_scalar(lambda t: log_loss(scale(probs, math.exp(t)), labels),
                            bounds=(-4.0, 4.0), method="bounded")  # fmt: skip
    return float(math.exp(found.x))


def adjust_priors(probs: np.ndarray, train_priors: np.ndarray, target_priors: np.ndarray
                  ) -> np.ndarray:  # fmt: skip
    """Logit adjustment: log p - log(train priors) + log(target priors), renormalised (Bayes'
    rule for a change of class priors with unchanged class-conditional densities)."""
    logits = np.log(np.clip(probs, EPS, 1))
    logits = logits - np.log(np.clip(train_priors, EPS, 1)) + np.log(np.clip(target_priors, EPS, 1))
    return _softmax(logits)


def em_priors(probs: np.ndarray, train_priors: np.ndarray, iterations: int = 1000,
              tol: float = 1e-8) -> np.ndarray:  # fmt: skip
    """Class priors of unlabelled data whose posteriors under the training priors are ``probs``
    (Saerens et al. 2002): alternate re-weighting the posteriors by the current priors over the
    training priors and taking their mean as the new priors, until it settles."""
    train_priors = np.clip(np.asarray(train_priors, dtype=float), EPS, 1)
    priors = train_priors.copy()
    for _ in range(iterations):
        posterior = adjust_priors(probs, train_priors, priors)
        new = posterior.mean(axis=0)
        if np.abs(new - priors).max() < tol:
            return new
        priors = new
    return priors


def training_priors(view: pd.DataFrame, classes: Sequence[str]) -> np.ndarray:
    """Class shares of a training view's train and dev rows, weighted by ``weight`` (what the
    model was fitted on after balancing), in ``classes`` order."""
    rows = view[view["split"].isin(["train", "dev"])]
    weight = rows["weight"] if "weight" in rows else pd.Series(1.0, index=rows.index)
    shares = weight.groupby(rows["label"]).sum().reindex(list(classes), fill_value=0.0)
    return (shares / shares.sum()).to_numpy(dtype=float)


def label_indices(frame: pd.DataFrame, classes: Sequence[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    return frame["label"].map(index).to_numpy(dtype=int)


def corrected(probs: np.ndarray, method: str, temperature: float | None,
              train_priors: np.ndarray, prior_shift: str
              ) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
    """Probabilities after ``method`` (``raw``, ``temperature``, ``prior`` or
    ``temperature+prior``) and the target priors used (None without a prior correction)."""
    out = scale(probs, temperature) if method.startswith(TEMPERATURE) else probs
    if not method.endswith("prior"):
        return out, None
    k = probs.shape[1]
    target = np.full(k, 1 / k) if prior_shift == "uniform" else em_priors(out, train_priors)
    return adjust_priors(out, train_priors, target), target


def methods(settings: Mapping) -> list[str]:
    """The corrections the settings ask for, ``raw`` first."""
    prior = settings.get("prior_shift", "none") != "none"
    out = [RAW]
    if settings.get("temperature", True):
        out.append(TEMPERATURE)
    if prior:
        out.append("prior")
        if settings.get("temperature", True):
            out.append("temperature+prior")
    return out


def measure_intervals(frame: pd.DataFrame, probs: np.ndarray, pred: np.ndarray,
                      classes: Sequence[str], bins: int, spec: IntervalSpec | None,
                      groups: pd.Series | None) -> dict[str, float]:  # fmt: skip
    """``<measure>_ci_low``/``_ci_high`` of the calibration measures of one test corpus's
    ``probs`` and decisions ``pred`` (NaN without ``spec`` or resamples)."""
    found = {name: [math.nan, math.nan] for name in CALIBRATION_MEASURES}
    if spec is not None and spec.resamples > 0 and len(frame):
        labels = label_indices(frame, classes)
        index = {c: i for i, c in enumerate(classes)}
        decided = pd.Series(pred).map(index).fillna(-1).to_numpy(dtype=int)
        known = (labels >= 0) & (decided >= 0)
        clusters = cluster_keys(frame[known], spec.unit, groups)
        codes, uniques = pd.factorize(clusters, sort=True)
        sums = calibration_sums(probs[known], labels[known], decided[known], codes, len(uniques),
                                bins)  # fmt: skip
        found = calibration_intervals(sums, np.zeros(len(uniques)), bins, spec)
    return {f"{name}_ci_{side}": ci[i] for name, ci in found.items()
            for i, side in enumerate(("low", "high"))}  # fmt: skip


def calibration_table(tables: Mapping[str, pd.DataFrame], dev: Mapping[str, pd.DataFrame],
                      priors: Mapping[str, np.ndarray], settings: Mapping,
                      experiment: str = "", spec: IntervalSpec | None = None,
                      groups: pd.Series | None = None) -> tuple[pd.DataFrame, dict]:  # fmt: skip
    """One row per (unit, test corpus, method): ECE, Brier, log-loss, UAR, WA, the temperature
    and target priors used, and a ``note`` where a correction could not be made. Units are
    :func:`crossemo.evaluation.base.evaluation_units`; the temperature of a unit is fitted on its
    runs' dev predictions pooled; priors are per run (its training view) and, for ``em``, per
    run and test corpus. Intervals (:func:`measure_intervals`) are drawn as ``spec`` says, over
    the clusters of ``groups`` (utt_id -> leakage group); none without ``spec``. Also returns
    the reliability bins per unit, corpus and method."""
    bins = int(settings.get("bins", 15))
    prior_shift = settings.get("prior_shift", "none")
    if prior_shift not in PRIOR_SHIFTS:
        raise ValueError(f"calibration.prior_shift {prior_shift!r}: use one of {PRIOR_SHIFTS}")
    rows, curves = [], {}
    for unit, runs in evaluation_units(tables).items():
        classes = list(dict.fromkeys(c for r in runs for c in classes_of(tables[r])))
        note = ""
        probs_of = {r: probabilities(tables[r], classes) for r in runs}
        if any(p is None for p in probs_of.values()):
            rows.append({"experiment": experiment, "variant": unit, "scope": "", "method": RAW,
                         "note": "no class probabilities in the predictions"})  # fmt: skip
            continue
        temperature = None
        wanted = methods(settings)
        dev_parts = [dev[r] for r in runs if r in dev and len(dev[r])]
        n_dev = sum(len(d) for d in dev_parts)
        if TEMPERATURE in wanted:
            dev_probs = [probabilities(d, classes) for d in dev_parts]
            if not dev_parts or any(p is None for p in dev_probs):
                note = "no dev predictions: temperature not fitted"
            elif n_dev < MIN_DEV:
                note = f"{n_dev} dev predictions, fewer than {MIN_DEV}: temperature not fitted"
            else:
                dev_frame = pd.concat(dev_parts, ignore_index=True)
                temperature = fit_temperature(np.concatenate(dev_probs),
                                              label_indices(dev_frame, classes))  # fmt: skip
            if temperature is None:
                wanted = [m for m in wanted if not m.startswith(TEMPERATURE)]
        for method in wanted:
            parts: dict[str, list] = {}
            for run in runs:
                frame, probs = tables[run], probs_of[run]
                for corpus in tested_corpora(frame):
                    mask = (frame["corpus"] == corpus).to_numpy()
                    out, target = corrected(probs[mask], method, temperature, priors[run],
                                            prior_shift)  # fmt: skip
                    parts.setdefault(corpus, []).append((frame[mask], out, target))
            for corpus, found in sorted(parts.items()):
                frame = pd.concat([f for f, _, _ in found], ignore_index=True)
                probs = np.concatenate([p for _, p, _ in found])
                labels = label_indices(frame, classes)
                known = labels >= 0
                pred = np.asarray(classes)[probs.argmax(axis=1)]
                if method == RAW:
                    pred = frame["pred"].to_numpy()  # the model's own decision (SVC: predict())
                targets = [t for _, _, t in found if t is not None]
                rows.append({
                    "experiment": experiment, "variant": unit, "scope": corpus, "method": method,
                    "n": len(frame), "n_dev": n_dev, "bins": bins,
                    "ece": expected_calibration_error(probs[known], labels[known], bins),
                    "brier": brier_score(probs[known], labels[known]),
                    "log_loss": log_loss(probs[known], labels[known]),
                    "uar": score(frame["label"], pred, "uar", classes),
                    "wa": score(frame["label"], pred, "wa", classes),
                    "temperature": temperature if method.startswith(TEMPERATURE) else None,
                    "target_priors": _priors_text(classes, targets),
                    "note": note,
                } | measure_intervals(frame, probs, pred, classes, bins, spec, groups))  # fmt: skip
                curves[(unit, corpus, method)] = reliability_bins(probs[known], labels[known], bins)
    return pd.DataFrame(rows), curves


def _priors_text(classes: Sequence[str], targets: list[np.ndarray]) -> str:
    """Target priors used (mean over the runs pooled in a row) as JSON, or nothing."""
    if not targets:
        return ""
    mean = np.round(np.mean(targets, axis=0), 4).tolist()
    return json.dumps(dict(zip(classes, mean, strict=True)))


def calibration_files(predictions: Mapping[str, str | Path], dev: Mapping[str, str | Path],
                      views: Mapping[str, str | Path], table_output: str | Path,
                      figure_output: str | Path, experiment: str,
                      settings: Mapping | None = None, interval: Mapping | None = None,
                      split: str | Path | None = None) -> pd.DataFrame:  # fmt: skip
    """Calibration table: every run's test and dev predictions and training view ->
    ``results/tables/calibration_{experiment}.csv`` and the reliability diagram; intervals as
    config ``interval`` says, over the leakage groups of the ``split`` table."""
    settings = dict(settings or {})
    spec = IntervalSpec.from_config(interval)
    groups = split_groups(split) if split is not None else None
    tables, dev_tables = read_predictions(predictions), read_predictions(dev)
    priors = {}
    for run, table in tables.items():
        classes = classes_of(table)
        priors[run] = training_priors(pd.read_parquet(views[run]), classes)
    table, curves = calibration_table(tables, dev_tables, priors, settings, experiment, spec,
                                      groups)  # fmt: skip
    with atomic_path(table_output) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")
    from crossemo.evaluation.figures import plot_reliability

    plot_reliability(curves, figure_output, experiment, before=RAW, table=table)
    return table
