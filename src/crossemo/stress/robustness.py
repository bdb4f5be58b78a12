"""Named robustness tests with pass/fail (rule test_robustness), in the style of audEERING's
``ser-tests``, computed from the experiment's own runs on clean and stressed audio.

One row per (variant, scope, condition, test) of ``results/tables/robustness_{experiment}.csv``
(:data:`COLUMNS`), the thresholds from config ``stress.thresholds`` (:class:`Thresholds`):

- ``retains {retained} of clean UAR`` (stressed conditions): the lower bound of the
  condition's UAR interval (``results/stress/metrics_{experiment}.csv``) is at least
  ``retained`` x clean UAR; value: that lower bound / clean UAR;
- ``worst speaker above chance``: the worst speaker's UAR is at least ``worst_speaker_uar``
  (null: the chance UAR of that speaker's own classes);
- ``speakers under chance <= {share}``: the share of speakers whose UAR is under their chance;
- ``speaker spread <= {spread}``: best minus worst speaker UAR;
- ``gender gap <= {gap}``: female - male UAR; fails only when its interval excludes 0 *and*
  |gap| exceeds the threshold (a gap the data cannot tell from zero passes). A scope without
  two known genders has no such row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from crossemo.stress.fairness import CLEAN, Gap, GapKey, scopes

COLUMNS = ("experiment", "variant", "scope", "condition", "test", "value", "ci_low", "ci_high",
           "threshold", "passed", "detail")  # fmt: skip
#: float tolerance of the comparisons at a threshold
EPS = 1e-12


@dataclass(frozen=True)
class Thresholds:
    """Config ``stress.thresholds`` (fractions of UAR; ``worst_speaker_uar`` None: chance)."""

    retained: float = 0.8
    worst_speaker_uar: float | None = None
    under_chance_share: float = 0.25
    speaker_spread: float = 0.4
    gender_gap: float = 0.15

    @classmethod
    def from_config(cls, settings: Mapping[str, Any] | None) -> Thresholds:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(settings or {}) - known)
        if unknown:
            raise ValueError(f"stress.thresholds: unknown key(s) {unknown}; use {sorted(known)}")
        return cls(**dict(settings or {}))


def named_tests(t: Thresholds) -> dict[str, str]:
    """Each test's name as the table writes it."""
    return {"retained": f"retains {t.retained:g} of clean UAR",
            "worst": "worst speaker above chance" if t.worst_speaker_uar is None
            else f"worst speaker UAR >= {t.worst_speaker_uar:g}",
            "share": f"speakers under chance <= {t.under_chance_share:g}",
            "spread": f"speaker spread <= {t.speaker_spread:g}",
            "gap": f"gender gap <= {t.gender_gap:g}"}  # fmt: skip


def _row(test: str, value: float, threshold: float, passed: bool, detail: str,
         ci: tuple[float, float] = (math.nan, math.nan)) -> dict:  # fmt: skip
    return {"test": test, "value": value, "ci_low": ci[0], "ci_high": ci[1],
            "threshold": threshold, "passed": bool(passed), "detail": detail}  # fmt: skip


def speaker_tests(speakers: pd.DataFrame, t: Thresholds) -> list[dict]:
    """Worst speaker, share under chance and spread of one scope's speakers."""
    names = named_tests(t)
    ranked = speakers.sort_values(["uar", "speaker"], kind="stable")
    worst, best = ranked.iloc[0], ranked.iloc[-1]
    bar = float(worst["chance"]) if t.worst_speaker_uar is None else t.worst_speaker_uar
    under = int(ranked["under_chance"].astype(bool).sum())
    share = under / len(ranked)
    spread = float(best["uar"] - worst["uar"])
    return [
        _row(names["worst"], float(worst["uar"]), bar, worst["uar"] >= bar - EPS,
             f"{worst['speaker']} (n={int(worst['n'])}, chance {float(worst['chance']):.3g})"),
        _row(names["share"], share, t.under_chance_share, share <= t.under_chance_share + EPS,
             f"{under} of {len(ranked)} speakers"),
        _row(names["spread"], spread, t.speaker_spread, spread <= t.speaker_spread + EPS,
             f"best {best['speaker']} {float(best['uar']):.3g}, "
             f"worst {worst['speaker']} {float(worst['uar']):.3g}"),
    ]  # fmt: skip


