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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SCALARS = ("uar", "wa", "ua", "macro_f1", "weighted_f1")
BOOTSTRAP_SCALARS = ("uar", "wa", "macro_f1", "weighted_f1")
PER_CLASS = ("precision", "recall", "f1", "support")
AVERAGES = ("weighted_precision", "weighted_recall", "macro_precision", "macro_recall")
#: names of LR cross-validation's ``cv_metric`` -> the measures they are
CV_METRICS = {"uar": "uar", "accuracy": "wa", "f1_macro": "macro_f1", "f1_weighted": "weighted_f1"}


def confusion(y_true: Sequence, y_pred: Sequence, classes: Sequence) -> np.ndarray:
    """Counts of (true, predicted) pairs: rows true class, columns predicted, in ``classes``
    order; pairs with a label outside ``classes`` are not counted."""
    from sklearn.metrics import confusion_matrix

    classes = list(classes)
    if not classes:
        return np.zeros((0, 0), dtype=np.int64)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not np.isin(y_true, classes).any():  # scikit-learn refuses it; nothing to count
        return np.zeros((len(classes), len(classes)), dtype=np.int64)
    matrix = confusion_matrix(y_true, y_pred, labels=classes)
    return matrix.astype(np.int64)


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


def bootstrap(y_true: Sequence, y_pred: Sequence, classes: Sequence, n_boot: int = 1000,
              seed: int = 0, alpha: float = 0.05) -> dict[str, list[float]]:  # fmt: skip
    """Percentile intervals of the :data:`BOOTSTRAP_SCALARS` over ``n_boot`` resamples of the
    utterances (with replacement, seeded)."""
    index = {c: i for i, c in enumerate(classes)}
    t = np.array([index[c] for c in y_true], dtype=np.int64)
    p = np.array([index[c] for c in y_pred], dtype=np.int64)
    k, n = len(classes), len(t)
    if n == 0 or n_boot <= 0:
        return {}
    rng = np.random.default_rng(seed)
    draws = np.empty((n_boot, k, k), dtype=np.int64)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        draws[b] = np.bincount(t[idx] * k + p[idx], minlength=k * k).reshape(k, k)
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    out = {}
    for name in BOOTSTRAP_SCALARS:
        values = confusion_measure(draws, name)
        out[name] = [float(np.nanpercentile(values, lo)), float(np.nanpercentile(values, hi))]
    return out
