"""Subgroup metrics: per gender / sheet attribute, clustered, with the largest gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.base import evaluation_units
from crossemo.evaluation.intervals import IntervalSpec
from crossemo.evaluation.subgroups import subgroup_table, subgroups_files


def test_subgroups_per_attribute_with_their_gap():
    rows, attrs = [], []
    for s, (gender, accent, right) in enumerate([("female", "us", 1), ("female", "uk", 1),
                                                 ("male", "us", 1), ("male", "uk", 0),
                                                 ("unknown", "us", 0)]):  # fmt: skip
        for i in range(10):
            label = "ab"[i % 2]
            rows.append((f"c_{s}_{i}", "c", label, label if right else "ba"[i % 2]))
            attrs.append((f"c_{s}_{i}", gender, accent, f"s{s}"))
    preds = pd.DataFrame(rows, columns=["utt_id", "corpus", "label", "pred"])
    meta = pd.DataFrame(attrs, columns=["utt_id", "gender", "accent", "group"])
    table = subgroup_table(preds, meta.drop(columns="group"), IntervalSpec(resamples=200),
                           meta.set_index("utt_id")["group"])  # fmt: skip
    by = table.set_index(["attribute", "value"])
    assert by.loc[("gender", "female"), "uar"] == 1.0 and by.loc[("gender", "male"), "uar"] == 0.5
    assert ("gender", "unknown") not in by.index  # unknown gender is no subgroup
    assert by.loc[("gender", "male"), "n_clusters"] == 2
    assert by.loc[("gender", "male"), "uar_ci_low"] == 0.0  # two speakers: 0 .. 1
    gap = table[(table["attribute"] == "gender") & table["value"].str.startswith("largest")]
    assert gap.iloc[0]["uar"] == pytest.approx(0.5) and "female - male" in gap.iloc[0]["value"]
    assert by.loc[("accent", "us"), "uar"] == pytest.approx(2 / 3)


def _speakers(
    accuracy: dict[str, float],
    per_gender: int = 20,
    utts: int = 12,
    seed: int = 0,
    spread: float = 0.1,
):
    """Predictions of ``per_gender`` speakers of each gender, each speaker right on a share of
    its utterances drawn around its gender's ``accuracy`` (speakers differ, as real ones do)."""
    rng = np.random.default_rng(seed)
    rows, attrs = [], []
    for gender, acc in accuracy.items():
        for s in range(per_gender):
            speaker_acc = float(np.clip(acc + rng.normal(0, spread), 0, 1))
            for i in range(utts):
                label = "abc"[i % 3]
                pred = label if rng.random() < speaker_acc else "abc"[(i + 1) % 3]
                rows.append((f"c_{gender}{s}_{i}", "c", label, pred))
                attrs.append((f"c_{gender}{s}_{i}", gender, f"{gender}{s}"))
    preds = pd.DataFrame(rows, columns=["utt_id", "corpus", "label", "pred"])
    meta = pd.DataFrame(attrs, columns=["utt_id", "gender", "group"])
    return preds, meta


def _gender_gap(preds, meta, unit="cluster"):
    table = subgroup_table(preds, meta.drop(columns="group"), IntervalSpec(unit, resamples=500),
                           meta.set_index("utt_id")["group"])  # fmt: skip
    return table[table["value"].str.startswith("largest gap")].iloc[0]


def test_a_planted_gender_gap_has_an_interval_that_excludes_zero():
    preds, meta = _speakers({"female": 0.9, "male": 0.5})
    gap = _gender_gap(preds, meta)
    right = preds["label"] == preds["pred"]
    female = preds["utt_id"].str.contains("female")
    # balanced classes per speaker: UAR is close to accuracy; the gap is about 0.4
    assert gap["uar"] == pytest.approx(right[female].mean() - right[~female].mean(), abs=0.03)
    assert "female - male" in gap["value"]
    assert 0 < gap["uar_ci_low"] < gap["uar"] < gap["uar_ci_high"]
    assert gap["n_clusters"] == 40


