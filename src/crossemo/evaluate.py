"""Metrics of a predictions table, per test corpus and overall, with bootstrap intervals.

The metrics and their definitions are :mod:`crossemo.metrics`'. Bootstrap intervals resample
utterances with replacement (seeded) and take the 2.5 and 97.5 percentiles.

The evaluation is family-agnostic: it reads only ``utt_id corpus label pred prob_<class>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from crossemo.metrics import PER_CLASS, bootstrap, confusion, confusion_measure, scalars
from crossemo.metrics import SCALARS as SCALAR_METRICS
from crossemo.names import parse_run


def classes_of(predictions: pd.DataFrame) -> list[str]:
    """Label order: the ``prob_<class>`` columns' order, then any other label seen."""
    order = [c[len("prob_") :] for c in predictions.columns if c.startswith("prob_")]
    extra = sorted((set(predictions["label"]) | set(predictions["pred"])) - set(order))
    return order + extra


def metrics(y_true, y_pred, classes: list[str], n_boot: int = 1000, seed: int = 0) -> dict:
    """All metrics of one set of predictions (see the module docstring)."""
    matrix = confusion(y_true, y_pred, classes)
    per_class = {c: {k: (int if k == "support" else float)(confusion_measure(matrix, k, i))
                     for k in PER_CLASS} for i, c in enumerate(classes)}  # fmt: skip
    return scalars(matrix) | {
        "per_class": per_class,
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
