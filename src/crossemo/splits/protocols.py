"""The split protocols: per fold, which rows of an experiment are train and which are test.

Every protocol assigns whole *groups* (the manifest's leakage unit: the speaker, IEMOCAP's
session, MOSEI's video) to splits, so no speaker, session or video is on two sides of a fold:

* ``cross_corpus`` -- one fold: train corpora -> train, test-only corpora -> test; a corpus in
  both lists is split by group with ``fractions`` (e.g. MOSEI 80/20) and the seed.
* ``speaker_kfold`` -- k folds over the groups of ``cv_corpora`` (default: every train corpus),
  each fold's test groups gender-balanced where genders are known; other train corpora are
  training-only in every fold (the iberspeech paper's "extended" training).
* ``leave_one_session_out`` -- one fold per group (IEMOCAP: the session) of ``cv_corpora``.
* ``stratified`` -- one fold, ``test_fraction`` of the pooled train corpora with label
  proportions kept; by group (default) or, to reproduce the multimodal paper, by utterance.
* ``corpus_matrix`` -- every train corpus against every other: one fold per training source
  (:func:`crossemo.core.names.matrix_sources`: each corpus of ``train`` alone, then, with
  ``include_loco``, all but one), testing the corpora it does not train on (and any test-only
  corpus).

The dev part of each fold's training rows is drawn afterwards (:mod:`crossemo.splits.dev`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossemo.core.names import CORPUS_MATRIX, matrix_sources
from crossemo.splits.experiment import Experiment, SplitError
from crossemo.splits.sampling import natural_key, rng, stratified_utterances


def group_sizes(df: pd.DataFrame) -> pd.Series:
    """Utterances per group, groups in natural order (the base order before any shuffle)."""
    sizes = df.groupby("group").size()
    return sizes.loc[sorted(sizes.index, key=natural_key)]


def fraction_split(df: pd.DataFrame, fraction: float, generator: np.random.Generator) -> set[str]:
    """Groups (shuffled) taken until they hold ``fraction`` of the utterances; never all of them.

    A group is taken when the utterances before it fall short of the target, so the share
    overshoots by less than one group. With two or more groups, at least one stays out.
    """
    sizes = group_sizes(df)
    if fraction <= 0 or sizes.empty:
        return set()
    order = sizes.index[generator.permutation(len(sizes))]
    before = sizes.loc[order].cumsum() - sizes.loc[order]
    taken = list(order[(before < fraction * sizes.sum()).to_numpy()])
    if len(taken) == len(order) and len(order) > 1:
        taken = taken[:-1]
    return set(taken)


def group_genders(df: pd.DataFrame) -> pd.Series:
    """Gender of each group: its utterances' one gender, else ``mixed`` (or ``unknown``)."""

    def one(genders: pd.Series) -> str:
        known = set(genders) - {"unknown"}
        if len(known) == 1 and "unknown" not in set(genders):
            return known.pop()
        return "mixed" if len(known) > 1 else "unknown"

    return df.groupby("group")["gender"].agg(one)


def kfold_groups(df: pd.DataFrame, k: int, seed: int) -> dict[str, int]:
    """Group -> fold: round-robin within each gender (so test folds are gender-balanced).

    Corpora are dealt one after the other and genders within a corpus female, male, mixed,
    unknown, each shuffled with the seed; one running counter keeps fold sizes even.
    """
    assignment: dict[str, int] = {}
    counter = 0
    for corpus in sorted(df["corpus"].unique()):
        part = df[df["corpus"] == corpus]
        genders = group_genders(part)
        for gender in ("female", "male", "mixed", "unknown"):
            groups = sorted(genders.index[genders == gender], key=natural_key)
            order = rng(seed, "kfold", corpus, gender).permutation(len(groups))
            for i in order:
                assignment[groups[i]] = counter % k
                counter += 1
    return assignment


def stratified_groups(
    df: pd.DataFrame, fraction: float, generator: np.random.Generator
) -> set[str]:
    """Groups for a ``fraction`` test share keeping label proportions (greedy, largest first)."""
    counts = df.groupby(["group", "label"]).size().unstack(fill_value=0)
    counts = counts.loc[sorted(counts.index, key=natural_key)]
    counts = counts.iloc[generator.permutation(len(counts))]
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    totals = counts.sum(axis=0).to_numpy(dtype=float)
    test = np.zeros_like(totals)
    rest = np.zeros_like(totals)
    chosen: set[str] = set()
    for group, row in counts.iterrows():
        values = row.to_numpy(dtype=float)
        cost_test = _deviation(test + values, totals, fraction)
        cost_rest = _deviation(rest + values, totals, 1 - fraction)
        if cost_test < cost_rest:
            test += values
            chosen.add(group)
        else:
            rest += values
    if len(chosen) == len(counts) and len(counts) > 1:
        chosen.discard(next(iter(sorted(chosen, key=natural_key))))
    return chosen


