"""Split protocols on synthetic labelled tables, and the audit failing on planted leaks."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from crossemo.splits.audit import audit
from crossemo.splits.build import build_split, make_split
from crossemo.splits.experiment import Experiment, SplitError, SplitLeakError
from crossemo.splits.io import Split
from crossemo.splits.leakage import check_leaks

REPO = Path(__file__).resolve().parents[2]
LABELS = ("a", "b", "c")


def corpus(name, n_groups, per_group=12, genders=("unknown",), prefix="s", uneven=False):
    """A labelled table: ``n_groups`` groups, labels cycling, genders alternating."""
    rows = []
    for g in range(n_groups):
        size = per_group + (g % 3) * 4 if uneven else per_group
        for i in range(size):
            rows.append({
                "utt_id": f"{name}/{prefix}{g:02d}_{i:03d}", "corpus": name,
                "speaker": f"{name}/{prefix}{g:02d}", "gender": genders[g % len(genders)],
                "group": f"{name}/{prefix}{g:02d}", "emotion": "x",
                "label": LABELS[(i + g) % len(LABELS)], "duration": 1.0, "audio_shard": "x",
            })  # fmt: skip
    return pd.DataFrame(rows)


def experiment(**kw) -> Experiment:
    cfg = {"scheme": "s", "protocol": "cross_corpus", "train": ["a"], **kw}
    return Experiment.from_config("exp", cfg)


def groups_of(split: pd.DataFrame, fold: int, which: str) -> set[str]:
    part = split[(split["fold"] == fold) & (split["split"] == which)]
    return set(part["group"])


def assert_disjoint(
    split: pd.DataFrame, pairs=(("train", "test"), ("dev", "test"), ("train", "dev"))
):
    for fold in split["fold"].unique():
        for a, b in pairs:
            assert not groups_of(split, fold, a) & groups_of(split, fold, b), (fold, a, b)


@pytest.fixture
def pool() -> pd.DataFrame:
    return pd.concat([
        corpus("a", 10, genders=("female", "male")),
        corpus("b", 6, genders=("male",)),
        corpus("m", 30, per_group=5, uneven=True),
        corpus("t", 4),
    ], ignore_index=True)  # fmt: skip


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


def test_corpus_in_train_and_test_needs_fractions():
    with pytest.raises(SplitError, match="fractions"):
        experiment(train=["a", "m"], test=["m"])
    with pytest.raises(SplitError, match="sum to 1"):
        experiment(train=["a", "m"], test=["m"], fractions={"m": {"train": 0.8, "test": 0.1}})


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
                                         folds=5, dev_fraction=0.1))  # fmt: skip
    for fold in range(5):
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


# ---------------------------------------------------------------- audit


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


def test_audit_counts_like_the_papers_tables(pool):
    exp = experiment(train=["a", "b"], test=["t"], dev_fraction=0)
    table = audit(build_split(pool, exp), exp, ["c", "b", "a", "z"])
    assert list(table.columns) == ["fold", "split", "corpus", "c", "b", "a", "z", "total",
                                   "groups", "speakers", "dev_drawn", "sentence_seen",
                                   "sentence_dropped"]  # fmt: skip
    row = table[(table["split"] == "train") & (table["corpus"] == "a")].iloc[0]
    assert (row["a"], row["b"], row["c"], row["z"], row["total"]) == (40, 40, 40, 0, 120)
    assert row["groups"] == 10
    assert row["dev_drawn"] == "none: dev_fraction 0"
    assert table.loc[table["split"] == "test", "dev_drawn"].tolist() == [""]


def test_audit_fails_on_planted_group_leak(pool):
    exp = experiment(train=["a"], test=["t"], dev_fraction=0)
    split = build_split(pool, exp)
    victim = split.index[split["corpus"] == "t"][0]
    split.loc[victim, "group"] = "a/s03"  # a training speaker now also in test
    with pytest.raises(SplitLeakError, match="group a/s03 is in both train and test"):
        audit(split, exp, list(LABELS))


def test_audit_fails_on_group_in_train_and_dev(pool):
    exp = experiment(train=["a"], test=["t"], dev_fraction=0.2)
    split = build_split(pool, exp)
    dev_group = sorted(groups_of(split, 0, "dev"))[0]
    first = split.index[(split["group"] == dev_group)][0]
    split.loc[first, "split"] = "train"
    with pytest.raises(SplitLeakError, match=f"group {dev_group} is in both train and dev"):
        check_leaks(split, exp)


def test_audit_fails_on_test_only_corpus_in_training(pool):
    exp = experiment(train=["a"], test=["t"], dev_fraction=0)
    split = build_split(pool, exp)
    split.loc[split["corpus"] == "t", "split"] = "train"
    with pytest.raises(SplitLeakError, match="test-only corpus t is in train"):
        audit(split, exp, list(LABELS))


def test_make_split_writes_table_and_audit(tmp_path, pool):
    paths = []
    for name, part in pool.groupby("corpus"):
        paths.append(tmp_path / f"{name}.parquet")
        part.to_parquet(paths[-1])
    cfg = {"scheme": "basic4", "protocol": "speaker_kfold", "train": ["a"], "folds": 5}
    split = make_split(paths, REPO / "config/label_schemes/basic4.yaml", cfg, "k",
                       tmp_path / "k.parquet", tmp_path / "k.audit.csv")  # fmt: skip
    assert len(split) == 5 * 120
    table = pd.read_csv(tmp_path / "k.audit.csv")
    assert list(table.columns[3:7]) == ["neutral", "happy", "angry", "sad"]
    assert set(table["fold"]) == set(range(5))
