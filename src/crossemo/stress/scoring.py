"""Degradation under stress (rule evaluate_stress): every measure of each variant on clean and
stressed audio, with speaker-clustered intervals, the paired difference to clean, and the
condition at which each family breaks down.

The clean predictions are the runs' own (``results/predictions/{experiment}/{run}.parquet``);
the stressed ones are :mod:`crossemo.stress.predict`'s (one table per condition, column ``run``).
Both are pooled by variant as the evaluation pools them
(:func:`crossemo.evaluation.base.pool_variants`) and measured by the evaluation's own
:func:`crossemo.evaluation.runs.evaluate` (clustered bootstrap); a condition's difference to
clean is :func:`crossemo.evaluation.comparisons.compare`'s paired cluster bootstrap over the
same utterances.

A family's *breakdown* walks its conditions from the mildest (:func:`severity`) and names the
first whose UAR lower bound falls below ``retained`` x the clean UAR.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from crossemo.evaluation.base import pool_variants, scopes
from crossemo.evaluation.comparisons import compare
from crossemo.evaluation.intervals import IntervalSpec
from crossemo.evaluation.runs import HEADLINE, chance_uar, evaluate
from crossemo.stress.conditions import condition_axis, condition_family

#: the condition name of the runs' own test predictions
CLEAN = "clean"
#: the measure the breakdown and the figure follow
BREAKDOWN_MEASURE = "uar"
#: how severe an axis value is (larger: harsher); walking a family from the mildest setting
SEVERITY = {
    "snr_db": lambda v: -v,  # SNR high -> low
    "bitrate_kbps": lambda v: -v,  # bitrate high -> low
    "rt60_s": lambda v: v,  # RT60 low -> high
    "db": abs,  # |gain| small -> large
    "semitones": abs,  # |pitch| small -> large
    "db_per_octave": abs,  # |tilt| small -> large
    "factor": lambda v: abs(1.0 - v),  # speed |1 - factor|
    "level": lambda v: -v,  # clipping level high -> low
}
METRIC_COLUMNS = ["experiment", "variant", "scope", "condition", "family", "axis", "axis_value",
                  "measure", "value", "ci_low", "ci_high", "clean_value", "diff", "diff_low",
                  "diff_high", "n", "groups", "chance"]  # fmt: skip
BREAKDOWN_COLUMNS = ["experiment", "variant", "scope", "family", "axis", "order", "conditions",
                     "clean_uar", "threshold", "breakdown", "breakdown_axis_value",
                     "breakdown_uar_low"]  # fmt: skip


def severity(axis: str | None, value: float | None) -> float:
    """How harsh a setting is on its axis (sorts a family from the mildest); 0 without one."""
    if axis is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    if axis not in SEVERITY:
        raise ValueError(f"stress axis {axis!r}: no mildest-first order (crossemo.stress.scoring"
                         ".SEVERITY lists {', '.join(SEVERITY)})")  # fmt: skip
    return float(SEVERITY[axis](float(value)))


def order_text(axis: str) -> str:
    """How a family's axis is walked, in words (the breakdown table's ``order``)."""
    low, high = SEVERITY[axis](1.0), SEVERITY[axis](2.0)
    if axis == "factor":
        return "factor |1 - x| small -> large"
    if low == high or axis in ("db", "semitones", "db_per_octave"):
        return f"|{axis}| small -> large"
    return f"{axis} {'low -> high' if high > low else 'high -> low'}"


def condition_info(condition: str, spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """family, axis and axis value of a condition (``clean``: family clean, no axis)."""
    if spec is None:
        return {"family": CLEAN, "axis": None, "axis_value": math.nan}
    axis = condition_axis(spec)
    return {"family": condition_family(spec), "axis": None if axis is None else axis[0],
            "axis_value": math.nan if axis is None else axis[1]}  # fmt: skip


def by_run(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A stressed predictions table split into its runs (the contract's columns only)."""
    extra = ["run", "condition"]
    return {str(run): part.drop(columns=extra).reset_index(drop=True)
            for run, part in table.groupby("run", sort=False)}  # fmt: skip