def _deviation(part: np.ndarray, totals: np.ndarray, share: float) -> float:
    """How far ``part`` exceeds its ``share`` of each label (only overshoot costs)."""
    return float(np.clip(part / np.maximum(totals, 1) - share, 0, None).sum())


def assign_folds(pool: pd.DataFrame, exp: Experiment) -> list[pd.Series]:
    """Per fold, the split (``train``/``test``) of every row of ``pool``, before dev."""
    if exp.protocol == "cross_corpus":
        return [_cross_corpus(pool, exp)]
    if exp.protocol == CORPUS_MATRIX:
        return [_train_or_test(pool, source)
                for source in matrix_sources(exp.train, exp.include_loco)]  # fmt: skip
    if exp.protocol == "stratified":
        return [_stratified(pool, exp)]
    return _group_folds(pool, exp)


def _train_or_test(pool: pd.DataFrame, corpora) -> pd.Series:
    """``train`` for the rows of ``corpora``, ``test`` for the others."""
    return pd.Series(np.where(pool["corpus"].isin(corpora), "train", "test"), index=pool.index)


def _cross_corpus(pool: pd.DataFrame, exp: Experiment) -> pd.Series:
    """Train corpora train, the others test; a corpus in both split by group (``fractions``)."""
    split = _train_or_test(pool, exp.train)
    for corpus, frac in exp.fractions.items():
        part = pool[pool["corpus"] == corpus]
        test_groups = fraction_split(part, frac["test"], rng(exp.seed, "fraction", corpus))
        split[part.index] = np.where(part["group"].isin(test_groups), "test", "train")
    return split


def _stratified(pool: pd.DataFrame, exp: Experiment) -> pd.Series:
    """``test_fraction`` of each ``cv_corpora`` corpus to test, label proportions kept: pooled
    utterances (``split_unit: utterance``) or groups of each corpus."""
    split = _train_or_test(pool, exp.train)
    part = pool[pool["corpus"].isin(exp.cv_corpora)]
    if exp.split_unit == "utterance":
        ids = stratified_utterances(
            part, exp.test_fraction, rng(exp.seed, "stratified"), ["corpus", "label"]
        )
        split[part.index[part["utt_id"].isin(ids)]] = "test"
        return split
    for corpus in sorted(part["corpus"].unique()):
        sub = part[part["corpus"] == corpus]
        groups = stratified_groups(sub, exp.test_fraction, rng(exp.seed, "strat", corpus))
        split[sub.index[sub["group"].isin(groups)]] = "test"
    return split


def _group_folds(pool: pd.DataFrame, exp: Experiment) -> list[pd.Series]:
    """``speaker_kfold`` and ``leave_one_session_out``: fold k tests the ``cv_corpora`` groups
    dealt to it (:func:`fold_of_group`); the other train corpora train in every fold."""
    cv = pool["corpus"].isin(exp.cv_corpora)
    group_fold = pool["group"].map(fold_of_group(pool[cv], exp))
    splits = []
    for k in range(exp.folds):
        split = _train_or_test(pool, exp.train)
        split[cv & (group_fold == k)] = "test"
        splits.append(split)
    return splits


def fold_of_group(cv_rows: pd.DataFrame, exp: Experiment) -> dict[str, int]:
    """Group -> fold of the rows whose groups rotate through test: one session per fold in
    natural order (``leave_one_session_out``) or :func:`kfold_groups`. Raises
    :class:`SplitError` when the sessions or groups do not match ``folds``."""
    if exp.protocol == "leave_one_session_out":
        sessions = sorted(cv_rows["group"].unique(), key=natural_key)
        if len(sessions) != exp.folds:
            raise SplitError(
                f"{exp.name}: leave_one_session_out over {list(exp.cv_corpora)} found "
                f"{len(sessions)} sessions ({', '.join(sessions)}) but folds = {exp.folds}"
            )
        return {s: i for i, s in enumerate(sessions)}
    fold_of = kfold_groups(cv_rows, exp.folds, exp.seed)
    if len(fold_of) < exp.folds:
        raise SplitError(
            f"{exp.name}: {len(fold_of)} groups in {list(exp.cv_corpora)}, fewer than "
            f"folds = {exp.folds}"
        )
    return fold_of
