"""The measures of each run of an experiment, per test corpus and overall, with clustered
intervals, and their mean/std and interval tables (rule evaluate_experiment).

The measures are :mod:`crossemo.evaluation.metrics`' registry; the intervals resample the
leakage groups of the split table (``group``: speaker, IEMOCAP session, MOSEI/StrEmo video;
clusters are (corpus, group) pairs, each test corpus drawn separately) or, with
``evaluation.interval.unit: utterance``, the utterances (:mod:`crossemo.evaluation.intervals`).

The evaluation is family-agnostic: it reads only ``utt_id corpus label pred prob_<class>`` of
the predictions and ``utt_id group`` of the split table.

A run's headline measures (:data:`crossemo.evaluation.metrics.SCALARS`: UAR/UA, WA (accuracy),
macro- and weighted F1) must be numbers in every scope: a run without test utterances, or with
predictions lacking a label, stops the evaluation with an
:class:`~crossemo.evaluation.base.UndefinedMetricError` naming the run, the scope and the
measure, and nothing is written. Undefined per-class rates are not errors: a class absent from a
test set has recall 0 in ``per_class`` (as scikit-learn) and no interval (NaN in the intervals
table).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.names import parse_run
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.base import (
    UndefinedMetricError,
    by_test_corpus,
    check_predictions,
    classes_of,
    pool_variants,
    read_predictions,
    read_run_metrics,
    scope_of,
    scopes,
    write_json,
)
from crossemo.evaluation.intervals import (
    IntervalSpec,
    cluster_keys,
    clustered_counts,
    clustered_intervals,
    few_clusters_note,
    interval_info,
    interval_measures,
    split_groups,
)
from crossemo.evaluation.metrics import (
    PER_CLASS,
    SCALARS,
    confusion,
    confusion_measure,
    label,
    scalars,
)

log = logging.getLogger(__name__)
#: the measures of the job log's headline line of each variant and scope
HEADLINE = ("uar", "wa", "macro_f1")


def check_headline(result: Mapping, where: str) -> None:
    """Raise :class:`UndefinedMetricError` when a headline measure (:data:`SCALARS`) of any
    scope of an :func:`evaluate` result is not a finite number."""
    for scope, m in scopes(result).items():
        bad = [name for name in SCALARS if not math.isfinite(m[name])]
        if bad:
            why = "no test utterances" if m["n"] == 0 else f"n={m['n']} test utterances"
            raise UndefinedMetricError(
                f"{where}, {scope}: {', '.join(bad)} {'is' if len(bad) == 1 else 'are'} NaN ({why})"
            )


def evaluate_run(predictions: pd.DataFrame, experiment: str, run: str,
                 spec: IntervalSpec | None = None, groups: pd.Series | None = None
                 ) -> dict:  # fmt: skip
    """:func:`evaluate` of one run, its headline measures checked (:func:`check_headline`)."""
    where = f"experiment {experiment}, run {run}"
    check_predictions(predictions, where)
    result = {"experiment": experiment, "run": run} | evaluate(predictions, spec, groups)
    check_headline(result, where)
    return result


def chance_uar(part: Mapping) -> float:
    """UAR of guessing (any constant or random predictor) in one scope of a result: 1/k, k the
    classes present in its truth."""
    present = int((np.asarray(part["confusion"]["matrix"]).sum(axis=1) > 0).sum())
    return 1.0 / present if present else math.nan


def beats_chance(result: Mapping, scope: str = "overall") -> bool:
    """Whether a run's predictions beat chance in ``scope`` (``overall`` or a test corpus): the
    lower bound of the UAR interval (``ci``, the evaluation's clustered bootstrap) lies above
    :func:`chance_uar`. ``result``: one run as :func:`evaluate_run` gives it (an entry of
    ``results/metrics/{experiment}.runs.json``). ValueError when the run has no interval."""
    part = scope_of(result, scope)
    interval = (part.get("ci") or {}).get("uar")
    if interval is None:
        raise ValueError(f"run {result.get('run', '?')}, {scope}: no uar interval (resamples 0 "
                         "or no clusters): cannot tell it from chance")  # fmt: skip
    return clears_chance(interval[0], chance_uar(part))


def clears_chance(ci_low: float, chance: float) -> bool:
    """Whether a UAR interval's lower bound lies above ``chance`` (:func:`chance_uar`): the one
    test of "better than guessing" (the leaderboard flags the runs that fail it)."""
    return bool(ci_low > chance)


def evaluate_labels(y_true, y_pred, classes: list[str], spec: IntervalSpec | None = None,
                    clusters=None, strata=None) -> dict:  # fmt: skip
    """All measures of one set of predictions, with intervals over ``clusters`` (default: each
    utterance its own) drawn within ``strata`` (default: one)."""
    spec = spec or IntervalSpec()
    n = len(y_true)
    frame = pd.DataFrame({"label": list(y_true), "pred": list(y_pred),
                          "cluster": range(n) if clusters is None else list(clusters),
                          "corpus": "" if strata is None else list(strata)})  # fmt: skip
    matrix = confusion(y_true, y_pred, classes)
    per_class = {c: {k: (int if k == "support" else float)(confusion_measure(matrix, k, i))
                     for k in PER_CLASS} for i, c in enumerate(classes)}  # fmt: skip
    counts, cluster_strata = clustered_counts(frame, classes)
    return scalars(matrix) | {
        "per_class": per_class,
        "confusion": {"labels": list(classes), "matrix": matrix.tolist()},
        "n_clusters": len(counts),
        "ci": clustered_intervals(counts, cluster_strata, classes, spec),
    }


def evaluate(predictions: pd.DataFrame, spec: IntervalSpec | None = None,
             groups: pd.Series | None = None) -> dict:  # fmt: skip
    """Metrics overall and per test corpus of a predictions table (see the module docstring)."""
    spec = spec or IntervalSpec()
    classes = classes_of(predictions)
    frame = predictions.assign(cluster=cluster_keys(predictions, spec.unit, groups))
    result = {"classes": classes, "interval": interval_info(spec), "per_corpus": {}}
    result["overall"] = _part_metrics(frame, classes, spec)
    for corpus, part in by_test_corpus(frame):
        result["per_corpus"][corpus] = _part_metrics(part, classes, spec)
    return result


def _part_metrics(frame: pd.DataFrame, classes: list[str], spec: IntervalSpec) -> dict:
    return evaluate_labels(frame["label"], frame["pred"], classes, spec, frame["cluster"],
                           frame["corpus"])  # fmt: skip


def evaluate_experiment(
    predictions: Mapping[str, str | Path],
    runs_output: str | Path,
    table_output: str | Path,
    experiment: str,
    interval: Mapping | None = None,
    split: str | Path | None = None,
    intervals_output: str | Path | None = None,
) -> list[dict]:
    """Rule evaluate_experiment: every run's predictions -> the runs' metrics (a JSON list, one
    dict per run as :func:`evaluate_file` writes it), their mean/std table (:func:`aggregate`)
    and every measure's interval of each variant's pooled runs (:func:`interval_table`).

    ``split`` (the experiment's split table) gives the clusters. One job per experiment, not
    per run: evaluating a run takes about a second, less than starting a job for it.
    """
    spec = IntervalSpec.from_config(interval)
    groups = split_groups(split) if split is not None else None
    tables = read_predictions(predictions)
    results = [evaluate_run(table, experiment, run, spec, groups) for run, table in tables.items()]
    pooled = {variant: evaluate(table, spec, groups)
              for variant, table in pool_variants(tables).items()}  # fmt: skip
    write_json(results, runs_output)
    write_csv(aggregate(results, pooled), table_output, index=False, float_format="%.6g")
    if intervals_output is not None:
        write_csv(interval_table(experiment, pooled), intervals_output, index=False,
                                                  float_format="%.6g")  # fmt: skip
    log_headline(experiment, pooled)
    return results


def headline(result: Mapping, scope: str) -> str:
    """``UAR 72.2 [65.6, 82.7], WA 74.3 [65.2, 84.3], macro-F1 73.1 [63.0, 82.5] (n = 70, 18
    clusters)`` of one scope of an :func:`evaluate` result (percent; the interval where there
    is one)."""
    m = scope_of(result, scope)
    parts = []
    for name in HEADLINE:
        ci = m["ci"].get(name)
        bounds = f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]" if ci else ""
        parts.append(f"{label(name)} {100 * m[name]:.1f}{bounds}")
    return f"{', '.join(parts)} (n = {m['n']}, {m['n_clusters']} clusters)"


def log_headline(experiment: str, pooled: Mapping[str, dict]) -> None:
    """The job log's summary: the headline measures of each variant (folds pooled) and scope,
    and a warning where an interval rests on too few clusters (:func:`few_clusters_note`)."""
    for variant, res in pooled.items():
        name = f"{experiment}/{variant}" if variant else experiment
        for scope, m in scopes(res).items():
            log.info("%s, %s: %s", name, scope, headline(res, scope))
            if note := few_clusters_note(m["n_clusters"], res["interval"]["unit"]):
                log.warning("%s, %s: %s", name, scope, note)


def interval_table(experiment: str, pooled: Mapping[str, dict]) -> pd.DataFrame:
    """Every measure with its interval, per variant (folds pooled) and scope: long format."""
    rows = []
    for variant, res in pooled.items():
        info = res["interval"]
        for scope, m in scopes(res).items():
            values = interval_measures(np.asarray(m["confusion"]["matrix"]), res["classes"])
            for name, value in values.items():
                lo, hi = m["ci"].get(name, (np.nan, np.nan))
                rows.append({"experiment": experiment, "variant": variant, "scope": scope,
                             "measure": name, "value": float(value), "ci_low": lo,
                             "ci_high": hi, "interval_unit": info["unit"],
                             "level": info["level"], "n": m["n"],
                             "n_clusters": m["n_clusters"],
                             "interval_note": few_clusters_note(m["n_clusters"],
                                                                info["unit"])})  # fmt: skip
    return pd.DataFrame(rows)


def evaluate_file(predictions_path, output, experiment: str, run: str,
                  spec: IntervalSpec | None = None, groups: pd.Series | None = None
                  ) -> dict:  # fmt: skip
    """One run's predictions Parquet -> metrics JSON (:func:`evaluate_run`)."""
    result = evaluate_run(pd.read_parquet(predictions_path), experiment, run, spec, groups)
    write_json(result, output)
    return result


def aggregate(results: list[dict], pooled: Mapping[str, dict] | None = None) -> pd.DataFrame:
    """Mean and std over the folds of each (variant, scope): one row per variant x scope.

    ``scope`` is ``overall`` or a test corpus; ``variant`` groups runs that differ only by fold
    (``fold0-knn`` and ``fold1-knn`` -> ``knn``). std is the sample std (ddof=1), NaN for one fold.
    With ``pooled`` (variant -> :func:`evaluate` of its folds' predictions together) each scalar
    gets ``{m}_ci_low``/``{m}_ci_high``, the interval of the pooled value, and the row says
    what was resampled (``interval_unit``), how many clusters there were and, under
    :data:`~crossemo.evaluation.intervals.MIN_CLUSTERS`, a warning (``interval_note``).
    """
    rows = []
    for res in results:
        fold, variant = parse_run(res["run"])
        for scope, m in scopes(res).items():
            row = {"experiment": res["experiment"], "variant": variant, "run": res["run"],
                   "fold": fold, "scope": scope, "n": m["n"]}  # fmt: skip
            row |= {k: m[k] for k in SCALARS}
            rows.append(row)
    long = pd.DataFrame(rows)
    keys = ["experiment", "variant", "scope"]
    grouped = long.groupby(keys, sort=False)
    out = grouped.agg(n_runs=("run", "nunique"), n_utts=("n", "sum"))
    for m in SCALARS:
        out[f"{m}_mean"] = grouped[m].mean()
        out[f"{m}_std"] = grouped[m].std(ddof=1)
    out = out.reset_index()
    return out if pooled is None else out.join(_pooled_columns(out, pooled))


def _pooled_columns(table: pd.DataFrame, pooled: Mapping[str, dict]) -> pd.DataFrame:
    """interval_unit, n_clusters and each scalar's pooled interval, for the rows of ``table``."""
    rows = []
    for variant, scope in zip(table["variant"], table["scope"], strict=True):
        res = pooled[variant]
        m = scope_of(res, scope)
        row = {"interval_unit": res["interval"]["unit"], "n_clusters": m["n_clusters"]}
        for name in SCALARS:
            row[f"{name}_ci_low"], row[f"{name}_ci_high"] = m["ci"].get(name, (np.nan, np.nan))
        row["interval_note"] = few_clusters_note(m["n_clusters"], res["interval"]["unit"])
        rows.append(row)
    return pd.DataFrame(rows, index=table.index)


def aggregate_files(metric_paths, output) -> pd.DataFrame:
    """Run metric files -> ``results/metrics/{experiment}.csv``."""
    results = read_run_metrics(metric_paths)
    table = aggregate(results)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, output, index=False, float_format="%.6g")
    return table
