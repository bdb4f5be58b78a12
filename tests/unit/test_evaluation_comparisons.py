"""Paired comparisons: planted differences, identical systems, refused pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.comparisons import (
    PAIRED_TEST,
    UNPAIRED_TEST,
    compare,
    compare_files,
    disagreement_note,
    smallest_p,
)
from crossemo.evaluation.intervals import IntervalSpec


def side(right_speakers: set[int], n_speakers: int = 20, per: int = 10) -> pd.DataFrame:
    """Two corpora of ``n_speakers // 2`` speakers each; a speaker is all right or all wrong."""
    rows = []
    for s in range(n_speakers):
        corpus = "x" if s < n_speakers // 2 else "y"
        for i in range(per):
            label = "ab"[i % 2]
            pred = label if s in right_speakers else "ba"[i % 2]
            rows.append((f"{corpus}_s{s}_{i}", corpus, label, pred, f"s{s}"))
    return pd.DataFrame(rows, columns=["utt_id", "corpus", "label", "pred", "group"])


def groups(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index("utt_id")["group"]


SPEC = IntervalSpec(resamples=1000)


def test_planted_difference_is_found_per_corpus_and_overall():
    a = side(set(range(20)))  # always right
    b = side(set(range(0, 20, 2)))  # right on half the speakers of each corpus
    table = compare(a.drop(columns="group"), b.sample(frac=1, random_state=0), "uar", SPEC,
                    groups(a), permutations=4000).set_index("scope")  # fmt: skip
    overall = table.loc["overall"]
    assert overall["diff"] == pytest.approx(0.5)
    assert overall["ci_low"] > 0 and overall["p_value"] < 0.01
    assert overall["n_clusters"] == 20 and overall["interval_unit"] == "cluster"
    assert set(table.index) == {"overall", "x", "y"}
    assert overall["summary"] == (
        f"A − B = +50.0 UAR [{100 * overall['ci_low']:.1f}, {100 * overall['ci_high']:.1f}], "
        f"p = {overall['p_value']:.2g} (cluster permutation)"
    )
    assert overall["test"].startswith(PAIRED_TEST) and overall["note"] == ""


def test_identical_predictions_differ_by_zero_with_p_one():
    a = side({1, 2, 3, 8, 13})
    table = compare(a, a.copy(), "weighted_f1", SPEC, groups(a), permutations=500)
    assert (table["diff"] == 0).all() and (table["p_value"] == 1).all()
    assert (table["ci_low"] == 0).all() and (table["ci_high"] == 0).all()


def test_other_test_utterances_are_refused_by_name():
    a = side(set(range(20)))
    with pytest.raises(ValueError, match="comparisons.pair: .*different test utterances"):
        compare(a, a.iloc[1:], "uar", SPEC, groups(a), name="pair")
    other_truth = a.assign(label=a["label"].where(a.index != 0, "b"))
    with pytest.raises(ValueError, match="disagree on the true labels"):
        compare(a, other_truth, "uar", SPEC, groups(a), name="pair")


def test_compare_files_pools_folds_and_writes_the_table(tmp_path, caplog):
    a, b = side(set(range(20))), side(set(range(10)))
    paths = {}
    for name, frame in (("a", a), ("b", b)):
        for fold, part in enumerate((frame.iloc[::2], frame.iloc[1::2])):
            paths.setdefault(name, []).append(tmp_path / f"{name}{fold}.parquet")
            part.drop(columns="group").to_parquet(paths[name][-1])
    a[["utt_id", "group"]].assign(fold=0).to_parquet(tmp_path / "split.parquet")
    out = tmp_path / "compare_pair.csv"
    with caplog.at_level("INFO"):
        compare_files(paths["a"], paths["b"], tmp_path / "split.parquet", out, "pair",
                      {"a": "exp_a", "b": "exp_b/knn"}, "wa", {"resamples": 200},
                      permutations=200)  # fmt: skip
    table = pd.read_csv(out).set_index("scope")
    assert table.loc["overall", "a"] == "exp_a" and table.loc["overall", "b"] == "exp_b/knn"
    assert table.loc["overall", "diff"] == pytest.approx(0.5)
    assert table.loc["x", "diff"] == 0 and table.loc["y", "diff"] == pytest.approx(1.0)
    assert np.isclose(table.loc["x", "p_value"], 1.0)
    logged = [r.getMessage() for r in caplog.records]
    assert f"pair exp_a vs exp_b/knn, overall: {table.loc['overall', 'summary']}" in logged
    assert not any(m.startswith("pair, x: ") for m in logged)  # 10 clusters: no warning


# ---- unpaired: each side on its own test utterances ----
def unpaired(a: pd.DataFrame, b: pd.DataFrame, spec: IntervalSpec = SPEC) -> pd.DataFrame:
    both = pd.concat([groups(a), groups(b)])
    return compare(a, b, "uar", spec, both[~both.index.duplicated()], name="leak", paired=False)


def test_unpaired_leaky_side_scoring_higher_gives_an_interval_above_zero():
    leaky = side(set(range(20)) - {3, 14})  # right on 18 of 20 speakers
    leak_free = side(set(range(0, 20, 2))).iloc[::2]  # half the speakers; half the utterances
    table = unpaired(leaky, leak_free).set_index("scope")
    overall = table.loc["overall"]
    assert overall["diff"] == pytest.approx(0.9 - 0.5)
    assert 0 < overall["ci_low"] < overall["diff"] < overall["ci_high"]
    assert overall["method"] == "unpaired" and "p_value" not in table.columns
    assert (overall["n_a"], overall["n_b"]) == (200, 100)
    assert overall["n_clusters_a"] == overall["n_clusters_b"] == 20
    assert table.loc["x", "n_a"] == 100 and table.loc["y", "n_b"] == 50
    assert overall["summary"].startswith("A − B = +40.0 UAR [")
    assert overall["summary"].endswith("unpaired, n = 200 vs 100 (20 vs 20 clusters)")


def test_unpaired_equal_sides_give_an_interval_around_zero_not_a_point():
    a = side(set(range(0, 20, 2)))
    b = a.iloc[1::2].assign(utt_id=lambda f: f["utt_id"] + "_other")  # other utterances
    for other in (a.copy(), b):
        overall = unpaired(a, other).set_index("scope").loc["overall"]
        assert overall["diff"] == pytest.approx(0)
        assert overall["ci_low"] < -0.05 and overall["ci_high"] > 0.05  # independent draws
    paired = compare(a, a.copy(), "uar", SPEC, groups(a), permutations=100)
    assert (paired["ci_low"] == 0).all() and (paired["method"] == "paired").all()


def test_unpaired_cluster_interval_is_wider_than_the_utterance_one():
    a, b = side(set(range(0, 20, 2))), side(set(range(1, 20, 2)))  # speakers all right or wrong
    width = {}
    for unit in ("cluster", "utterance"):
        row = unpaired(a, b, IntervalSpec(unit=unit, resamples=1000)).iloc[0]
        width[unit] = row["ci_high"] - row["ci_low"]
        assert row["interval_unit"] == unit
    assert width["cluster"] > 2 * width["utterance"] > 0


def test_unpaired_sides_of_other_test_corpora_are_refused_by_name():
    a = side(set(range(20)))
    with pytest.raises(ValueError, match="comparisons.leak: the sides test other corpora"):
        unpaired(a, a[a["corpus"] == "x"])


def test_compare_files_unpaired_reads_each_sides_groups(tmp_path):
    a = side(set(range(20)))
    b = side(set(range(10))).assign(utt_id=lambda f: "b_" + f["utt_id"])  # B's own utterances
    splits = []
    for name, frame in (("a", a), ("b", b)):
        frame.drop(columns="group").to_parquet(tmp_path / f"{name}.parquet")
        splits.append(tmp_path / f"split_{name}.parquet")
        frame[["utt_id", "group"]].assign(fold=0).to_parquet(splits[-1])
    out = tmp_path / "compare_leak.csv"
    args = ([tmp_path / "a.parquet"], [tmp_path / "b.parquet"])
    with pytest.raises(ValueError, match="have no group"):  # A's split table alone
        compare_files(*args, splits[0], out, "leak", {"a": "ea", "b": "eb"}, paired=False)
    compare_files(*args, splits, out, "leak", {"a": "ea", "b": "eb"}, "uar",
                  {"resamples": 200}, paired=False)  # fmt: skip
    table = pd.read_csv(out).set_index("scope")
    assert table.loc["overall", "diff"] == pytest.approx(0.5)
    assert table.loc["overall", "method"] == "unpaired" and table.loc["overall", "b"] == "eb"


def test_few_clusters_are_flagged_in_note_and_summary():
    a = side(set(range(4)), n_speakers=4)  # 2 speakers per corpus
    b = side({0, 2}, n_speakers=4)
    table = compare(a, b, "uar", SPEC, groups(a), permutations=200).set_index("scope")
    assert table.loc["overall", "summary"].endswith(", only 4 clusters")
    assert "only 2 clusters (< 10)" in table.loc["x", "note"]
    assert "cannot give p below 0.5" in table.loc["x", "note"]
    assert table.loc["x", "p_value"] >= 0.5  # what the note promises
    many = side(set(range(20)))
    table = compare(many, many.copy(), "uar", SPEC, groups(many), permutations=100)
    assert table.set_index("scope").loc["overall", "note"] == ""  # 20 clusters, p = 1


def test_unpaired_rows_name_no_test_and_flag_the_smaller_side():
    a, b = side(set(range(20))), side(set(range(0, 20, 2)), n_speakers=6)
    b["utt_id"] = "b_" + b["utt_id"]
    both = pd.concat([groups(a), groups(b)])
    row = compare(a, b, "uar", SPEC, both, paired=False).set_index("scope").loc["overall"]
    assert row["test"] == UNPAIRED_TEST and "only 6 clusters" in row["note"]


def test_disagreement_is_explained_only_when_interval_and_test_disagree():
    base = {"level": 0.95, "ci_low": 0.01, "ci_high": 0.2}
    assert "excludes 0 but the permutation test gives p >= 0.05" in disagreement_note(
        base | {"p_value": 0.064})  # fmt: skip
    assert disagreement_note(base | {"p_value": 0.01}) == ""
    assert "includes 0" in disagreement_note(base | {"ci_low": -0.01, "p_value": 0.03})


def test_smallest_p_of_the_permutation_test_matches_an_exhaustive_count():
    for n in (2, 3, 5):
        a = side(set(range(2 * n)), n_speakers=2 * n)  # A right on every speaker, B on none
        b = side(set(), n_speakers=2 * n)
        table = compare(a, b, "uar", SPEC, groups(a), permutations=20000)
        x = table.set_index("scope").loc["x"]  # n clusters in corpus x, all A better
        assert x["p_value"] == pytest.approx(smallest_p(n, 20000), abs=0.02)
