"""Metrics of a predictions table, per test corpus and overall, with bootstrap intervals.

Definitions (the papers'): **WA** (weighted accuracy) is the share of correctly classified
utterances; **UA** (unweighted accuracy, multimodal paper) is the mean of the per-class recalls;
**UAR** (iberspeech/strEmo papers) is the same quantity: the unweighted average recall. Classes
count in UA/UAR only where the test set has them (a class absent from a test corpus has no recall).
Macro F1 averages per-class F1 over the classes present in truth or prediction; weighted F1
weights per-class F1 by true support. Bootstrap intervals resample utterances with replacement
(seeded) and take the 2.5 and 97.5 percentiles.

The evaluation is family-agnostic: it reads only ``utt_id corpus label pred prob_<class>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.names import parse_run

SCALAR_METRICS = ("uar", "wa", "ua", "macro_f1", "weighted_f1")
BOOTSTRAP_METRICS = ("uar", "wa", "macro_f1", "weighted_f1")


def classes_of(predictions: pd.DataFrame) -> list[str]:
    """Label order: the ``prob_<class>`` columns' order, then any other label seen."""
    order = [c[len("prob_") :] for c in predictions.columns if c.startswith("prob_")]
    extra = sorted((set(predictions["label"]) | set(predictions["pred"])) - set(order))
    return order + extra


def confusion(y_true, y_pred, classes: list[str]) -> np.ndarray:
    """Rows: true class, columns: predicted class (in ``classes`` order)."""
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[index[t], index[p]] += 1
    return matrix


def class_rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class tp, support, predicted, precision, recall and F1 of confusion matrices
    ``counts`` (..., k, k; rows true, columns predicted). A class never predicted has precision
    0, a class absent from truth recall 0."""
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


def _scalars(matrix: np.ndarray) -> tuple[dict, dict]:
    """Scalar metrics and per-class precision/recall/F1/support from a confusion matrix."""
    rates = class_rates(matrix)
    tp, support, predicted = rates["tp"], rates["support"], rates["predicted"]
    recall, precision, f1 = rates["recall"], rates["precision"], rates["f1"]
    n = matrix.sum()
    present = support > 0
    seen = present | (predicted > 0)
    uar = float(recall[present].mean()) if present.any() else float("nan")
    scalars = {
        "n": int(n),
        "wa": float(tp.sum() / n) if n else float("nan"),
        "uar": uar,
        "ua": uar,
        "macro_f1": float(f1[seen].mean()) if seen.any() else float("nan"),
        "weighted_f1": float((f1 * support).sum() / support.sum()) if n else float("nan"),
    }
    per_class = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return scalars, per_class


def bootstrap(y_true, y_pred, classes, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
              ) -> dict[str, list[float]]:  # fmt: skip
    """Percentile intervals of the bootstrap metrics (utterances resampled, seeded)."""
    index = {c: i for i, c in enumerate(classes)}
    t = np.array([index[c] for c in y_true], dtype=np.int64)
    p = np.array([index[c] for c in y_pred], dtype=np.int64)
    k, n = len(classes), len(t)
    if n == 0 or n_boot <= 0:
        return {}
    rng = np.random.default_rng(seed)
    values = {m: np.empty(n_boot) for m in BOOTSTRAP_METRICS}
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        matrix = np.bincount(t[idx] * k + p[idx], minlength=k * k).reshape(k, k)
        scalars, _ = _scalars(matrix)
        for m in BOOTSTRAP_METRICS:
            values[m][b] = scalars[m]
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    return {m: [float(np.nanpercentile(v, lo)), float(np.nanpercentile(v, hi))]
            for m, v in values.items()}  # fmt: skip


def metrics(y_true, y_pred, classes: list[str], n_boot: int = 1000, seed: int = 0) -> dict:
    """All metrics of one set of predictions (see the module docstring)."""
    matrix = confusion(y_true, y_pred, classes)
    scalars, per_class = _scalars(matrix)
    return scalars | {
        "per_class": {
            c: {k: (int(v[i]) if k == "support" else float(v[i])) for k, v in per_class.items()}
            for i, c in enumerate(classes)
        },
        "confusion": {"labels": list(classes), "matrix": matrix.tolist()},
        "ci95": bootstrap(y_true, y_pred, classes, n_boot=n_boot, seed=seed),
    }


def evaluate(predictions: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> dict:
    """Metrics overall and per test corpus of a predictions table."""
    classes = classes_of(predictions)
    result = {
        "classes": classes,
        "overall": metrics(predictions["label"], predictions["pred"], classes, n_boot, seed),
        "per_corpus": {},
    }
    for corpus, part in predictions.groupby("corpus", sort=True):
        result["per_corpus"][str(corpus)] = metrics(
            part["label"], part["pred"], classes, n_boot, seed
        )
    return result


def evaluate_experiment(
    predictions: Mapping[str, str | Path],
    runs_output: str | Path,
    table_output: str | Path,
    experiment: str,
    n_boot: int = 1000,
    seed: int = 0,
) -> list[dict]:
    """Rule evaluate_experiment: every run's predictions -> the runs' metrics (a JSON list, one
    dict per run as :func:`evaluate_file` writes it) and their mean/std table (:func:`aggregate`).

    One job per experiment, not per run: evaluating a run takes well under a second, less than
    starting a job for it.
    """
    results = []
    for run, path in predictions.items():
        table = pd.read_parquet(path)
        results.append({"experiment": experiment, "run": run} | evaluate(table, n_boot, seed))
    runs_output = Path(runs_output)
    runs_output.parent.mkdir(parents=True, exist_ok=True)
    runs_output.write_text(json.dumps(results, indent=1, allow_nan=True) + "\n")
    aggregate(results).to_csv(table_output, index=False, float_format="%.6g")
    return results


def read_run_metrics(paths: Iterable[str | Path]) -> list[dict]:
    """Run metrics from files holding one run (a dict) or an experiment's runs (a list)."""
    results = []
    for path in paths:
        data = json.loads(Path(path).read_text())
        results += data if isinstance(data, list) else [data]
    return results


