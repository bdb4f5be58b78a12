"""Split protocols on synthetic labelled tables: cross-corpus, speaker k-fold, leave one
session out, stratified and the corpus matrix."""

from __future__ import annotations

import pandas as pd
import pytest
from splits_fixtures import LABELS, assert_disjoint, corpus, experiment, groups_of, make_pool

from crossemo.splits.audit import audit
from crossemo.splits.build import build_split
from crossemo.splits.experiment import SplitError
from crossemo.splits.io import Split


@pytest.fixture
def pool() -> pd.DataFrame:
    return make_pool()


# ---------------------------------------------------------------- cross-corpus


def test_cross_corpus_train_test_corpora(pool):
    exp = experiment(train=["a", "b"], test=["t"], dev_fraction=0)
    split = build_split(pool, exp)
    Split.validate(split)
    assert set(split["fold"]) == {0}
    assert set(split.loc[split["split"] == "train", "corpus"]) == {"a", "b"}
    assert set(split.loc[split["split"] == "test", "corpus"]) == {"t"}
    assert "m" not in set(split["corpus"])  # not in the experiment


def test_fraction_by_group_is_seeded_and_disjoint(pool):
    kw = dict(train=["a", "m"], test=["m", "t"], fractions={"m": {"train": 0.8, "test": 0.2}})
    one = build_split(pool, experiment(seed=3, **kw))
    again = build_split(pool, experiment(seed=3, **kw))
    other = build_split(pool, experiment(seed=4, **kw))
    pd.testing.assert_frame_equal(one, again)
    assert not one["split"].equals(other["split"])
    assert_disjoint(one)
    mosei = one[one["corpus"] == "m"]
    share = (mosei["split"] == "test").mean()
    assert 0.2 <= share < 0.2 + 14 / len(mosei)  # overshoots by less than one (largest) group
    assert groups_of(one, 0, "test") & set(mosei["group"])
    assert groups_of(one, 0, "train") & set(mosei["group"])


# ---------------------------------------------------------------- speaker k-fold


def test_speaker_kfold_gender_balanced_and_disjoint(pool):
    exp = experiment(protocol="speaker_kfold", train=["a"], folds=5, dev_fraction=0.15)
    split = build_split(pool, exp)
    assert sorted(split["fold"].unique()) == [0, 1, 2, 3, 4]
    assert_disjoint(split)
    gender = pool.drop_duplicates("group").set_index("group")["gender"]
    tested = []
    for fold in range(5):
        test = groups_of(split, fold, "test")
        assert sorted(gender[list(test)]) == ["female", "male"], fold  # one of each per fold
        tested.extend(test)
    assert sorted(tested) == sorted(pool.loc[pool["corpus"] == "a", "group"].unique())


def test_speaker_kfold_extended_training_and_test_only(pool):
    exp = experiment(protocol="speaker_kfold", train=["a", "b"], cv_corpora=["a"], test=["t"],
                     folds=5, dev_fraction=0)  # fmt: skip
    split = build_split(pool, exp)
    for fold in range(5):
        part = split[split["fold"] == fold]
        assert set(part.loc[part["corpus"] == "b", "split"]) == {"train"}
        assert set(part.loc[part["corpus"] == "t", "split"]) == {"test"}


def test_kfold_needs_enough_groups():
    with pytest.raises(SplitError, match="fewer than"):
        build_split(corpus("a", 3), experiment(protocol="speaker_kfold", folds=5))


# ---------------------------------------------------------------- leave one session out


def iemocap(sessions=5) -> pd.DataFrame:
    frames = []
    for s in range(1, sessions + 1):
        for sex, gender in (("F", "female"), ("M", "male")):
            part = corpus("iemocap", 1, per_group=9, genders=(gender,))
            part["group"] = f"iemocap/Session{s}"
            part["speaker"] = f"iemocap/Ses{s:02d}{sex}"
            part["utt_id"] = [f"iemocap/Ses{s:02d}{sex}_{i}" for i in range(len(part))]
            frames.append(part)
    return pd.concat(frames, ignore_index=True)


def test_loso_folds_are_sessions():
    data = iemocap(5)
    split = build_split(data, experiment(protocol="leave_one_session_out", train=["iemocap"],
                                         folds=5, dev_fraction=0.25))  # fmt: skip
    for fold in range(5):  # one of the four training sessions is 25 % (at 0.1: utterances)
        assert groups_of(split, fold, "test") == {f"iemocap/Session{fold + 1}"}
        assert len(groups_of(split, fold, "dev")) == 1
    assert_disjoint(split)


def test_loso_fold_count_must_match_sessions():
    with pytest.raises(SplitError, match="found 3 sessions"):
        build_split(iemocap(3), experiment(protocol="leave_one_session_out", train=["iemocap"],
                                           folds=5))  # fmt: skip


# ---------------------------------------------------------------- stratified


def test_stratified_by_utterance_keeps_proportions(pool):
    exp = experiment(protocol="stratified", train=["a", "b"], test_fraction=0.2,
                     split_unit="utterance", dev_fraction=0.2, dev_unit="utterance")  # fmt: skip
    split = build_split(pool, exp)
    for corpus_name, part in split.groupby("corpus"):
        counts = part.groupby(["split", "label"]).size().unstack()
        total = counts.sum(axis=0)
        assert ((counts.loc["test"] - 0.2 * total).abs() < 1).all(), corpus_name  # per label
    audit(split, exp, list(LABELS))  # speakers cross splits by design: no failure


def test_stratified_by_group_is_disjoint_and_close(pool):
    exp = experiment(protocol="stratified", train=["m"], test_fraction=0.2, dev_fraction=0.1)
    split = build_split(pool, exp)
    assert_disjoint(split)
    shares = split.groupby("label")["split"].apply(lambda s: (s == "test").mean())
    assert shares.between(0.1, 0.3).all(), shares.to_dict()


# ---------------------------------------------------------------- corpus matrix


def test_corpus_matrix_trains_each_source_and_tests_every_other_corpus(pool):
    exp = experiment(protocol="corpus_matrix", train=["a", "b", "m"], test=["t"],
                     include_loco=True)  # fmt: skip
    split = build_split(pool, exp)
    assert exp.n_folds == 6
    expected_train = [{"a"}, {"b"}, {"m"}, {"b", "m"}, {"a", "m"}, {"a", "b"}]  # then LOCO
    for fold, train in enumerate(expected_train):
        part = split[split["fold"] == fold]
        trained = set(part.loc[part["split"].isin(["train", "dev"]), "corpus"])
        tested = set(part.loc[part["split"] == "test", "corpus"])
        assert trained == train, fold
        assert tested == {"a", "b", "m", "t"} - train, fold  # test-only t in every fold
    assert_disjoint(split)
    audit(split, exp, list(LABELS))  # no leak


def test_corpus_matrix_without_loco_and_its_refusals(pool):
    split = build_split(pool, experiment(protocol="corpus_matrix", train=["a", "b"]))
    assert sorted(split["fold"].unique()) == [0, 1]
    with pytest.raises(SplitError, match="two or more"):
        experiment(protocol="corpus_matrix", train=["a"])
