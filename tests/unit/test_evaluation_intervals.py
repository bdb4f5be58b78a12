"""crossemo.evaluation.intervals: cluster bootstrap intervals against explicit resampling, the
width that correlated speakers add, strata; and the paired differences
(crossemo.evaluation.comparisons) drawn the same way."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from crossemo.evaluation import intervals, metrics
from crossemo.evaluation.comparisons import paired_difference


def test_utterance_interval_is_the_percentiles_of_resampled_scores():
    """Singleton clusters, one stratum: the textbook utterance bootstrap, checked against
    scikit-learn scores of explicitly resampled utterances (same size, with replacement)."""
    rng = np.random.default_rng(3)
    y = rng.choice(["a", "b", "c"], 60)
    p = np.where(rng.random(60) < 0.5, y, rng.choice(["a", "b", "c"], 60))
    t_idx, p_idx = metrics.class_indices(y, "abc"), metrics.class_indices(p, "abc")
    counts = intervals.cluster_confusions(t_idx, p_idx, np.arange(60), 60, 3)
    spec = intervals.IntervalSpec(unit="utterance", resamples=2000, seed=7)
    got = intervals.clustered_intervals(counts, np.zeros(60), "abc", spec)
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
    assert intervals.clustered_intervals(counts[:0], np.zeros(0), "abc", spec) == {}


def speakers(right: list[bool], per_speaker: int = 100):
    """Two-class toy: each speaker's utterances alternate a/b, all right or all wrong."""
    t = np.tile([0, 1], len(right) * per_speaker // 2)
    wrong = np.repeat(~np.asarray(right), per_speaker)
    p = np.where(wrong, 1 - t, t)
    return t, p, np.repeat(np.arange(len(right)), per_speaker)


def width(t, p, clusters, unit="cluster", strata=None, resamples=2000):
    counts = intervals.cluster_confusions(t, p, clusters, clusters.max() + 1, 2)
    spec = intervals.IntervalSpec(unit=unit, resamples=resamples, seed=1)
    strata = np.zeros(len(counts)) if strata is None else strata
    lo, hi = intervals.clustered_intervals(counts, strata, "ab", spec)["uar"]
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
    counts = intervals.cluster_confusions(t, p, spk, 20, 2)
    spec = intervals.IntervalSpec(resamples=500)
    stratified = intervals.clustered_intervals(counts, np.repeat([0, 1], 10), "ab", spec)["wa"]
    pooled = intervals.clustered_intervals(counts, np.zeros(20), "ab", spec)["wa"]
    assert stratified == pytest.approx([0.5, 0.5])
    assert pooled[1] - pooled[0] > 0.2


def test_per_class_interval_skips_draws_without_the_class():
    """Class b lives in one speaker of five: draws that leave it out have no b recall (not 0)."""
    t = np.array([0] * 40 + [1] * 10)
    p = t.copy()  # always right
    spk = np.repeat(np.arange(5), 10)
    counts = intervals.cluster_confusions(t, p, spk, 5, 2)
    got = intervals.clustered_intervals(counts, np.zeros(5), "ab", intervals.IntervalSpec())
    assert got["recall[b]"] == [1.0, 1.0] and got["f1[b]"] == [1.0, 1.0]


def test_paired_difference_finds_a_planted_difference():
    """A is right on every one of 20 speakers, B on 10 of them: a real difference (the ten
    discordant speakers all favour A: an exact sign test gives p = 2 / 2**10)."""
    rng = np.random.default_rng(5)
    right_a = np.ones(20, dtype=bool)
    right_b = np.isin(np.arange(20), rng.permutation(20)[:10])
    t, pa, spk = speakers(list(right_a), 20)
    _, pb, _ = speakers(list(right_b), 20)
    counts_a = intervals.cluster_confusions(t, pa, spk, 20, 2)
    counts_b = intervals.cluster_confusions(t, pb, spk, 20, 2)
    spec = intervals.IntervalSpec(resamples=2000)
    got = paired_difference(counts_a, counts_b, np.zeros(20), "uar", "ab", spec, 4000)
    assert got["diff"] == pytest.approx(1.0 - 0.5)
    assert got["ci_low"] > 0 and got["ci_low"] < got["diff"] < got["ci_high"]
    assert got["p_value"] < 0.01
    swapped = paired_difference(counts_b, counts_a, np.zeros(20), "uar", "ab", spec, 4000)
    assert swapped["diff"] == pytest.approx(-got["diff"]) and swapped["ci_high"] < 0


def test_paired_difference_of_identical_predictions_is_zero_with_p_one():
    t, p, spk = speakers([True, False, True, True, False])
    counts = intervals.cluster_confusions(t, p, spk, 5, 2)
    got = paired_difference(counts, counts, np.zeros(5), "recall[a]", "ab",
                            intervals.IntervalSpec(resamples=200), 500)  # fmt: skip
    assert got == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0, "p_value": 1.0}


def test_paired_difference_without_a_difference_is_not_significant():
    """A and B right on the same 9 of 20 speakers, plus one more each (not the same one): no
    difference, and the test must not find one."""
    right_a = np.arange(20) % 2 == 0
    right_b = np.r_[right_a[:18], ~right_a[18:]]  # speakers 18 and 19 swap
    t, pa, spk = speakers(list(right_a), 20)
    _, pb, _ = speakers(list(right_b), 20)
    counts_a = intervals.cluster_confusions(t, pa, spk, 20, 2)
    counts_b = intervals.cluster_confusions(t, pb, spk, 20, 2)
    got = paired_difference(counts_a, counts_b, np.zeros(20), "wa", "ab",
                            intervals.IntervalSpec(resamples=2000), 4000)  # fmt: skip
    assert got["diff"] == pytest.approx(0.0)
    assert got["p_value"] > 0.5 and got["ci_low"] < 0 < got["ci_high"]


def test_interval_spec_refuses_an_unknown_unit():
    with pytest.raises(ValueError, match="interval unit"):
        intervals.IntervalSpec(unit="speaker")
