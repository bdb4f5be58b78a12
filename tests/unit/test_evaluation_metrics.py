"""crossemo.evaluation.metrics against hand-computed values and scikit-learn's own functions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score

from crossemo.evaluation import metrics

# confusion (rows true a b c): [2 1 0] [0 1 1] [0 0 1]
Y_TRUE = ["a", "a", "a", "b", "b", "c"]
Y_PRED = ["a", "a", "b", "b", "c", "c"]


def test_scalars_by_hand():
    matrix = metrics.confusion(Y_TRUE, Y_PRED, ["a", "b", "c"])
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    got = metrics.scalars(matrix)
    assert got["n"] == 6
    assert got["uar"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert got["ua"] == got["uar"]
    assert got["wa"] == pytest.approx(4 / 6)
    assert got["macro_f1"] == pytest.approx((4 / 5 + 1 / 2 + 2 / 3) / 3)
    assert got["weighted_f1"] == pytest.approx((3 * 4 / 5 + 2 * 1 / 2 + 2 / 3) / 6)


@pytest.mark.parametrize("seed", range(4))
def test_confusion_counts_as_scikit_learn_does(seed):
    """Labels as strings or numbers, classes in any order, labels outside the classes (true or
    predicted) not counted, classes never seen: scikit-learn's ``confusion_matrix`` counts."""
    rng = np.random.default_rng(seed)
    names = np.array(["neutral", "happy", "sad", "angry", "other"])
    y_true, y_pred = names[rng.integers(0, 5, 300)], names[rng.integers(0, 5, 300)]
    classes = list(rng.permutation(names[:4]))  # "other" is outside
    if seed == 3:
        classes.append("calm")  # never seen
    ours = metrics.confusion(list(y_true), y_pred, classes)
    assert ours.dtype == np.int64
    assert np.array_equal(ours, confusion_matrix(y_true, y_pred, labels=classes))
    a, b = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    ints = metrics.confusion(a, b.tolist(), [2, 0, 1])
    assert np.array_equal(ints, confusion_matrix(a, b, labels=[2, 0, 1]))
    assert metrics.confusion(["x"], ["y"], ["a", "b"]).tolist() == [[0, 0], [0, 0]]
    assert metrics.confusion([], [], []).shape == (0, 0)
    with pytest.raises(ValueError, match="3 true labels but 2 predictions"):
        metrics.confusion(["a"] * 3, ["a"] * 2, ["a"])


def test_per_class_rates_by_hand():
    matrix = metrics.confusion(Y_TRUE, Y_PRED, ["a", "b", "c"])
    assert [float(metrics.confusion_measure(matrix, "precision", i)) for i in range(3)] == \
        pytest.approx([1.0, 0.5, 0.5])  # fmt: skip
    assert [float(metrics.confusion_measure(matrix, "recall", i)) for i in range(3)] == \
        pytest.approx([2 / 3, 0.5, 1.0])  # fmt: skip
    assert [int(metrics.confusion_measure(matrix, "support", i)) for i in range(3)] == [3, 2, 1]
    with pytest.raises(ValueError, match="per class"):
        metrics.confusion_measure(matrix, "recall")
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.confusion_measure(matrix, "auc")


def test_class_absent_from_truth_counts_in_macro_f1_not_in_uar():
    assert metrics.uar(["a", "a"], ["a", "b"]) == pytest.approx(0.5)
    assert metrics.score(["a", "a"], ["a", "b"], "macro_f1") == pytest.approx((2 / 3 + 0) / 2)


