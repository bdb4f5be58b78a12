"""Dev sets of the split folds: group-disjoint or label-stratified draws from every training
corpus, the warnings for corpora too small for them, and the audit saying how each was drawn."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from splits_fixtures import LABELS, REPO, assert_disjoint, corpus, experiment, groups_of, make_pool

from crossemo.splits.audit import audit, dev_notices
from crossemo.splits.build import build_split, make_split
from crossemo.splits.experiment import SplitLeakError
from crossemo.splits.leakage import check_leaks


@pytest.fixture
def pool() -> pd.DataFrame:
    return make_pool()


def test_dev_is_group_disjoint_from_train(pool):
    split = build_split(pool, experiment(train=["a", "b"], test=["t"], dev_fraction=0.2))
    assert_disjoint(split)
    dev = split[split["split"] == "dev"]
    assert dev.groupby("corpus")["group"].nunique().to_dict() == {"a": 2, "b": 1}


def test_dev_from_few_groups_takes_a_group_where_it_comes_close_to_the_fraction():
    data = pd.concat([corpus("a", 3), corpus("t", 2)])
    split = build_split(data, experiment(train=["a"], test=["t"], dev_fraction=0.3))
    assert len(groups_of(split, 0, "dev")) == 1  # 1 of 3 groups = 33 %, within 0.1 of 0.3
    assert_disjoint(split)


def test_a_group_far_from_the_fraction_gives_utterances_instead(caplog):
    data = pd.concat([corpus("a", 3), corpus("t", 2)])
    exp = experiment(train=["a"], test=["t"], dev_fraction=0.1)
    with caplog.at_level(logging.WARNING, logger="crossemo.splits"):
        split = build_split(data, exp)
    dev = split[split["split"] == "dev"]
    assert len(dev) == 4  # round(0.1 * 36), not one group's 12
    assert len(groups_of(split, 0, "dev")) > 1
    assert "1 of 3 groups = 33.3% of its utterances, farther than dev_tolerance 0.1" in caplog.text
    check_leaks(split, exp)  # train and dev share a's speakers by design


def test_dev_by_utterance_is_stratified(pool):
    split = build_split(
        pool, experiment(train=["a"], test=["t"], dev_fraction=0.25, dev_unit="utterance")
    )
    dev = split[split["split"] == "dev"]
    assert len(dev) == 30  # 25 % of each of the three labels' 40 utterances
    assert dev["label"].value_counts().to_dict() == {"a": 10, "b": 10, "c": 10}
    check_leaks(split, experiment(train=["a"], test=["t"], dev_unit="utterance"))


def three_corpora() -> pd.DataFrame:
    """RAVDESS-like (24 speakers), TESS-like (2), SAVEE-like (4), a one-speaker corpus, a test."""
    return pd.concat([
        corpus("ravdess", 24, per_group=12),
        corpus("tess", 2, per_group=60),
        corpus("savee", 4, per_group=30),
        corpus("solo", 1, per_group=40),
        corpus("emodb", 10),
    ], ignore_index=True)  # fmt: skip


CROSS = dict(train=["ravdess", "tess", "savee", "solo"], test=["emodb"], dev_fraction=0.1)


def test_cross_corpus_dev_draws_from_every_training_corpus(caplog):
    exp = experiment(**CROSS)
    with caplog.at_level(logging.WARNING, logger="crossemo.splits"):
        split = build_split(three_corpora(), exp)
    dev = split[split["split"] == "dev"]
    # 24 speakers: round(2.4) = 2 (8.3 %); 2 speakers: one would be 50 %, 4 speakers: one would
    # be 25 %, both farther than 0.1 from 0.1: round(0.1 * 120) = 12 utterances each; one
    # speaker: round(0.1 * 40) = 4 utterances
    assert dev.groupby("corpus").size().to_dict() == {
        "ravdess": 24, "tess": 12, "savee": 12, "solo": 4,
    }  # fmt: skip
    dev_groups = dev.groupby("corpus")["group"].nunique().to_dict()
    assert dev_groups["ravdess"] == 2 and dev_groups["solo"] == 1
    assert dev_groups["tess"] == 2 and dev_groups["savee"] > 1  # utterances of several speakers
    train = split[split["split"] == "train"]
    assert train.groupby("corpus")["group"].nunique().to_dict() == {
        "ravdess": 22, "tess": 2, "savee": 4, "solo": 1,
    }  # fmt: skip
    ravdess_dev = set(dev.loc[dev["corpus"] == "ravdess", "group"])  # drawn by group
    assert not ravdess_dev & set(train.loc[train["corpus"] == "ravdess", "group"])
    # label-stratified: tess's 120 utterances are 40 of each label, 4 of each go to dev
    assert dev.loc[dev["corpus"] == "tess", "label"].value_counts().to_dict() == {
        "a": 4, "b": 4, "c": 4,
    }  # fmt: skip
    # solo's 40 utterances are labelled a 14, b 13, c 13: quotas 1.4, 1.3, 1.3 -> 2, 1, 1
    assert dev.loc[dev["corpus"] == "solo", "label"].value_counts().to_dict() == {
        "a": 2, "b": 1, "c": 1,
    }  # fmt: skip
    assert set(split.loc[split["corpus"] == "emodb", "split"]) == {"test"}
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert len(warnings) == 3, warnings
    assert "training corpus savee: by group it would give 1 of 4 groups = 25.0%" in warnings[0]
    assert "training corpus solo: 1 training group(s), too few" in warnings[1]
    assert "4 of its 40 utterances, drawn by utterance" in warnings[1]
    assert "training corpus tess: by group it would give 1 of 2 groups = 50.0%" in warnings[2]


def test_a_two_speaker_corpus_honours_the_dev_fraction(tmp_path):
    """TESS as shipped: two speakers, 1400 utterances each; dev_fraction 0.1 must give about
    280 of its utterances, not one speaker's 1400, and say so in the audit and on the console."""
    data = pd.concat([corpus("tess", 2, per_group=1400), corpus("ravdess", 24, per_group=60),
                      corpus("savee", 4, per_group=120)], ignore_index=True)  # fmt: skip
    paths = []
    for name, part in data.groupby("corpus"):
        paths.append(tmp_path / f"{name}.parquet")
        part.to_parquet(paths[-1])
    cfg = {"scheme": "basic4", "protocol": "cross_corpus", "train": ["ravdess", "tess"],
           "test": ["savee"], "dev_fraction": 0.1}  # fmt: skip
    make_split(paths, REPO / "config/label_schemes/basic4.yaml", cfg, "x",
               tmp_path / "x.parquet", tmp_path / "x.audit.csv")  # fmt: skip
    split = pd.read_parquet(tmp_path / "x.parquet")
    tess = split[split["corpus"] == "tess"]
    assert (tess["split"] == "dev").sum() == 280
    table = pd.read_csv(tmp_path / "x.audit.csv", keep_default_na=False)
    row = table[(table["split"] == "dev") & (table["corpus"] == "tess")].iloc[0]
    assert row["dev_drawn"] == "by utterance: 280 of 2800 utterances"
    assert "1 of 2 groups = 50.0% of its utterances" in row["dev_fallback"]
    ravdess = table[(table["split"] == "dev") & (table["corpus"] == "ravdess")].iloc[0]
    assert ravdess["dev_drawn"] == "by group: 2 of 24 groups, 8.3% of utterances"
    assert ravdess["dev_fallback"] == ""
    notices = dev_notices({"x": tmp_path / "x.audit.csv", "absent": tmp_path / "none.csv"})
    assert notices.splitlines()[1].startswith("  x tess (1 of 1 folds): by group it would give")
    assert len(notices.splitlines()) == 2  # ravdess came close by group: no notice