def gap_passes(gap: Gap, threshold: float) -> bool:
    """Whether a gender gap passes: it fails only when its interval excludes 0 and |gap|
    exceeds ``threshold`` (no interval: judged by |gap| alone)."""
    excludes_zero = not (gap.ci_low <= 0 <= gap.ci_high)  # NaN bounds: excludes
    return not (excludes_zero and abs(gap.value) > threshold + EPS)


def gap_test(gap: Gap, t: Thresholds) -> dict:
    """The gender-gap row of one scope."""
    return _row(named_tests(t)["gap"], gap.value, t.gender_gap, gap_passes(gap, t.gender_gap),
                gap.between, (gap.ci_low, gap.ci_high))  # fmt: skip


def retention_tests(metrics: pd.DataFrame, t: Thresholds) -> list[dict]:
    """``retains`` rows of every stressed (variant, scope, condition) of the stress metrics
    table (measure ``uar``; columns ``variant scope condition value ci_low clean_value``)."""
    name = named_tests(t)["retained"]
    uar = metrics[(metrics["measure"] == "uar") & (metrics["condition"] != CLEAN)]
    rows = []
    for r in uar.itertuples():
        ratio = r.ci_low / r.clean_value if r.clean_value > 0 else math.nan
        detail = (f"UAR {r.value:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}], "
                  f"clean {r.clean_value:.3g}")  # fmt: skip
        row = _row(name, ratio, t.retained, ratio >= t.retained - EPS, detail)
        rows.append({"variant": r.variant, "scope": r.scope, "condition": r.condition} | row)
    return rows


def robustness_table(speakers: pd.DataFrame, gaps: Mapping[GapKey, Gap], metrics: pd.DataFrame,
                     t: Thresholds, experiment: str) -> pd.DataFrame:  # fmt: skip
    """Every named test (:data:`COLUMNS`): ``speakers`` the per-speaker table of every
    condition (:mod:`crossemo.stress.fairness`), ``gaps`` (unit, condition, scope) -> gender
    gap, ``metrics`` the stress metrics table."""
    rows = retention_tests(_keyed(metrics), t)
    for (unit, condition), block in _keyed(speakers).groupby(["variant", "condition"], sort=False):
        for scope, part in scopes(block).items():
            key = {"variant": unit, "scope": scope, "condition": condition}
            rows += [key | r for r in speaker_tests(part, t)]
            if (unit, condition, scope) in gaps:
                rows.append(key | gap_test(gaps[unit, condition, scope], t))
    table = pd.DataFrame(rows).assign(experiment=experiment).reindex(columns=list(COLUMNS))
    order = {c: i for i, c in enumerate(dict.fromkeys([CLEAN, *speakers["condition"]]))}
    return table.sort_values(["variant", "scope", "condition"], kind="stable",
                             key=lambda s: s.map(order) if s.name == "condition" else s
                             ).reset_index(drop=True)  # fmt: skip


def _keyed(table: pd.DataFrame) -> pd.DataFrame:
    """A table with its ``variant`` as text (an experiment's only variant is "")."""
    return table.assign(variant=table["variant"].astype("string").fillna("").astype(str))


def worst_conditions(metrics: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(variant, scope) -> the stressed condition of lowest UAR, with its interval
    (``worst_condition``, ``worst_condition_uar``, ``_ci_low``, ``_ci_high``): the
    leaderboard's columns."""
    uar = _keyed(metrics)
    uar = uar[(uar["measure"] == "uar") & (uar["condition"] != CLEAN)]
    out = {}
    for (variant, scope), part in uar.groupby(["variant", "scope"], sort=False):
        worst = part.sort_values(["value", "condition"], kind="stable").iloc[0]
        out[variant, scope] = {"worst_condition": str(worst["condition"]),
                               "worst_condition_uar": float(worst["value"]),
                               "worst_condition_uar_ci_low": float(worst["ci_low"]),
                               "worst_condition_uar_ci_high": float(worst["ci_high"])}  # fmt: skip
    return out


def failures(table: pd.DataFrame) -> Sequence[str]:
    """One line per failed test (for the job's log)."""
    failed = table[~table["passed"].astype(bool)]
    return [f"{r.variant or 'main'} {r.scope} {r.condition}: {r.test} failed "
            f"(value {r.value:.3g}, threshold {r.threshold:.3g}; {r.detail})"
            for r in failed.itertuples()]  # fmt: skip
