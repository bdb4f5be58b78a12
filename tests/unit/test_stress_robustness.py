"""Speaker fairness under stress and the named robustness tests: per-speaker UAR per
condition by hand, the signed gender gap and its interval, pass/fail at each threshold, the
worst condition of the leaderboard, and the job's files."""

import math

import pandas as pd
import pytest

from crossemo.evaluation.intervals import IntervalSpec
from crossemo.stress.fairness import (
    CLEAN,
    COLUMNS,
    Gap,
    by_condition,
    gender_gaps,
    speaker_rows,
    unit_tables,
)
from crossemo.stress.robustness import (
    Thresholds,
    gap_passes,
    named_tests,
    retention_tests,
    speaker_tests,
    worst_conditions,
)
from crossemo.stress.robustness_job import robustness_files

SPEC = IntervalSpec(unit="utterance", resamples=100, level=0.95, seed=0)
NOISE = "noise_white_snr-20dB"
#: speaker -> gender; a, b in fold0, c, d in fold1; 8 utterances each, 4 "p" and 4 "n"
GENDER = {"a": "female", "b": "female", "c": "male", "d": "male"}
#: right answers per speaker (of its 4 "p", of its 4 "n") on clean audio
CLEAN_RIGHT = {"a": (4, 4), "b": (3, 3), "c": (4, 2), "d": (2, 2)}


def _speaker_rows(speaker: str, right: tuple[int, int]) -> pd.DataFrame:
    label = ["p"] * 4 + ["n"] * 4
    pred = (["p"] * right[0] + ["n"] * (4 - right[0]) + ["n"] * right[1]
            + ["p"] * (4 - right[1]))  # fmt: skip
    utt = [f"{speaker}{i}" for i in range(8)]
    return pd.DataFrame({"utt_id": utt, "corpus": "x", "label": label, "pred": pred})


def _runs(right: dict[str, tuple[int, int]]) -> dict[str, pd.DataFrame]:
    return {run: pd.concat([_speaker_rows(s, right[s]) for s in members], ignore_index=True)
            for run, members in (("fold0", "ab"), ("fold1", "cd"))}  # fmt: skip


def _stressed() -> pd.DataFrame:
    """Every answer "p" under noise: each speaker's UAR 0.5 (chance)."""
    parts = [t.assign(pred="p", run=run, condition=NOISE) for run, t in _runs(CLEAN_RIGHT).items()]
    return pd.concat(parts, ignore_index=True)


def _speakers() -> pd.Series:
    return pd.Series({f"{s}{i}": s for s in GENDER for i in range(8)})


def _tables():
    return unit_tables(by_condition(_runs(CLEAN_RIGHT), {NOISE: _stressed()}))


def test_per_speaker_uar_per_condition_matches_a_hand_computation():
    out = speaker_rows(_tables(), _speakers(), SPEC, min_n=10, experiment="e")
    assert tuple(out.columns) == COLUMNS
    clean = out[out["condition"] == CLEAN].set_index("speaker")["uar"]
    assert clean.to_dict() == pytest.approx({"a": 1.0, "b": 0.75, "c": 0.75, "d": 0.5})
    noisy = out[out["condition"] == NOISE].set_index("speaker")["uar"]
    assert noisy.to_dict() == pytest.approx(dict.fromkeys("abcd", 0.5))
    assert set(out["variant"]) == {""}  # the two folds pooled into one unit


def test_a_condition_missing_a_run_is_refused():
    stressed = _stressed()
    with pytest.raises(ValueError, match="fold1.*predict_stressed"):
        unit_tables(by_condition(_runs(CLEAN_RIGHT), {NOISE: stressed[stressed.run == "fold0"]}))


def test_speaker_tests_at_their_thresholds():
    speakers = pd.DataFrame({"speaker": list("abcd"), "uar": [1.0, 0.75, 0.6, 0.4],
                             "n": 8, "chance": 0.5,
                             "under_chance": [False, False, False, True]})  # fmt: skip
    at = Thresholds(under_chance_share=0.25, speaker_spread=0.6)
    worst, share, spread = speaker_tests(speakers, at)
    assert (worst["value"], worst["threshold"], worst["passed"]) == (0.4, 0.5, False)
    assert worst["detail"].startswith("d ")
    assert (share["value"], share["passed"]) == (0.25, True)  # exactly at the threshold
    assert spread["value"] == pytest.approx(0.6) and spread["passed"]
    below = Thresholds(under_chance_share=0.24, speaker_spread=0.59, worst_speaker_uar=0.4)
    worst, share, spread = speaker_tests(speakers, below)
    assert worst["passed"] and worst["test"] == "worst speaker UAR >= 0.4"
    assert not share["passed"] and not spread["passed"]


