"""The measures of the project: one registry of their names, and each computed from confusion
matrices.

Definitions (the papers'): **WA** (weighted accuracy) is the share of correctly classified
utterances; **UA** (unweighted accuracy, multimodal paper) is the mean of the per-class recalls;
**UAR** (iberspeech/strEmo papers) is the same quantity: the unweighted average recall. Classes
count in UA/UAR only where the truth has them (a class absent from a test set has no recall),
as scikit-learn's ``balanced_accuracy``. A class never predicted has precision 0, a class
absent from truth recall 0. Macro averages run over the classes present in truth or prediction
(scikit-learn's ``average="macro"``); weighted averages weight each class by its true support.

:data:`MEASURES` is the only list of the names: each entry says how the measure is computed from
the class rates of confusion matrices (vectorised over leading axes, so that bootstrap resamples
of a matrix are measured at once) and how tables and figures spell it. The run JSONs, the CSV
columns, the subgroup and calibration tables, the report's measure specs and the config schema's
enums take their names from it (a unit test holds the schema to it). :data:`ALIASES` are the
older scikit-learn spellings (``accuracy``, ``f1_macro``, ``f1_weighted``) that a config's
``cv_metric`` or an LR-CV table's ``metric`` column may hold: read everywhere, never written.

Intervals (the seeded cluster bootstrap) are :mod:`crossemo.evaluation.intervals`'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: kinds of measure: a headline ``scalar`` (every scope of a run has one, and it must be a
#: number), a ``per_class`` rate, an ``average`` of a per-class rate, a ``count``, or a
#: ``probability`` measure (of class probabilities, not of decisions: the calibration's)
SCALAR, PER_CLASS_RATE, AVERAGE, COUNT, PROBABILITY = (
    "scalar",
    "per_class",
    "average",
    "count",
    "probability",
)

Rates = dict[str, np.ndarray]


@dataclass(frozen=True)
class Measure:
    """One measure: its ``name`` (JSON keys, CSV columns, config values), its ``label`` (how
    tables and figures spell it), its ``kind``, how it is computed from :func:`class_rates`
    (``compute``; None for probability measures, computed by
    :mod:`crossemo.evaluation.calibration`) and ``same_as``, a measure equal to it by
    definition (UA is UAR), whose interval it shares."""

    name: str
    label: str
    kind: str
    compute: Callable[[Rates], np.ndarray] | None = None
    same_as: str | None = None


def _weighted(rate: str) -> Callable[[Rates], np.ndarray]:
    return lambda r: (r[rate] * r["support"]).sum(-1) / r["n"]


def _macro(rate: str) -> Callable[[Rates], np.ndarray]:
    return lambda r: (r[rate] * r["seen"]).sum(-1) / r["seen"].sum(-1)


def _uar(r: Rates) -> np.ndarray:
    return (r["recall"] * r["present"]).sum(-1) / r["present"].sum(-1)


def _wa(r: Rates) -> np.ndarray:
    return r["tp"].sum(-1) / r["n"]


def _rate(rate: str) -> Callable[[Rates], np.ndarray]:
    return lambda r: r[rate]


#: every measure, by name, in the order tables list them
MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("uar", "UAR", SCALAR, _uar),
    Measure("wa", "WA", SCALAR, _wa),
    Measure("ua", "UA", SCALAR, _uar, same_as="uar"),
    Measure("macro_f1", "macro F1", SCALAR, _macro("f1")),
    Measure("weighted_f1", "weighted F1", SCALAR, _weighted("f1")),
    Measure("precision", "precision", PER_CLASS_RATE, _rate("precision")),
    Measure("recall", "recall", PER_CLASS_RATE, _rate("recall")),
    Measure("f1", "f1", PER_CLASS_RATE, _rate("f1")),
    Measure("support", "support", PER_CLASS_RATE, _rate("support")),
    Measure("weighted_precision", "weighted precision", AVERAGE, _weighted("precision")),
    Measure("weighted_recall", "weighted recall", AVERAGE, _wa, same_as="wa"),
    Measure("macro_precision", "macro precision", AVERAGE, _macro("precision")),
    Measure("macro_recall", "macro recall", AVERAGE, _macro("recall")),
    Measure("n", "n", COUNT, lambda r: r["n"]),
    Measure("ece", "ECE", PROBABILITY),
    Measure("brier", "Brier", PROBABILITY),
    Measure("log_loss", "log-loss", PROBABILITY),
)}  # fmt: skip

#: older spellings (scikit-learn's scoring names) -> the measure they name; read, never written
ALIASES = {"accuracy": "wa", "f1_macro": "macro_f1", "f1_weighted": "weighted_f1"}


def of_kind(kind: str) -> tuple[str, ...]:
    """Names of the measures of one kind, in registry order."""
    return tuple(name for name, m in MEASURES.items() if m.kind == kind)


#: headline measures: every scope of a run has them (JSON keys, ``{m}_mean`` table columns)
SCALARS = of_kind(SCALAR)
PER_CLASS = of_kind(PER_CLASS_RATE)
AVERAGES = of_kind(AVERAGE)
#: what config ``cv_metric`` (LR cross-validation) may name -> the measure it is
CV_METRICS = {name: name for name in SCALARS} | ALIASES


def canonical(name: str) -> str:
    """The registry name of ``name`` (itself, or the measure an :data:`ALIASES` spelling
    names); a name neither is returned as it is."""
    return ALIASES.get(name, name)


def distinct(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` less those equal by definition to another measure (UA: it is UAR)."""
    return tuple(n for n in names if MEASURES[canonical(n)].same_as is None)


