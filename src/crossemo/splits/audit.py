"""The split audit (``results/splits/{experiment}.audit.csv``): the leak checks, then the
utterance counts per fold x split x corpus x label, wide like the papers' dataset tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossemo.splits.dev import dev_draws
from crossemo.splits.experiment import SPLITS, Experiment
from crossemo.splits.leakage import check_leaks, check_sentence_leaks
from crossemo.splits.sentences import sentence_seen

KEYS = ["fold", "split", "corpus"]


def audit(
    split: pd.DataFrame,
    exp: Experiment,
    classes: list[str],
    sentences: pd.Series | None = None,
    dropped: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Check ``split`` (:func:`~crossemo.splits.leakage.check_leaks`) and count it per fold x
    split x corpus x label.

    Wide like the papers' dataset tables: one row per fold, split and corpus, one column per
    class, then ``total``, ``groups``, ``speakers`` and ``dev_drawn``: on the train and dev rows
    of each training corpus, how its dev part was drawn (:func:`crossemo.splits.dev.dev_draws`),
    e.g. ``by group: 2 of 24 groups`` or ``by utterance: 140 of 1400 utterances``; empty on test
    rows. Then ``sentence_seen``: on test rows, the test utterances whose sentence
    (``sentences``: utt_id -> the manifest's ``sentence``) a train or dev utterance of the same
    corpus shares (:func:`crossemo.splits.sentences.sentence_seen`; 0 elsewhere), and
    ``sentence_dropped``: the utterances of the split that ``disjoint: [speaker, sentence]``
    removed from the fold (``dropped``, from :func:`crossemo.splits.build.build_split`). With
    ``sentence`` in ``exp.disjoint`` a seen sentence is a leak.
    """
    seen = sentence_seen(split, sentences if sentences is not None else pd.Series(dtype=str))
    check_sentence_leaks(seen, exp)
    check_leaks(split, exp)
    counts = label_counts(split, classes)
    drawn = dev_draws(split, exp).set_index(["fold", "corpus"])["dev_drawn"]
    at = pd.MultiIndex.from_frame(counts[["fold", "corpus"]])
    counts["dev_drawn"] = np.where(
        counts["split"].isin(["train", "dev"]), drawn.reindex(at).fillna("").to_numpy(), ""
    )
    on_test = counts["split"] == "test"
    found = seen.reindex(pd.MultiIndex.from_frame(counts[["fold", "corpus"]])).fillna(0)
    counts["sentence_seen"] = np.where(on_test, found.to_numpy(), 0).astype(int)
    counts["sentence_dropped"] = dropped_counts(counts, dropped)
    counts["split"] = pd.Categorical(counts["split"], categories=list(SPLITS), ordered=True)
    counts = counts.sort_values(KEYS).reset_index(drop=True)
    counts.columns.name = None
    return counts


def label_counts(split: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    """Per fold x split x corpus (columns, one row each): utterances of each of ``classes``
    (0 for a class without any), ``total``, and distinct ``groups`` and ``speakers``."""
    counts = split.groupby([*KEYS, "label"]).size().unstack("label", fill_value=0)
    counts = counts.reindex(columns=classes, fill_value=0)
    counts["total"] = counts.sum(axis=1)
    counts["groups"] = split.groupby(KEYS)["group"].nunique()
    counts["speakers"] = split.groupby(KEYS)["speaker"].nunique()
    return counts.reset_index()


def dropped_counts(counts: pd.DataFrame, dropped: pd.DataFrame | None) -> np.ndarray:
    """Per row of ``counts``: the utterances of ``dropped`` (sentence-disjointness) in its fold,
    split and corpus."""
    gone = (
        dropped.groupby(KEYS).size()
        if dropped is not None and len(dropped)
        else pd.Series(dtype=int)
    )
    at_split = pd.MultiIndex.from_frame(counts[KEYS].astype({"split": str}))
    return gone.reindex(at_split).fillna(0).astype(int).to_numpy()