def test_dev_tolerance_lets_a_far_group_be_drawn():
    data = pd.concat([corpus("tess", 2, per_group=100), corpus("t", 2)])
    exp = experiment(train=["tess"], test=["t"], dev_fraction=0.1, dev_tolerance=0.5)
    split = build_split(data, exp)
    assert len(groups_of(split, 0, "dev")) == 1
    assert (split["split"] == "dev").sum() == 100
    assert_disjoint(split)


def test_group_sizes_not_only_their_number_decide():
    """Ten small groups and a big one: when the seeded draw takes the big one its share is far
    from 10 %, and the corpus gives utterances instead; a small group is kept."""
    big = corpus("m", 10, per_group=10)
    big = pd.concat([big, corpus("m", 1, per_group=300, prefix="big")], ignore_index=True)
    data = pd.concat([big, corpus("t", 2)], ignore_index=True)
    drawn = set()
    for seed in range(12):
        split = build_split(data, experiment(train=["m"], test=["t"], dev_fraction=0.1, seed=seed))
        dev = split[split["split"] == "dev"]
        if dev["group"].nunique() == 1:  # by group: one 10-utterance group of 400 (2.5 %)
            assert len(dev) == 10 and not dev["group"].str.contains("big").any()
            drawn.add("group")
        else:  # the big group would be 75 %: round(0.1 * 400) utterances
            assert len(dev) == 40
            drawn.add("utterance")
    assert drawn == {"group", "utterance"}


