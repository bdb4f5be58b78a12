"""Sentence leakage: the audit counts test utterances whose sentence training saw, and
``disjoint: [speaker, sentence]`` keeps sentences apart per corpus (or fails when it cannot)."""

from __future__ import annotations

import pandas as pd
import pytest
from splits_fixtures import corpus, experiment

from crossemo.splits.audit import audit
from crossemo.splits.build import build_split
from crossemo.splits.experiment import SplitError, SplitLeakError

CLASSES = ["a", "b", "c"]


def with_sentences(table: pd.DataFrame, n_sentences: int) -> pd.DataFrame:
    """Every speaker reads every sentence in turn, as in the acted corpora."""
    index = table.groupby("group").cumcount()
    return table.assign(sentence=[f"t{i % n_sentences:02d}" for i in index])


def shared(split: pd.DataFrame, sentences: pd.Series) -> int:
    """Test utterances whose (corpus, sentence) is also in train or dev of their fold,
    counted here by plain set logic."""
    total = 0
    for _, part in split.groupby("fold"):
        rows = list(zip(part["corpus"], part["utt_id"].map(sentences), part["split"], strict=True))
        trained = {(c, t) for c, t, s in rows if s != "test" and pd.notna(t)}
        total += sum((c, t) in trained for c, t, s in rows if s == "test")
    return total


@pytest.fixture
def acted() -> pd.DataFrame:
    return with_sentences(corpus("a", 10, per_group=12), 6)


def test_speaker_disjoint_split_tests_on_sentences_it_trained_on_and_the_audit_says_so(acted):
    exp = experiment(protocol="speaker_kfold", folds=5, dev_fraction=0)
    split = build_split(acted, exp)
    sentences = acted.set_index("utt_id")["sentence"]
    table = audit(split, exp, CLASSES, sentences)
    assert shared(split, sentences) == 120  # every test utterance: 6 sentences, all read by all
    assert table.loc[table["split"] == "test", "sentence_seen"].sum() == 120
    assert table.loc[table["split"] != "test", "sentence_seen"].sum() == 0


def test_sentence_disjoint_kfold_keeps_sentences_apart_and_counts_what_it_drops(acted):
    exp = experiment(protocol="speaker_kfold", folds=5, dev_fraction=0.1,
                     disjoint=["speaker", "sentence"])  # fmt: skip
    dropped: list = []
    split = build_split(acted, exp, dropped)
    sentences = acted.set_index("utt_id")["sentence"]
    assert shared(split, sentences) == 0
    gone = pd.concat(dropped)
    table = audit(split, exp, CLASSES, sentences, gone)
    assert table["sentence_seen"].sum() == 0
    assert table["sentence_dropped"].sum() == len(gone) > 0
    for fold in range(5):
        part = split[split["fold"] == fold]
        # every utterance is kept or counted as dropped, in each fold
        assert len(part) + (gone["fold"] == fold).sum() == len(acted)
        test_sentences = set(part.loc[part["split"] == "test", "utt_id"].map(sentences))
        assert 0 < len(test_sentences) < 6
    tested = set(split.loc[split["split"] == "test", "utt_id"].map(sentences))
    assert tested == set(sentences)  # the folds' windows reach every sentence


def test_sentence_ids_are_compared_within_a_corpus_only():
    a = with_sentences(corpus("a", 4), 3)
    t = with_sentences(corpus("t", 2), 3)  # the same ids t00.. in a test-only corpus
    exp = experiment(train=["a"], test=["t"], disjoint=["speaker", "sentence"], dev_fraction=0)
    pool = pd.concat([a, t], ignore_index=True)
    split = build_split(pool, exp)
    assert len(split) == len(pool)  # nothing dropped: no corpus is on both sides
    sentences = pool.set_index("utt_id")["sentence"]
    assert audit(split, exp, CLASSES, sentences)["sentence_seen"].sum() == 0


def test_rows_without_a_sentence_are_kept(acted):
    plain = acted.assign(sentence=None)
    exp = experiment(protocol="speaker_kfold", folds=5, dev_fraction=0,
                     disjoint=["speaker", "sentence"])  # fmt: skip
    assert len(build_split(plain, exp)) == 5 * len(acted)


def test_one_sentence_cannot_be_split_disjointly():
    single = with_sentences(corpus("a", 10), 1)
    exp = experiment(protocol="speaker_kfold", folds=5, disjoint=["speaker", "sentence"])
    with pytest.raises(SplitError, match="one sentence 't00'"):
        build_split(single, exp)


def test_a_sentence_leak_fails_the_audit_when_sentences_must_be_disjoint(acted):
    exp = experiment(protocol="speaker_kfold", folds=5, dev_fraction=0,
                     disjoint=["speaker", "sentence"])  # fmt: skip
    split = build_split(acted, exp)
    sentences = acted.set_index("utt_id")["sentence"]
    test_utt = split.loc[(split["fold"] == 0) & (split["split"] == "test"), "utt_id"].iloc[0]
    trained = split.loc[(split["fold"] == 0) & (split["split"] == "train"), "utt_id"].iloc[0]
    planted = sentences.copy()
    planted[test_utt] = planted[trained]  # a test utterance reads a training sentence
    with pytest.raises(SplitLeakError, match="fold 0: 1 test utterances of a share a sentence"):
        audit(split, exp, CLASSES, planted)


def test_disjoint_must_keep_speakers():
    with pytest.raises(SplitError, match="must list speaker"):
        experiment(disjoint=["sentence"])