def test_integer_labels_outside_the_classes_are_not_counted():
    # -1: an unlabelled item; class 2 never occurs
    assert metrics.uar([0, 0, 1, -1], [0, 1, 1, 0], classes=range(3)) == pytest.approx(0.75)
    assert np.isnan(metrics.uar([-1, -1], [0, 1], classes=range(2)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y = rng.choice(["ang", "hap", "neu", "sad"], 200, p=[0.1, 0.2, 0.3, 0.4])
    p = np.where(rng.random(200) < 0.6, y, rng.choice(["ang", "hap", "neu", "sad"], 200))
    assert metrics.uar(y, p) == pytest.approx(balanced_accuracy_score(y, p))
    assert metrics.score(y, p, "wa") == pytest.approx(accuracy_score(y, p))
    assert metrics.score(y, p, "accuracy") == pytest.approx(accuracy_score(y, p))
    for average in ("macro", "weighted"):
        expected = f1_score(y, p, average=average, zero_division=0)
        assert metrics.score(y, p, f"{average}_f1") == pytest.approx(expected)
        assert metrics.score(y, p, f"f1_{average}") == pytest.approx(expected)


def test_utterance_interval_is_the_percentiles_of_resampled_scores():
    """Singleton clusters, one stratum: the textbook utterance bootstrap, checked against
    scikit-learn scores of explicitly resampled utterances (same size, with replacement)."""
    rng = np.random.default_rng(3)
    y = rng.choice(["a", "b", "c"], 60)
    p = np.where(rng.random(60) < 0.5, y, rng.choice(["a", "b", "c"], 60))
    t_idx, p_idx = metrics.class_indices(y, "abc"), metrics.class_indices(p, "abc")
    counts = metrics.cluster_confusions(t_idx, p_idx, np.arange(60), 60, 3)
    spec = metrics.IntervalSpec(unit="utterance", resamples=2000, seed=7)
    got = metrics.clustered_intervals(counts, np.zeros(60), "abc", spec)
    draws = np.random.default_rng(11)
    uars, was = [], []
    for _ in range(2000):
        idx = draws.integers(0, 60, 60)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a resample may lack a class
            uars.append(balanced_accuracy_score(y[idx], p[idx]))
        was.append(accuracy_score(y[idx], p[idx]))
    # independent draws: the same percentiles up to Monte-Carlo error
    assert got["uar"] == pytest.approx(np.percentile(uars, [2.5, 97.5]), abs=0.03)
    assert got["wa"] == pytest.approx(np.percentile(was, [2.5, 97.5]), abs=0.03)
    assert metrics.clustered_intervals(counts[:0], np.zeros(0), "abc", spec) == {}


def speakers(right: list[bool], per_speaker: int = 100):
    """Two-class toy: each speaker's utterances alternate a/b, all right or all wrong."""
    t = np.tile([0, 1], len(right) * per_speaker // 2)
    wrong = np.repeat(~np.asarray(right), per_speaker)
    p = np.where(wrong, 1 - t, t)
    return t, p, np.repeat(np.arange(len(right)), per_speaker)


def width(t, p, clusters, unit="cluster", strata=None, resamples=2000):
    counts = metrics.cluster_confusions(t, p, clusters, clusters.max() + 1, 2)
    spec = metrics.IntervalSpec(unit=unit, resamples=resamples, seed=1)
    strata = np.zeros(len(counts)) if strata is None else strata
    lo, hi = metrics.clustered_intervals(counts, strata, "ab", spec)["uar"]
    return hi - lo


def test_correlated_speakers_widen_the_interval_far_beyond_utterances():
    t, p, spk = speakers([True, True, True, False])
    clustered = width(t, p, spk)
    utterance = width(t, p, np.arange(len(t)), "utterance")
    assert utterance < 0.1  # 400 "independent" utterances at 75 %
    assert clustered > 0.5  # 4 speakers: 25 % .. 100 % are both likely
    assert clustered > 5 * utterance


def test_singleton_clusters_give_the_utterance_interval():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 400)
    p = np.where(rng.random(400) < 0.7, t, 1 - t)
    singletons = np.arange(400)
    relabelled = rng.permutation(400)  # other cluster codes, same singletons
    assert width(t, p, relabelled) == pytest.approx(width(t, p, singletons, "utterance"),
                                                    abs=0.01)  # fmt: skip


def test_strata_keep_each_corpus_share():
    """Two corpora, one always right (10 speakers), one always wrong (10 speakers): drawn
    separately, WA stays exactly at the corpora's shares; drawn together it wanders."""
    right = [True] * 10 + [False] * 10
    t, p, spk = speakers(right, 10)
    counts = metrics.cluster_confusions(t, p, spk, 20, 2)
    spec = metrics.IntervalSpec(resamples=500)
    stratified = metrics.clustered_intervals(counts, np.repeat([0, 1], 10), "ab", spec)["wa"]
    pooled = metrics.clustered_intervals(counts, np.zeros(20), "ab", spec)["wa"]
    assert stratified == pytest.approx([0.5, 0.5])
    assert pooled[1] - pooled[0] > 0.2


def test_per_class_interval_skips_draws_without_the_class():
    """Class b lives in one speaker of five: draws that leave it out have no b recall (not 0)."""
    t = np.array([0] * 40 + [1] * 10)
    p = t.copy()  # always right
    spk = np.repeat(np.arange(5), 10)
    counts = metrics.cluster_confusions(t, p, spk, 5, 2)
    got = metrics.clustered_intervals(counts, np.zeros(5), "ab", metrics.IntervalSpec())
    assert got["recall[b]"] == [1.0, 1.0] and got["f1[b]"] == [1.0, 1.0]


def test_paired_difference_finds_a_planted_difference():
    """A is right on every one of 20 speakers, B on 10 of them: a real difference (the ten
    discordant speakers all favour A: an exact sign test gives p = 2 / 2**10)."""
    rng = np.random.default_rng(5)
    right_a = np.ones(20, dtype=bool)
    right_b = np.isin(np.arange(20), rng.permutation(20)[:10])
    t, pa, spk = speakers(list(right_a), 20)
    _, pb, _ = speakers(list(right_b), 20)
    counts_a = metrics.cluster_confusions(t, pa, spk, 20, 2)
    counts_b = metrics.cluster_confusions(t, pb, spk, 20, 2)
    spec = metrics.IntervalSpec(resamples=2000)
    got = metrics.paired_difference(counts_a, counts_b, np.zeros(20), "uar", "ab", spec, 4000)
    assert got["diff"] == pytest.approx(1.0 - 0.5)
    assert got["ci_low"] > 0 and got["ci_low"] < got["diff"] < got["ci_high"]
    assert got["p_value"] < 0.01
    swapped = metrics.paired_difference(counts_b, counts_a, np.zeros(20), "uar", "ab", spec, 4000)
    assert swapped["diff"] == pytest.approx(-got["diff"]) and swapped["ci_high"] < 0


def test_paired_difference_of_identical_predictions_is_zero_with_p_one():
    t, p, spk = speakers([True, False, True, True, False])
    counts = metrics.cluster_confusions(t, p, spk, 5, 2)
    got = metrics.paired_difference(counts, counts, np.zeros(5), "recall[a]", "ab",
                                    metrics.IntervalSpec(resamples=200), 500)  # fmt: skip
    assert got == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0, "p_value": 1.0}


def test_paired_difference_without_a_difference_is_not_significant():
    """A and B right on the same 9 of 20 speakers, plus one more each (not the same one): no
    difference, and the test must not find one."""
    right_a = np.arange(20) % 2 == 0
    right_b = np.r_[right_a[:18], ~right_a[18:]]  # speakers 18 and 19 swap
    t, pa, spk = speakers(list(right_a), 20)
    _, pb, _ = speakers(list(right_b), 20)
    counts_a = metrics.cluster_confusions(t, pa, spk, 20, 2)
    counts_b = metrics.cluster_confusions(t, pb, spk, 20, 2)
    got = metrics.paired_difference(counts_a, counts_b, np.zeros(20), "wa", "ab",
                                    metrics.IntervalSpec(resamples=2000), 4000)  # fmt: skip
    assert got["diff"] == pytest.approx(0.0)
    assert got["p_value"] > 0.5 and got["ci_low"] < 0 < got["ci_high"]


def test_interval_spec_refuses_an_unknown_unit():
    with pytest.raises(ValueError, match="interval unit"):
        metrics.IntervalSpec(unit="speaker")