def test_cross_corpus_dev_audit_says_how_each_corpus_was_drawn(tmp_path):
    data = three_corpora()
    paths = []
    for name, part in data.groupby("corpus"):
        paths.append(tmp_path / f"{name}.parquet")
        part.to_parquet(paths[-1])
    cfg = {"scheme": "basic4", "protocol": "cross_corpus", **CROSS}
    make_split(paths, REPO / "config/label_schemes/basic4.yaml", cfg, "x",
               tmp_path / "x.parquet", tmp_path / "x.audit.csv")  # fmt: skip
    table = pd.read_csv(tmp_path / "x.audit.csv", keep_default_na=False)
    drawn = {(r.split, r.corpus): r.dev_drawn for r in table.itertuples()}
    assert drawn == {
        ("train", "ravdess"): "by group: 2 of 24 groups, 8.3% of utterances",
        ("dev", "ravdess"): "by group: 2 of 24 groups, 8.3% of utterances",
        ("train", "tess"): "by utterance: 12 of 120 utterances",
        ("dev", "tess"): "by utterance: 12 of 120 utterances",
        ("train", "savee"): "by utterance: 12 of 120 utterances",
        ("dev", "savee"): "by utterance: 12 of 120 utterances",
        ("train", "solo"): "by utterance: 4 of 40 utterances",
        ("dev", "solo"): "by utterance: 4 of 40 utterances",
        ("test", "emodb"): "",
    }
    fallback = {(r.split, r.corpus): r.dev_fallback for r in table.itertuples()}
    assert fallback[("dev", "ravdess")] == fallback[("test", "emodb")] == ""
    assert fallback[("train", "solo")].startswith("1 training group(s), too few")


def test_cross_corpus_dev_is_seeded():
    one = build_split(three_corpora(), experiment(seed=5, **CROSS))
    again = build_split(three_corpora(), experiment(seed=5, **CROSS))
    other = build_split(three_corpora(), experiment(seed=6, **CROSS))
    pd.testing.assert_frame_equal(one, again)
    assert not one["split"].equals(other["split"])


def test_leak_check_still_guards_corpora_drawn_by_group():
    exp = experiment(**CROSS)
    split = build_split(three_corpora(), exp)
    check_leaks(split, exp)  # solo shares its speaker between train and dev by design
    dev_group = sorted(groups_of(split, 0, "dev") & set(split.loc[split["corpus"] == "ravdess",
                                                                  "group"]))[0]  # fmt: skip
    split.loc[split.index[split["group"] == dev_group][0], "split"] = "train"
    with pytest.raises(SplitLeakError, match=f"group {dev_group} is in both train and dev"):
        check_leaks(split, exp)


def test_dev_warns_when_a_corpus_cannot_give_dev_rows(caplog):
    data = pd.concat([corpus("a", 10), corpus("one", 1, per_group=1), corpus("t", 2)])
    exp = experiment(train=["a", "one"], test=["t"], dev_fraction=0.1)
    with caplog.at_level(logging.WARNING, logger="crossemo.splits"):
        split = build_split(data, exp)
    assert split.loc[split["split"] == "dev", "corpus"].value_counts().to_dict() == {"a": 12}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["exp fold 0: training corpus one has 1 utterance(s): it gives no dev rows"]
    table = audit(split, exp, list(LABELS))
    row = table[(table["split"] == "train") & (table["corpus"] == "one")].iloc[0]
    assert row["dev_drawn"] == "none: 1 utterance(s), too few for dev"


def test_dev_by_utterance_reaches_a_tiny_corpus():
    # pooled corpus x label quotas: a's three labels 40 * 0.1 = 4 each (12 = round(0.1 * 123)),
    # tiny's three 0.1 each round away: tiny then gives one utterance of its own
    data = pd.concat([corpus("a", 10), corpus("tiny", 1, per_group=3), corpus("t", 2)])
    exp = experiment(train=["a", "tiny"], test=["t"], dev_fraction=0.1, dev_unit="utterance")
    split = build_split(data, exp)
    dev = split[split["split"] == "dev"]
    assert dev["corpus"].value_counts().to_dict() == {"a": 12, "tiny": 1}
    assert dev.loc[dev["corpus"] == "a", "label"].value_counts().to_dict() == {
        "a": 4, "b": 4, "c": 4,
    }  # fmt: skip
    table = audit(split, exp, list(LABELS))
    drawn = table.set_index(["split", "corpus"])["dev_drawn"]
    assert drawn[("dev", "a")] == "by utterance: 12 of 120 utterances"
    assert drawn[("dev", "tiny")] == "by utterance: 1 of 3 utterances"
