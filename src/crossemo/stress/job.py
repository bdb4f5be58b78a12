"""Rule evaluate_stress's job: read the clean and stressed predictions, write the stress
metrics, the breakdown and the degradation figure (:mod:`crossemo.stress.scoring`,
:mod:`crossemo.stress.figure`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from crossemo.stress.scoring import breakdown, stress_metrics


def evaluate_stress(clean: Mapping[str, str], stressed: Mapping[str, str], split: str,
                    outputs: Mapping[str, str], *, experiment: str,
                    conditions: Mapping[str, Mapping[str, Any]], interval: Mapping | None,
                    retained: float) -> pd.DataFrame:  # fmt: skip
    """Rule evaluate_stress: ``clean`` (run -> its predictions), ``stressed`` (condition ->
    STRESS_PREDICTIONS) and the split table (the clusters) -> ``outputs`` ``metrics``,
    ``breakdown`` and ``figure``."""
    from crossemo.core.safe_text import write_csv
    from crossemo.evaluation.intervals import split_groups
    from crossemo.stress.figure import plot_stress

    metrics = stress_metrics(
        experiment, {run: pd.read_parquet(p) for run, p in clean.items()},
        {name: pd.read_parquet(p) for name, p in stressed.items()}, conditions, interval,
        split_groups(split),
    )  # fmt: skip
    broken = breakdown(metrics, retained)
    write_csv(metrics, outputs["metrics"], index=False, float_format="%.6g")
    write_csv(broken, outputs["breakdown"], index=False, float_format="%.6g")
    plot_stress(metrics, broken, outputs["figure"])
    return metrics


def split_inputs(inputs: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """evaluate_stress's named inputs as (run -> ``clean_<run>``, condition ->
    ``stressed_<condition>``)."""
    clean = {k.removeprefix("clean_"): v for k, v in inputs.items() if k.startswith("clean_")}
    stressed = {k.removeprefix("stressed_"): v for k, v in inputs.items()
                if k.startswith("stressed_")}  # fmt: skip
    return clean, stressed
