"""Rule test_robustness: an experiment's clean and stressed predictions, its split table, its
test corpora's manifests and its stress metrics -> the per-speaker table under stress
(``results/stress/speakers_{experiment}.csv``), its figure, and the named robustness tests
(``results/tables/robustness_{experiment}.csv``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.base import read_predictions
from crossemo.evaluation.intervals import IntervalSpec, split_groups
from crossemo.evaluation.speakers import split_speakers
from crossemo.evaluation.subgroups import manifest_attributes
from crossemo.stress.fairness import by_condition, gap_table, speaker_rows, unit_tables
from crossemo.stress.robustness import Thresholds, failures, robustness_table

log = logging.getLogger(__name__)


def _write(table: pd.DataFrame, output: str | Path) -> None:
    with atomic_path(output) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")


def robustness_files(clean: Mapping[str, str | Path], stressed: Mapping[str, str | Path],
                     split: str | Path, manifests: Sequence[str | Path], metrics: str | Path,
                     outputs: Mapping[str, str | Path], experiment: str,
                     thresholds: Mapping | None = None, interval: Mapping | None = None,
                     min_n: int = 10) -> pd.DataFrame:  # fmt: skip
    """Write ``outputs`` ``speakers`` (CSV), ``figure`` (PNG) and ``table`` (CSV); ``clean``:
    run -> its test predictions, ``stressed``: condition -> its stressed predictions (every
    run). Returns the robustness table."""
    from crossemo.stress.speaker_figure import plot_stress_speakers

    spec = IntervalSpec.from_config(interval)
    limits = Thresholds.from_config(thresholds)
    stressed_tables = {c: pd.read_parquet(p) for c, p in stressed.items()}
    tables = unit_tables(by_condition(read_predictions(clean), stressed_tables))
    speakers = speaker_rows(tables, split_speakers(split), spec, min_n, experiment)
    groups = split_groups(split) if spec.unit == "cluster" else None
    gaps = gap_table(tables, manifest_attributes(manifests), spec, groups)
    table = robustness_table(speakers, gaps, pd.read_csv(metrics), limits, experiment)
    _write(speakers, outputs["speakers"])
    _write(table, outputs["table"])
    plot_stress_speakers(speakers, outputs["figure"], experiment)
    for line in failures(table):
        log.info("%s", line)
    log.info("%s: %d of %d robustness tests passed", experiment, int(table["passed"].sum()),
             len(table))  # fmt: skip
    return table


#: prefix of the rule's inputs that are a condition's stressed predictions
STRESSED_PREFIX = "stressed_"


def robustness_stage(inputs: Mapping[str, str | Sequence[str]], outputs: Mapping[str, str | Path],
                     experiment: str, **settings) -> pd.DataFrame:  # fmt: skip
    """Rule test_robustness's named inputs (``split manifests metrics``, ``stressed_<condition>``,
    and run -> clean predictions) -> :func:`robustness_files`."""
    files = dict(inputs)
    split, manifests, metrics = (files.pop(k) for k in ("split", "manifests", "metrics"))
    stressed = {k.removeprefix(STRESSED_PREFIX): files.pop(k)
                for k in list(files) if k.startswith(STRESSED_PREFIX)}  # fmt: skip
    return robustness_files(files, stressed, split, list(manifests), metrics, outputs,
                            experiment, **settings)  # fmt: skip