def test_no_gap_gives_an_interval_that_holds_zero():
    preds, meta = _speakers({"female": 0.7, "male": 0.7}, seed=1)
    gap = _gender_gap(preds, meta)
    assert gap["uar_ci_low"] < 0 < gap["uar_ci_high"]  # best - worst of each draw: may be < 0
    assert gap["wa_ci_low"] < 0 < gap["wa_ci_high"]


def test_the_gap_interval_resamples_speakers_not_utterances():
    preds, meta = _speakers({"female": 0.8, "male": 0.5}, seed=2, spread=0.3)
    clustered, utterance = _gender_gap(preds, meta), _gender_gap(preds, meta, "utterance")
    width = {k: g["uar_ci_high"] - g["uar_ci_low"] for k, g in
             (("cluster", clustered), ("utterance", utterance))}  # fmt: skip
    assert width["cluster"] > width["utterance"]  # speakers differ: fewer independent units


def test_folds_are_pooled_and_runs_that_share_utterances_are_not():
    a = pd.DataFrame({"utt_id": ["x1", "x2"], "corpus": "x", "label": "a", "pred": "a"})
    b = pd.DataFrame({"utt_id": ["x3"], "corpus": "x", "label": "a", "pred": "a"})
    assert evaluation_units({"fold0": a, "fold1": b}) == {"": ["fold0", "fold1"]}
    units = evaluation_units({"fold0": a, "fold1": a})  # a corpus tested by two folds
    assert units == {"fold0": ["fold0"], "fold1": ["fold1"]}


def test_the_rule_reads_attributes_from_manifests_with_and_without_sheet_columns(tmp_path):
    preds, meta = _speakers({"female": 0.9, "male": 0.5}, per_gender=4, utts=6)
    half = len(preds) // 2
    other = preds.iloc[half:].assign(corpus="s", utt_id=lambda d: "s" + d["utt_id"])
    table = pd.concat([preds.iloc[:half], other], ignore_index=True)
    table.to_parquet(tmp_path / "main.parquet")
    m = meta.assign(corpus="c")
    pd.DataFrame({"utt_id": m["utt_id"], "gender": m["gender"]}).to_parquet(tmp_path / "c.parquet")
    pd.DataFrame(
        {
            "utt_id": "s" + m["utt_id"],
            "gender": m["gender"],
            "accent": np.where(m.index % 2, "us", "uk"),
        }
    ).to_parquet(tmp_path / "s.parquet")
    split = pd.DataFrame({"utt_id": [*m["utt_id"], *("s" + m["utt_id"])],
                          "group": [*m["group"], *m["group"]]})  # fmt: skip
    split.to_parquet(tmp_path / "split.parquet")
    out = subgroups_files({"main": tmp_path / "main.parquet"}, tmp_path / "split.parquet",
                          [tmp_path / "c.parquet", tmp_path / "s.parquet"],
                          tmp_path / "subgroups.csv", "exp", {"resamples": 50})  # fmt: skip
    written = pd.read_csv(tmp_path / "subgroups.csv")
    assert list(written.columns[:5]) == ["experiment", "variant", "scope", "attribute", "value"]
    found = set(zip(out["scope"], out["attribute"], strict=True))
    assert found == {("c", "gender"), ("s", "gender"), ("s", "accent")}


def test_a_corpus_whose_attribute_is_all_unknown_has_no_subgroup_rows():
    """MOSEI-style: every gender unknown in one corpus, known in another (this crashed once:
    the empty selection adopted the unknown rows, labels NaN)."""
    rows = [(f"{c}_{i}", c, "ab"[i % 2], "ab"[i % 2]) for c in ("m", "s") for i in range(8)]
    preds = pd.DataFrame(rows, columns=["utt_id", "corpus", "label", "pred"])
    genders = ["unknown"] * 8 + ["female", "male"] * 4
    meta = pd.DataFrame({"utt_id": preds["utt_id"], "gender": genders})
    table = subgroup_table(preds, meta, IntervalSpec(unit="utterance", resamples=50))
    assert set(table["scope"]) == {"s"}  # the all-unknown corpus gives no rows, and no error
    assert set(table[~table["value"].str.startswith("largest")]["value"]) == {"female", "male"}
