"""Sentence leakage: the speakers of acted corpora read the same sentences (manifest column
``sentence``, ids compared within one corpus only).

With ``disjoint: [speaker, sentence]`` each fold's test set also holds only some sentences of
each corpus that has rows on both sides (:func:`disjoint_sentences`): the corpus's sentences are
shuffled once with the seed and each fold takes a window of them (``ceil(test share x
sentences)``, at least one, never all; windows spread over the folds), test rows of other
sentences and training rows of the window's sentences are dropped from that fold (the audit's
``sentence_dropped`` counts them per split). Rows without a sentence id are kept. Whatever the
option, the audit's ``sentence_seen`` counts per fold and corpus the test utterances whose
sentence is also in train or dev (:func:`sentence_seen`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from crossemo.splits.experiment import Experiment, SplitError
from crossemo.splits.sampling import natural_key, rng

log = logging.getLogger(__name__)


def sentence_window(ids: list[str], n_test: int, fold: int, n_folds: int, order: list[int]) -> set:
    """The ``n_test`` sentences of ``ids`` (shuffled by ``order``) tested in ``fold``: a window
    starting at ``fold * len(ids) // n_folds``, wrapping, so the folds' windows cover the ids."""
    start = fold * len(ids) // n_folds
    return {ids[order[(start + i) % len(ids)]] for i in range(n_test)}


def fold_sentences(
    ids: list[str], share: float, exp: Experiment, fold: int, corpus: str, where: str
) -> set:
    """The sentences of one corpus (``ids``, natural order) tested in ``fold``:
    ``ceil(share x sentences)`` of them, at least one, never all (:func:`sentence_window` over
    the ids shuffled once with the seed). Raises :class:`SplitError` on a single sentence."""
    if len(ids) < 2:
        raise SplitError(
            f"{where}: disjoint sentence cannot be met, every utterance in train and test "
            f"has the one sentence {ids[0]!r}"
        )
    n_test = min(max(1, int(np.ceil(share * len(ids)))), len(ids) - 1)
    order = list(rng(exp.seed, "sentence", corpus).permutation(len(ids)))
    return sentence_window(ids, n_test, fold, exp.n_folds, order)


def disjoint_sentences(
    pool: pd.DataFrame, split: pd.Series, exp: Experiment, fold: int
) -> pd.Series:
    """``split`` of one fold with ``drop`` for the rows sentence-disjointness removes (a copy).

    Without ``sentence`` in ``exp.disjoint`` nothing is dropped. Otherwise, per corpus with
    sentence ids on both train and test rows: ``ceil(share x sentences)`` of its sentences (share:
    its test rows among its rows with a sentence; at least one, never all) are the fold's test
    sentences (:func:`fold_sentences`); its test rows of other sentences and its training rows of
    these are dropped. Raises :class:`SplitError` when a corpus cannot be split so: one sentence
    only, or no test or training row left.
    """
    split = split.copy()
    if "sentence" not in exp.disjoint:
        return split
    sentence = pool["sentence"] if "sentence" in pool.columns else pd.Series(None, index=pool.index)
    for corpus in sorted(pool["corpus"].unique()):
        rows = (pool["corpus"] == corpus) & sentence.notna()
        test, train = rows & (split == "test"), rows & (split == "train")
        if not test.any() or not train.any():
            continue
        where = f"{exp.name} fold {fold}: corpus {corpus}"
        ids = sorted(set(sentence[rows]), key=natural_key)
        share = test.sum() / (test.sum() + train.sum())
        chosen = fold_sentences(ids, share, exp, fold, corpus, where)
        in_test = sentence.isin(chosen)
        split[test & ~in_test] = "drop"
        split[train & in_test] = "drop"
        if not (test & in_test).any() or not (train & ~in_test).any():
            side = "test" if not (test & in_test).any() else "training"
            raise SplitError(
                f"{where}: disjoint sentence leaves no {side} utterance (test sentences "
                f"{sorted(chosen, key=natural_key)} of {len(ids)})"
            )
        log.info("%s: test sentences %s; dropped %d test and %d training utterances", where,
                 sorted(chosen, key=natural_key), (test & ~in_test).sum(),
                 (train & in_test).sum())  # fmt: skip
    return split


def sentence_seen(split: pd.DataFrame, sentences: pd.Series) -> pd.Series:
    """Per (fold, corpus): test utterances whose sentence (``sentences``: utt_id -> id) is also
    the sentence of a train or dev utterance of the same corpus in that fold."""
    frame = split.assign(sentence=split["utt_id"].map(sentences)).dropna(subset=["sentence"])
    keys = ["fold", "corpus", "sentence"]
    trained = frame.loc[frame["split"].isin(["train", "dev"]), keys].drop_duplicates()
    test = frame[frame["split"] == "test"].merge(trained, on=keys)
    return test.groupby(["fold", "corpus"]).size()