def interval_key(name: str) -> str:
    """The measure whose interval ``name`` shares (``ua`` -> ``uar``), else ``name``."""
    found = MEASURES.get(canonical(name))
    return found.same_as if found is not None and found.same_as else name


def label(name: str) -> str:
    """How tables and figures spell measure ``name`` (``uar`` -> ``UAR``); a per-class spec
    ``recall[class]`` keeps its class."""
    base, bracket, rest = str(name).partition("[")
    found = MEASURES.get(canonical(base))
    return (found.label if found is not None else base) + bracket + rest


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


def class_indices(labels: Sequence, classes: Sequence) -> np.ndarray:
    """Position of each label in ``classes`` (a label outside them is an error)."""
    index = {c: i for i, c in enumerate(classes)}
    try:
        return np.array([index[c] for c in labels], dtype=np.int64)
    except KeyError as err:
        raise ValueError(f"label {err.args[0]!r} is not one of {list(classes)}") from None


def class_rates(counts: np.ndarray) -> Rates:
    """Per-class tp, support, predicted, precision, recall and F1 of confusion matrices
    ``counts`` (..., k, k; rows true, columns predicted), with ``n`` (utterances) and the
    classes ``present`` in truth and ``seen`` in truth or predictions."""
    counts = np.asarray(counts, dtype=float)
    tp = np.diagonal(counts, axis1=-2, axis2=-1)
    support = counts.sum(axis=-1)
    predicted = counts.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(support > 0, tp / support, 0.0)
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return {"tp": tp, "support": support, "predicted": predicted, "precision": precision,
            "recall": recall, "f1": f1, "n": support.sum(axis=-1), "present": support > 0,
            "seen": (support > 0) | (predicted > 0)}  # fmt: skip


def confusion_measure(counts: np.ndarray, name: str, index: int | None = None) -> np.ndarray:
    """Measure ``name`` (a scalar, average, ``n`` or, with the class ``index``, a per-class
    rate; an :data:`ALIASES` spelling is read as its measure) of confusion matrices ``counts``
    (..., k, k); NaN where it is undefined (no utterances, or no class present)."""
    name = canonical(name)
    measure = MEASURES.get(name)
    if measure is None:
        raise ValueError(f"unknown metric {name!r}")
    if measure.compute is None:
        raise ValueError(f"{name} is measured on class probabilities, not a confusion matrix")
    if measure.kind == PER_CLASS_RATE and index is None:
        raise ValueError(f"{name} is per class: name the class")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = measure.compute(class_rates(counts))
    return value[..., index] if measure.kind == PER_CLASS_RATE else value


def named_measure(counts: np.ndarray, name: str, classes: Sequence) -> np.ndarray:
    """Measure ``name`` (a scalar or average, or ``recall[class]``-style) of ``counts``."""
    if name.endswith("]") and "[" in name:
        base, cls = name[:-1].split("[", 1)
        if cls not in classes:
            raise ValueError(f"{name}: no class {cls!r} in {list(classes)}")
        return confusion_measure(counts, base, list(classes).index(cls))
    return confusion_measure(counts, name)


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