def test_the_gender_gap_fails_only_when_its_interval_excludes_zero_and_it_is_too_large():
    assert gap_passes(Gap(0.5, -0.1, 0.9, "female - male"), 0.15)  # interval holds 0
    assert not gap_passes(Gap(0.5, 0.2, 0.8, "female - male"), 0.15)
    assert not gap_passes(Gap(-0.5, -0.8, -0.2, "female - male"), 0.15)
    assert gap_passes(Gap(0.1, 0.05, 0.15, "female - male"), 0.15)  # within the threshold


def test_the_gender_gap_is_female_minus_male_with_its_interval():
    attributes = pd.DataFrame({"utt_id": _speakers().index,
                               "gender": _speakers().map(GENDER).to_numpy()})  # fmt: skip
    clean = _tables()["", CLEAN]
    gap = gender_gaps(clean, attributes, SPEC, None)["x"]
    # female: a 8/8 + b 6/8 right -> UAR 0.875; male: c 6/8 + d 4/8 -> UAR 0.625
    assert gap.between == "female - male" and gap.value == pytest.approx(0.25)
    assert gap.ci_low <= 0.25 <= gap.ci_high
    flipped = gender_gaps(clean, attributes.replace({"female": "male", "male": "female"}),
                          SPEC, None)["x"]  # fmt: skip
    assert flipped.value == pytest.approx(-0.25)
    assert flipped.ci_low <= -0.25 <= flipped.ci_high < 0.25  # male - female's, negated


def _metrics() -> pd.DataFrame:
    rows = [("", "x", CLEAN, 0.8, 0.7, 0.9), ("", "x", "codec_gsm", 0.7, 0.64, 0.8),
            ("", "x", NOISE, 0.5, 0.4, 0.6)]  # fmt: skip
    table = pd.DataFrame(rows, columns=["variant", "scope", "condition", "value", "ci_low",
                                        "ci_high"])  # fmt: skip
    return table.assign(measure="uar", clean_value=0.8, variant=math.nan)  # "" read back


def test_retention_passes_at_exactly_the_retained_share_of_clean_uar():
    rows = {r["condition"]: r for r in retention_tests(_metrics().assign(variant=""), Thresholds())}
    assert set(rows) == {"codec_gsm", NOISE}  # clean is not tested against itself
    assert rows["codec_gsm"]["value"] == pytest.approx(0.8) and rows["codec_gsm"]["passed"]
    assert rows[NOISE]["value"] == pytest.approx(0.5) and not rows[NOISE]["passed"]
    assert rows[NOISE]["test"] == named_tests(Thresholds())["retained"]


def test_the_worst_condition_is_the_stressed_one_of_lowest_uar():
    worst = worst_conditions(_metrics())["", "x"]
    assert worst["worst_condition"] == NOISE
    assert (worst["worst_condition_uar"], worst["worst_condition_uar_ci_low"]) == (0.5, 0.4)


def test_the_job_writes_the_speakers_table_the_tests_and_the_figure(tmp_path):
    clean = {}
    for run, table in _runs(CLEAN_RIGHT).items():
        clean[run] = tmp_path / f"{run}.parquet"
        table.to_parquet(clean[run])
    _stressed().to_parquet(stressed := tmp_path / "noise.parquet")
    speakers = _speakers()
    pd.DataFrame(
        {"utt_id": speakers.index, "speaker": speakers.to_numpy(), "group": speakers.to_numpy()}
    ).to_parquet(split := tmp_path / "split.parquet")
    pd.DataFrame({"utt_id": speakers.index, "gender": speakers.map(GENDER).to_numpy()}
                 ).to_parquet(manifest := tmp_path / "x.parquet")  # fmt: skip
    _metrics().to_csv(metrics := tmp_path / "metrics.csv", index=False)
    outputs = {
        "speakers": tmp_path / "speakers.csv",
        "table": tmp_path / "tests.csv",
        "figure": tmp_path / "speakers.png",
    }
    table = robustness_files(clean, {NOISE: stressed}, split, [manifest], metrics, outputs, "e",
                             interval={"unit": "cluster", "resamples": 50})  # fmt: skip
    assert outputs["figure"].stat().st_size > 0
    assert len(pd.read_csv(outputs["speakers"])) == 8  # 4 speakers x (clean, noise)
    names = named_tests(Thresholds())
    tests = set(zip(table["condition"], table["test"], strict=True))
    for condition in (CLEAN, NOISE):
        assert {(condition, names[k]) for k in ("worst", "share", "spread", "gap")} <= tests
    assert (NOISE, names["retained"]) in tests
    clean_worst = table[(table.condition == CLEAN) & (table.test == names["worst"])].iloc[0]
    assert clean_worst["value"] == 0.5 and clean_worst["passed"]  # d at chance, not under
    assert pd.read_csv(outputs["table"])["passed"].dtype == bool
