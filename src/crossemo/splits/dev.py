"""The dev set of each fold: ``dev_fraction`` of its training rows, drawn from every training
corpus for model selection, and how each corpus's dev part was drawn (for the leak check and
the audit).

Group-disjoint (``dev_unit: group``; a corpus with too few groups gives utterances instead, with
a warning) or label-stratified by utterance (``dev_unit: utterance``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from crossemo.splits.experiment import Experiment
from crossemo.splits.sampling import natural_key, rng, stratified_utterances

log = logging.getLogger(__name__)


def dev_groups_taken(n_groups: int, fraction: float) -> int:
    """Groups a corpus with ``n_groups`` training groups gives to dev when drawn by group.

    ``round(fraction * n_groups)``, at least one; ``0`` when that would leave no training group
    (or ``fraction`` is 0): the corpus then gives utterances instead (:func:`dev_draw_unit`).
    """
    if fraction <= 0:
        return 0
    taken = max(1, int(round(fraction * n_groups)))
    return taken if taken < n_groups else 0


def dev_draw_unit(n_groups: int, exp: Experiment) -> str:
    """How a training corpus with ``n_groups`` groups gives its dev part: ``group`` (group-disjoint
    from train) or ``utterance`` (``dev_unit: utterance``, or too few groups); ``none`` when
    ``dev_fraction`` is 0."""
    if exp.dev_fraction <= 0:
        return "none"
    if exp.dev_unit == "utterance" or not dev_groups_taken(n_groups, exp.dev_fraction):
        return "utterance"
    return "group"


def dev_utterances_taken(n_rows: int, fraction: float) -> int:
    """Utterances a corpus drawn by utterance gives to dev: ``round(fraction * n_rows)``, at least
    one, always leaving one for training (so 0 for a single utterance)."""
    if fraction <= 0 or n_rows < 2:
        return 0
    return min(max(1, int(round(fraction * n_rows))), n_rows - 1)


def _utterances(part: pd.DataFrame, n: int, generator: np.random.Generator) -> set[str]:
    """``n`` label-stratified utterance ids of ``part`` (one corpus)."""
    return stratified_utterances(part, n / len(part), generator, ["label"]) if n else set()


def add_dev(pool: pd.DataFrame, split: pd.Series, exp: Experiment, fold: int) -> pd.Series:
    """Move ``dev_fraction`` of the fold's training rows to ``dev``, from every training corpus.

    With ``dev_unit: group`` each corpus gives ``round(dev_fraction * groups)`` of its training
    groups (at least one) when that leaves it a training group, so dev and train share no group
    there; a corpus with too few groups (one; or a large ``dev_fraction``) gives that share of
    its utterances instead, stratified by label, with a warning (dev and train then share its
    groups). ``dev_unit: utterance`` draws label-stratified utterances of each corpus. A corpus
    with a single training utterance gives none, with a warning.
    :func:`crossemo.splits.audit.audit` says per corpus how its dev part was drawn.
    """
    split = split.copy()
    if exp.dev_fraction <= 0:
        return split
    train = pool[split == "train"]
    if exp.dev_unit == "utterance":
        ids = stratified_utterances(
            train, exp.dev_fraction, rng(exp.seed, "dev", fold), ["corpus", "label"]
        )
    else:
        ids = set()
    chosen: set[str] = set()
    for corpus in sorted(train["corpus"].unique()):
        part = train[train["corpus"] == corpus]
        groups = sorted(part["group"].unique(), key=natural_key)
        if dev_draw_unit(len(groups), exp) == "group":
            order = [groups[i] for i in rng(exp.seed, "dev", fold, corpus).permutation(len(groups))]
            chosen.update(order[: dev_groups_taken(len(groups), exp.dev_fraction)])
        elif not (exp.dev_unit == "utterance" and part["utt_id"].isin(ids).any()):
            # else the pooled corpus x label draw reached this corpus
            ids |= _corpus_utterances(part, len(groups), exp, fold, corpus)
    dev = train["group"].isin(chosen) | train["utt_id"].isin(ids)
    split[train.index[dev]] = "dev"
    return split


def _corpus_utterances(
    part: pd.DataFrame, n_groups: int, exp: Experiment, fold: int, corpus: str
) -> set[str]:
    """The dev utterances one training corpus gives on its own (too few groups, or its share of
    the pooled ``dev_unit: utterance`` draw rounded to none), logged; none, with a warning, when
    it has a single utterance."""
    where = f"{exp.name} fold {fold}: training corpus {corpus}"
    n = dev_utterances_taken(len(part), exp.dev_fraction)
    if not n:
        log.warning("%s has %d utterance(s): it gives no dev rows", where, len(part))
        return set()
    ids = _utterances(part, n, rng(exp.seed, "dev-utterance", fold, corpus))
    if exp.dev_unit == "utterance":
        log.info("%s: dev_fraction rounds to no utterance; %d taken", where, n)
    else:
        log.warning(
            "%s has %d training group(s), too few to give dev a whole group and keep one for "
            "training: its dev part is %d of its %d utterances, drawn by utterance "
            "(stratified by label), so dev and train share its groups",
            where, n_groups, n, len(part),
        )  # fmt: skip
    return ids


def dev_draws(split: pd.DataFrame, exp: Experiment) -> pd.DataFrame:
    """Per fold and training corpus, how :func:`add_dev` drew its dev part (its rule applied to
    the corpus's train + dev rows): columns ``fold``, ``corpus``, ``unit`` (``group``,
    ``utterance`` or ``none``) and ``dev_drawn`` (the audit's words, with the counts)."""
    rows = []
    training = split[split["split"].isin(["train", "dev"])]
    for (fold, corpus), part in training.groupby(["fold", "corpus"], sort=True):
        n_groups = part["group"].nunique()
        dev = part[part["split"] == "dev"]
        unit = dev_draw_unit(n_groups, exp)
        if unit == "group":
            text = f"by group: {dev['group'].nunique()} of {n_groups} groups"
        elif unit == "utterance" and len(dev):
            text = f"by utterance: {len(dev)} of {len(part)} utterances"
        elif unit == "utterance":
            unit, text = "none", f"none: {len(part)} utterance(s), too few for dev"
        else:
            text = "none: dev_fraction 0"
        rows.append({"fold": fold, "corpus": corpus, "unit": unit, "dev_drawn": text})
    return pd.DataFrame(rows, columns=["fold", "corpus", "unit", "dev_drawn"])