def _measure_rows(result: Mapping, info: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for scope, part in scopes(result).items():
        for measure in HEADLINE:
            ci = (part.get("ci") or {}).get(measure, [math.nan, math.nan])
            rows.append(info | {"scope": scope, "measure": measure, "value": part[measure],
                                "ci_low": ci[0], "ci_high": ci[1],
                                "n": int(part["n"]),
                                "groups": part["n_clusters"],
                                "chance": chance_uar(part)})  # fmt: skip
    return rows


def _diff_rows(stressed: pd.DataFrame, clean: pd.DataFrame, spec: IntervalSpec,
               groups: pd.Series | None, where: str) -> pd.DataFrame:  # fmt: skip
    """``scope measure clean_value diff diff_low diff_high`` of condition minus clean, paired
    over the same utterances (no permutation test: the interval is the answer here)."""
    parts = []
    for measure in HEADLINE:
        table = compare(stressed, clean, measure, spec, groups, permutations=0, name=where)
        parts.append(table.assign(measure=measure)[
            ["scope", "measure", "b_value", "diff", "ci_low", "ci_high"]])  # fmt: skip
    out = pd.concat(parts, ignore_index=True)
    return out.rename(columns={"b_value": "clean_value", "ci_low": "diff_low",
                               "ci_high": "diff_high"})  # fmt: skip


def stress_metrics(experiment: str, clean: Mapping[str, pd.DataFrame],
                   stressed: Mapping[str, pd.DataFrame],
                   conditions: Mapping[str, Mapping[str, Any]],
                   interval: Mapping | None = None,
                   groups: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """The long table of STRESS_METRICS: one row per (variant, scope, condition, measure).

    ``clean``: run -> its own test predictions; ``stressed``: condition -> the stressed
    predictions of every run (column ``run``); ``conditions``: name -> settings
    (:func:`crossemo.stress.conditions.expand`); ``groups``: utt_id -> leakage group (the split
    table's, the intervals' clusters)."""
    spec = IntervalSpec.from_config(interval)
    clean_pooled = pool_variants(clean)
    sides = {CLEAN: clean_pooled} | {
        name: pool_variants(by_run(table)) for name, table in stressed.items()
    }  # fmt: skip
    frames = []
    for condition, pooled in sides.items():
        if condition != CLEAN and condition not in conditions:
            known = ", ".join(conditions)
            raise ValueError(f"stress predictions of condition {condition}: not among the "
                             f"experiment's stress conditions ({known})")  # fmt: skip
        info = condition_info(condition, conditions.get(condition))
        for variant, table in pooled.items():
            if variant not in clean_pooled:
                raise ValueError(f"{experiment}/{condition}: variant {variant} has no clean "
                                 "predictions (the runs' own test predictions)")  # fmt: skip
            base = {"experiment": experiment, "variant": variant, "condition": condition} | info
            rows = pd.DataFrame(_measure_rows(evaluate(table, spec, groups), base))
            diffs = _diff_rows(table, clean_pooled[variant], spec, groups,
                               f"stress.{experiment}.{condition}")  # fmt: skip
            frames.append(rows.merge(diffs, on=["scope", "measure"], how="left"))
    return pd.concat(frames, ignore_index=True)[METRIC_COLUMNS]


def breakdown(metrics: pd.DataFrame, retained: float) -> pd.DataFrame:
    """STRESS_BREAKDOWN: per (variant, scope, family), the first condition from the mildest
    whose UAR lower bound is below ``retained`` x the clean UAR (empty ``breakdown``: none)."""
    uar = metrics[(metrics["measure"] == BREAKDOWN_MEASURE) & (metrics["condition"] != CLEAN)]
    rows = []
    for (experiment, variant, scope, family), part in uar.groupby(
        ["experiment", "variant", "scope", "family"], sort=False
    ):
        axis = part["axis"].dropna().iloc[0] if part["axis"].notna().any() else None
        walk = part.assign(_s=[severity(axis, v) for v in part["axis_value"]]).sort_values(
            "_s", kind="stable"
        )
        clean_uar = float(part["clean_value"].iloc[0])
        threshold = retained * clean_uar
        failed = walk[walk["ci_low"] < threshold]
        first = failed.iloc[0] if len(failed) else None
        rows.append({
            "experiment": experiment, "variant": variant, "scope": scope, "family": family,
            "axis": axis, "order": order_text(axis) if axis else "",
            "conditions": " ".join(walk["condition"]), "clean_uar": clean_uar,
            "threshold": threshold,
            "breakdown": "" if first is None else first["condition"],
            "breakdown_axis_value": math.nan if first is None else first["axis_value"],
            "breakdown_uar_low": math.nan if first is None else first["ci_low"],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=BREAKDOWN_COLUMNS)