def evaluate_file(predictions_path, output, experiment: str, run: str, n_boot=1000, seed=0):
    """One run's predictions Parquet -> metrics JSON."""
    table = pd.read_parquet(predictions_path)
    result = {"experiment": experiment, "run": run} | evaluate(table, n_boot=n_boot, seed=seed)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1, allow_nan=True) + "\n")
    return result


def aggregate(results: list[dict]) -> pd.DataFrame:
    """Mean and std over the folds of each (variant, scope): one row per variant x scope.

    ``scope`` is ``overall`` or a test corpus; ``variant`` groups runs that differ only by fold
    (``fold0-knn`` and ``fold1-knn`` -> ``knn``). std is the sample std (ddof=1), NaN for one fold.
    """
    rows = []
    for res in results:
        fold, variant = parse_run(res["run"])
        scopes = {"overall": res["overall"]} | res.get("per_corpus", {})
        for scope, m in scopes.items():
            row = {"experiment": res["experiment"], "variant": variant, "run": res["run"],
                   "fold": fold, "scope": scope, "n": m["n"]}  # fmt: skip
            row |= {k: m[k] for k in SCALAR_METRICS}
            rows.append(row)
    long = pd.DataFrame(rows)
    keys = ["experiment", "variant", "scope"]
    grouped = long.groupby(keys, sort=False)
    out = grouped.agg(n_runs=("run", "nunique"), n_utts=("n", "sum"))
    for m in SCALAR_METRICS:
        out[f"{m}_mean"] = grouped[m].mean()
        out[f"{m}_std"] = grouped[m].std(ddof=1)
    return out.reset_index()


def aggregate_files(metric_paths, output) -> pd.DataFrame:
    """Run metric files -> ``results/metrics/{experiment}.csv``."""
    results = read_run_metrics(metric_paths)
    table = aggregate(results)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(output, index=False, float_format="%.6g")
    return table
