"""Speaker fairness under stress (rule test_robustness): per-speaker UAR of every evaluation
unit (a variant's folds pooled), test corpus and condition (``clean``: the runs' own test
predictions), and the gender gap (female - male UAR) with its clustered interval.

The per-speaker rows are :func:`crossemo.evaluation.speakers.speaker_table`'s (chance of the
speaker's own classes, utterance-bootstrap interval); the gender gap is
:func:`crossemo.evaluation.subgroups.subgroup_table`'s largest gap over the manifests'
``gender``, signed female - male. A scope is a test corpus, plus ``overall`` (every test
speaker) where a unit tests several corpora.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from crossemo.evaluation.base import OVERALL, evaluation_units, tested_corpora
from crossemo.evaluation.intervals import IntervalSpec
from crossemo.evaluation.speakers import COLUMNS as SPEAKER_COLUMNS
from crossemo.evaluation.speakers import speaker_table
from crossemo.evaluation.subgroups import subgroup_table

#: the condition of the runs' own (unperturbed) test predictions
CLEAN = "clean"
#: columns of ``results/stress/speakers_{experiment}.csv``: the per-speaker table's, with the
#: condition after the variant
COLUMNS = (*SPEAKER_COLUMNS[:2], "condition", *SPEAKER_COLUMNS[2:])
#: the two values of ``gender`` whose difference is the gap (female - male)
GENDERS = ("female", "male")


@dataclass(frozen=True)
class Gap:
    """A gender gap of one scope: female - male UAR (or best - worst where the manifest has
    other values), its interval and which values it compares."""

    value: float
    ci_low: float
    ci_high: float
    between: str


def by_condition(clean: Mapping[str, pd.DataFrame], stressed: Mapping[str, pd.DataFrame]
                 ) -> dict[str, dict[str, pd.DataFrame]]:  # fmt: skip
    """Condition -> run -> predictions: ``clean`` (run -> its predictions table) first, then
    each stressed table (columns ``run`` and ``condition`` beside the predictions) split by run."""
    out = {CLEAN: dict(clean)}
    for condition, table in stressed.items():
        runs = table.groupby("run", sort=False)
        out[condition] = {str(r): p.drop(columns=["run", "condition"]) for r, p in runs}
    return out


def unit_tables(tables: Mapping[str, Mapping[str, pd.DataFrame]]
                ) -> dict[tuple[str, str], pd.DataFrame]:  # fmt: skip
    """(unit, condition) -> the unit's runs' predictions pooled; units are the clean runs'
    :func:`evaluation_units`. ValueError naming a run a condition lacks."""
    units = evaluation_units(tables[CLEAN])
    out = {}
    for condition, runs in tables.items():
        for unit, members in units.items():
            missing = [r for r in members if r not in runs]
            if missing:
                raise ValueError(f"stressed predictions of condition {condition} lack run(s) "
                                 f"{missing}: rerun rule predict_stressed")  # fmt: skip
            out[unit, condition] = pd.concat([runs[r] for r in members], ignore_index=True)
    return out


def speaker_rows(tables: Mapping[tuple[str, str], pd.DataFrame], speakers: pd.Series,
                 spec: IntervalSpec, min_n: int, experiment: str) -> pd.DataFrame:  # fmt: skip
    """The per-speaker table (:data:`COLUMNS`) of every (unit, condition)."""
    blocks = [speaker_table(table, speakers, spec, min_n).assign(
                  experiment=experiment, variant=unit, condition=condition)
              for (unit, condition), table in tables.items()]  # fmt: skip
    out = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    return out.reindex(columns=list(COLUMNS))


def scopes(speakers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Scope -> its speakers' rows of one (unit, condition) block: each corpus, and
    ``overall`` where there are several."""
    corpora = {str(c): part for c, part in speakers.groupby("corpus", sort=True)}
    return ({OVERALL: speakers} if len(corpora) > 1 else {}) | corpora


def gender_gaps(table: pd.DataFrame, attributes: pd.DataFrame, spec: IntervalSpec,
                groups: pd.Series | None) -> dict[str, Gap]:  # fmt: skip
    """Scope -> gender gap of one pooled predictions table; a scope with fewer than two known
    genders has none."""
    gender = attributes[["utt_id", "gender"]] if "gender" in attributes else None
    if gender is None:
        return {}
    frames = {c: table[table["corpus"] == c] for c in tested_corpora(table)}
    if len(frames) > 1:
        frames = {OVERALL: table.assign(corpus=OVERALL)} | frames
    out = {}
    for scope, frame in frames.items():
        rows = subgroup_table(frame, gender, spec, groups)
        if len(rows) and (rows["value"].str.startswith("largest gap")).any():
            out[scope] = _signed(rows)
    return out


def _signed(rows: pd.DataFrame) -> Gap:
    """female - male from a subgroup table's gender rows (its gap is best - worst)."""
    gap = rows[rows["value"].str.startswith("largest gap")].iloc[0]
    uar = rows[~rows["value"].str.startswith("largest gap")].set_index("value")["uar"]
    low, high = float(gap["uar_ci_low"]), float(gap["uar_ci_high"])
    if set(uar.index) != set(GENDERS):
        between = str(gap["value"])[len("largest gap ") :].strip("()")
        return Gap(float(gap["uar"]), low, high, between)
    female, male = (float(uar[g]) for g in GENDERS)
    if female >= male:
        return Gap(female - male, low, high, "female - male")
    return Gap(female - male, -high, -low, "female - male")


GapKey = tuple[str, str, str]


def gap_table(tables: Mapping[tuple[str, str], pd.DataFrame], attributes: pd.DataFrame,
              spec: IntervalSpec, groups: pd.Series | None) -> dict[GapKey, Gap]:  # fmt: skip
    """(unit, condition, scope) -> gender gap of every pooled table."""
    return {(unit, condition, scope): gap
            for (unit, condition), table in tables.items()
            for scope, gap in gender_gaps(table, attributes, spec, groups).items()}  # fmt: skip
