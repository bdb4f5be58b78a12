"""Dev sets of the split folds: group-disjoint or label-stratified draws from every training
corpus, the warnings for corpora too small for them, and the audit saying how each was drawn."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from splits_fixtures import LABELS, REPO, assert_disjoint, corpus, experiment, groups_of, make_pool

from crossemo.splits.audit import audit
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


def test_dev_from_few_groups_takes_one_group_somewhere():
    data = pd.concat([corpus("a", 3), corpus("t", 2)])
    split = build_split(data, experiment(train=["a"], test=["t"], dev_fraction=0.1))
    assert len(groups_of(split, 0, "dev")) == 1
    assert_disjoint(split)


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
    # 24 speakers: round(2.4) = 2; 2 speakers: max(1, round(0.2)) = 1 leaves one to train, so
    # by group too; 4 speakers: 1; one speaker: by utterance, round(0.1 * 40) = 4 utterances
    assert dev.groupby("corpus").size().to_dict() == {
        "ravdess": 24, "tess": 60, "savee": 30, "solo": 4,
    }  # fmt: skip
    assert dev.groupby("corpus")["group"].nunique().to_dict() == {
        "ravdess": 2, "tess": 1, "savee": 1, "solo": 1,
    }  # fmt: skip
    train = split[split["split"] == "train"]
    assert train.groupby("corpus")["group"].nunique().to_dict() == {
        "ravdess": 22, "tess": 1, "savee": 3, "solo": 1,
    }  # fmt: skip
    for name in ("ravdess", "tess", "savee"):  # drawn by group: no speaker on both sides
        assert not set(dev.loc[dev["corpus"] == name, "group"]) & set(
            train.loc[train["corpus"] == name, "group"]
        ), name
    # solo's 40 utterances are labelled a 14, b 13, c 13: quotas 1.4, 1.3, 1.3 -> 2, 1, 1
    assert dev.loc[dev["corpus"] == "solo", "label"].value_counts().to_dict() == {
        "a": 2, "b": 1, "c": 1,
    }  # fmt: skip
    assert set(split.loc[split["corpus"] == "emodb", "split"]) == {"test"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "training corpus solo has 1 training group(s)" in warnings[0]
    assert "4 of its 40 utterances, drawn by utterance" in warnings[0]


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
        ("train", "ravdess"): "by group: 2 of 24 groups",
        ("dev", "ravdess"): "by group: 2 of 24 groups",
        ("train", "tess"): "by group: 1 of 2 groups",
        ("dev", "tess"): "by group: 1 of 2 groups",
        ("train", "savee"): "by group: 1 of 4 groups",
        ("dev", "savee"): "by group: 1 of 4 groups",
        ("train", "solo"): "by utterance: 4 of 40 utterances",
        ("dev", "solo"): "by utterance: 4 of 40 utterances",
        ("test", "emodb"): "",
    }


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
    dev_group = sorted(groups_of(split, 0, "dev") & set(split.loc[split["corpus"] == "tess",
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
