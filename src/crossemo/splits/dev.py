"""The dev set of each fold: ``dev_fraction`` of its training rows, drawn from every training
corpus for model selection, and how each corpus's dev part was drawn (for the leak check, the
audit and the console).

``dev_unit: group`` draws whole groups (speakers, sessions, videos) where that comes close to the
asked fraction: a corpus gives ``round(dev_fraction * groups)`` of its training groups (at least
one, in a seeded order) when that leaves it a training group and their utterances are within
``dev_tolerance`` of ``dev_fraction`` of its training utterances. Otherwise (one group; or, like
TESS's two speakers, a group is far more than the fraction) it gives label-stratified utterances
instead, dev and train then share its groups, and the log, the audit and the console say so.
``dev_unit: utterance`` draws label-stratified utterances of every corpus.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossemo.splits.experiment import Experiment
from crossemo.splits.sampling import natural_key, rng, stratified_utterances

log = logging.getLogger(__name__)

#: slack on the tolerance comparison (a share exactly ``dev_tolerance`` away is within it)
_EPS = 1e-9


def dev_groups_taken(n_groups: int, fraction: float) -> int:
    """Groups a corpus with ``n_groups`` training groups gives to dev when drawn by group.

    ``round(fraction * n_groups)``, at least one; ``0`` when that would leave no training group
    (or ``fraction`` is 0): the corpus then gives utterances instead (:func:`corpus_draw`).
    """
    if fraction <= 0:
        return 0
    taken = max(1, int(round(fraction * n_groups)))
    return taken if taken < n_groups else 0


def dev_utterances_taken(n_rows: int, fraction: float) -> int:
    """Utterances a corpus drawn by utterance gives to dev: ``round(fraction * n_rows)``, at least
    one, always leaving one for training (so 0 for a single utterance)."""
    if fraction <= 0 or n_rows < 2:
        return 0
    return min(max(1, int(round(fraction * n_rows))), n_rows - 1)


@dataclass(frozen=True)
class CorpusDraw:
    """How one training corpus of a fold gives its dev part.

    ``unit``: ``group``, ``utterance`` or ``none``; ``groups``: the dev groups of a draw by group
    (else those a draw by group would have taken); ``group_share``: their share of the corpus's
    training utterances; ``fallback``: why a ``dev_unit: group`` corpus gives utterances (empty
    otherwise).
    """

    unit: str
    n_groups: int
    groups: tuple[str, ...] = ()
    group_share: float = 0.0
    fallback: str = ""


def corpus_draw(part: pd.DataFrame, exp: Experiment, fold: int, corpus: str) -> CorpusDraw:
    """The draw of training corpus ``corpus`` (its training rows before dev, ``part``): the rule
    of the module docstring. Depends on the groups' sizes, the seed and the fold only, never on
    the row order, so the audit recomputes it from the split table."""
    groups = sorted(part["group"].unique(), key=natural_key)
    n = len(groups)
    if exp.dev_fraction <= 0:
        return CorpusDraw("none", n)
    if exp.dev_unit == "utterance":
        return CorpusDraw("utterance", n)
    taken = dev_groups_taken(n, exp.dev_fraction)
    if not taken:
        return CorpusDraw("utterance", n, fallback=(
            f"{n} training group(s), too few to give dev a whole group and keep one for training"
        ))  # fmt: skip
    order = [groups[i] for i in rng(exp.seed, "dev", fold, corpus).permutation(n)]
    chosen = tuple(order[:taken])
    share = float(part["group"].isin(chosen).mean())
    if abs(share - exp.dev_fraction) > exp.dev_tolerance + _EPS:
        return CorpusDraw("utterance", n, chosen, share, fallback=(
            f"by group it would give {taken} of {n} groups = {share:.1%} of its utterances, "
            f"farther than dev_tolerance {exp.dev_tolerance:g} from dev_fraction "
            f"{exp.dev_fraction:g}"
        ))  # fmt: skip
    return CorpusDraw("group", n, chosen, share)


def _utterances(part: pd.DataFrame, n: int, generator: np.random.Generator) -> set[str]:
    """``n`` label-stratified utterance ids of ``part`` (one corpus)."""
    return stratified_utterances(part, n / len(part), generator, ["label"]) if n else set()


def add_dev(pool: pd.DataFrame, split: pd.Series, exp: Experiment, fold: int) -> pd.Series:
    """Move ``dev_fraction`` of the fold's training rows to ``dev``, from every training corpus,
    each as :func:`corpus_draw` says (by group, else label-stratified utterances with a
    warning). ``dev_unit: utterance`` draws label-stratified utterances over corpus x label. A
    corpus with a single training utterance gives none, with a warning.
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
        draw = corpus_draw(part, exp, fold, corpus)
        if draw.unit == "group":
            chosen.update(draw.groups)
        elif not (exp.dev_unit == "utterance" and part["utt_id"].isin(ids).any()):
            # else the pooled corpus x label draw reached this corpus
            ids |= _corpus_utterances(part, draw, exp, fold, corpus)
    dev = train["group"].isin(chosen) | train["utt_id"].isin(ids)
    split[train.index[dev]] = "dev"
    return split


def _corpus_utterances(
    part: pd.DataFrame, draw: CorpusDraw, exp: Experiment, fold: int, corpus: str
) -> set[str]:
    """The dev utterances one training corpus gives on its own (its group draw fell back, or its
    share of the pooled ``dev_unit: utterance`` draw rounded to none), logged; none, with a
    warning, when it has a single utterance."""
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
            "%s: %s; its dev part is %d of its %d utterances, drawn by utterance (stratified by "
            "label), so dev and train share its groups",
            where, draw.fallback, n, len(part),
        )  # fmt: skip
    return ids


def dev_draws(split: pd.DataFrame, exp: Experiment) -> pd.DataFrame:
    """Per fold and training corpus, how :func:`add_dev` drew its dev part (:func:`corpus_draw`
    of the corpus's train + dev rows): columns ``fold``, ``corpus``, ``unit`` (``group``,
    ``utterance`` or ``none``), ``dev_drawn`` (the audit's words, with the counts and the share)
    and ``dev_fallback`` (why a ``dev_unit: group`` corpus was drawn by utterance; else empty)."""
    rows = []
    training = split[split["split"].isin(["train", "dev"])]
    for (fold, corpus), part in training.groupby(["fold", "corpus"], sort=True):
        draw = corpus_draw(part, exp, int(fold), str(corpus))
        dev = part[part["split"] == "dev"]
        unit, fallback = draw.unit, draw.fallback
        if unit == "group":
            text = (f"by group: {dev['group'].nunique()} of {draw.n_groups} groups, "
                    f"{len(dev) / len(part):.1%} of utterances")  # fmt: skip
        elif unit == "utterance" and len(dev):
            text = f"by utterance: {len(dev)} of {len(part)} utterances"
        elif unit == "utterance":
            unit, fallback = "none", ""
            text = f"none: {len(part)} utterance(s), too few for dev"
        else:
            text = "none: dev_fraction 0"
        rows.append({"fold": fold, "corpus": corpus, "unit": unit, "dev_drawn": text,
                     "dev_fallback": fallback})  # fmt: skip
    return pd.DataFrame(rows, columns=["fold", "corpus", "unit", "dev_drawn", "dev_fallback"])
