"""What every part of the evaluation stage reads the same way: predictions tables and their
classes, the runs grouped into variants and evaluation units, the test corpora of a table, the
scopes of a run's result and the run metrics files, and the error that stops a run whose
headline measure is undefined.

A predictions table (one per run, ``results/predictions/...``) has ``utt_id corpus label pred``
and, where the model gives them, ``prob_<class>`` columns; the evaluation reads nothing else of
it, whatever the model family. A run's result (:func:`crossemo.evaluation.runs.evaluate_run`)
has the measures ``overall`` and ``per_corpus`` (test corpus -> measures): its scopes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from crossemo.core.names import parse_run

OVERALL = "overall"


class UndefinedMetricError(ValueError):
    """A run whose headline measure is not a number (NaN): the evaluation stops, naming it."""


def check_predictions(predictions: pd.DataFrame, where: str) -> None:
    """Raise :class:`UndefinedMetricError` when a prediction lacks its label or its answer."""
    missing = predictions[["label", "pred"]].isna().any(axis=1)
    if missing.any():
        examples = predictions.loc[missing, "utt_id"].head(3).tolist()
        raise UndefinedMetricError(
            f"{where}: {int(missing.sum())} predictions without a label or a prediction, "
            f"e.g. {examples}: the model or its predictions file is broken"
        )


def read_predictions(paths: Mapping[str, str | Path]) -> dict[str, pd.DataFrame]:
    """Predictions tables by run (``paths``: run -> Parquet file)."""
    return {run: pd.read_parquet(path) for run, path in paths.items()}


def classes_of(predictions: pd.DataFrame) -> list[str]:
    """Label order: the ``prob_<class>`` columns' order, then any other label seen."""
    order = [c[len("prob_") :] for c in predictions.columns if c.startswith("prob_")]
    extra = sorted((set(predictions["label"]) | set(predictions["pred"])) - set(order))
    return order + extra


def tested_corpora(frame: pd.DataFrame) -> list[str]:
    """The test corpora of a predictions table, sorted."""
    return [str(c) for c in sorted(frame["corpus"].unique())]


def by_test_corpus(frame: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """The rows of each test corpus of a predictions table, corpora sorted."""
    for corpus, part in frame.groupby("corpus", sort=True):
        yield str(corpus), part


def pool_variants(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Predictions of the runs of each variant (its folds) in one table."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for run, table in tables.items():
        parts.setdefault(parse_run(run)[1], []).append(table)
    return {variant: pd.concat(p, ignore_index=True) for variant, p in parts.items()}


def evaluation_units(tables: Mapping[str, pd.DataFrame]) -> dict[str, list[str]]:
    """The runs one block of a per-model table measures together: a variant's runs (its folds,
    each utterance tested once), or each run alone where a variant's runs share test
    utterances (a corpus matrix tests a corpus in several folds)."""
    variants: dict[str, list[str]] = {}
    for run in tables:
        variants.setdefault(parse_run(run)[1], []).append(run)
    units: dict[str, list[str]] = {}
    for variant, runs in variants.items():
        if pd.concat([tables[r]["utt_id"] for r in runs]).is_unique:
            units[variant] = runs
        else:
            units |= {run: [run] for run in runs}
    return units


def scopes(result: Mapping) -> dict[str, Mapping]:
    """The measures of a result by scope: ``overall``, then each test corpus."""
    return {OVERALL: result[OVERALL]} | dict(result.get("per_corpus", {}))


def scope_of(result: Mapping, scope: str) -> Mapping:
    """The measures of one scope (``overall`` or a test corpus) of a result."""
    return result[OVERALL] if scope == OVERALL else result["per_corpus"][scope]


def read_run_metrics(paths: Iterable[str | Path]) -> list[dict]:
    """Run metrics from files holding one run (a dict) or an experiment's runs (a list)."""
    results = []
    for path in paths:
        data = json.loads(Path(path).read_text())
        results += data if isinstance(data, list) else [data]
    return results


def write_json(data, output: str | Path) -> None:
    """``data`` as the stage writes its JSON (indented, NaN kept), parents made."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(data, indent=1, allow_nan=True) + "\n")
