"""The split audit: counts like the papers' dataset tables, failing on planted leaks, and the
rule's table and audit files."""

from __future__ import annotations

import pandas as pd
import pytest
from splits_fixtures import LABELS, REPO, experiment, groups_of, make_pool

from crossemo.splits.audit import audit
from crossemo.splits.build import build_split, make_split
from crossemo.splits.experiment import SplitLeakError
from crossemo.splits.leakage import check_leaks


@pytest.fixture
def pool() -> pd.DataFrame:
    return make_pool()


def test_audit_counts_like_the_papers_tables(pool):
    exp = experiment(train=["a", "b"], test=["t"], dev_fraction=0)
    table = audit(build_split(pool, exp), exp, ["c", "b", "a", "z"])
    assert list(table.columns) == ["fold", "split", "corpus", "c", "b", "a", "z", "total",
                                   "groups", "speakers", "dev_drawn", "dev_fallback",
                                   "sentence_seen", "sentence_dropped",
                                   "shared_groups", "shared_recordings"]  # fmt: skip
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
