"""Leakage-proof splits of an experiment (``experiments:`` in the config).

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
  (:func:`crossemo.names.matrix_sources`: each corpus of ``train`` alone, then, with
  ``include_loco``, all but one), testing the corpora it does not train on (and any test-only
  corpus).

A dev split for model selection is then taken from every training corpus of each fold:
group-disjoint (``dev_unit: group``; a corpus with too few groups gives utterances instead, with
a warning) or label-stratified by utterance; the audit says per corpus how it was drawn.
:func:`audit` checks the result and raises :class:`SplitLeakError` naming the offending group
when a group is in two splits of a fold or a test-only corpus reaches training.

Speakers are not the only leak in acted corpora: their speakers read the same sentences
(manifest column ``sentence``, ids compared within one corpus only). With ``disjoint: [speaker,
sentence]`` each fold's test set also holds only some sentences of each corpus that has rows on
both sides (:func:`disjoint_sentences`): the corpus's sentences are shuffled once with the seed and
each fold takes a window of them (``ceil(test share x sentences)``, at least one, never all;
windows spread over the folds), test rows of other sentences and training rows of the window's
sentences are dropped from that fold (the audit's ``sentence_dropped`` counts them per split).
Rows without a sentence id are kept. Whatever the option, the audit's ``sentence_seen`` counts
per fold and corpus the test utterances whose sentence is also in train or dev. Recordings that
sit twice in the data (:mod:`crossemo.duplicates`) fail the split when they straddle test and
training (:func:`make_split`).
"""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.names import CORPUS_MATRIX, matrix_sources, n_folds
from crossemo.safe_text import write_csv
from crossemo.schemas import read_table, write_table

log = logging.getLogger(__name__)

PROTOCOLS = ("cross_corpus", "speaker_kfold", "leave_one_session_out", "stratified",
             CORPUS_MATRIX)  # fmt: skip
SPLITS = ("train", "dev", "test")
#: what ``disjoint`` may list; ``speaker`` (the manifest's group) is always kept apart
DISJOINT = ("speaker", "sentence")


class Split(pa.DataFrameModel):
    """One row per (utterance, fold) of an experiment (``results/splits/{experiment}.parquet``)."""

    utt_id: Series[str]
    corpus: Series[str]
    group: Series[str]
    speaker: Series[str]
    label: Series[str]
    fold: Series[int] = pa.Field(ge=0)
    split: Series[str] = pa.Field(isin=list(SPLITS))

    class Config:
        strict = True
        coerce = True
        unique = ["utt_id", "fold"]


SPLIT_COLUMNS = list(Split.to_schema().columns)


class SplitError(ValueError):
    """An experiment that cannot be split as configured."""


class SplitLeakError(SplitError):
    """A group in two splits of a fold, or a test-only corpus in training."""


@dataclass(frozen=True)
class Experiment:
    """The split-relevant part of an ``experiments:`` entry, defaults filled in."""

    name: str
    scheme: str
    protocol: str
    train: tuple[str, ...]
    test: tuple[str, ...] = ()
    fractions: dict[str, dict[str, float]] = field(default_factory=dict)
    folds: int = 5
    cv_corpora: tuple[str, ...] = ()
    test_fraction: float = 0.2
    split_unit: str = "group"
    dev_fraction: float = 0.1
    dev_unit: str = "group"
    disjoint: tuple[str, ...] = ("speaker",)
    include_loco: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise SplitError(f"{self.name}: unknown protocol {self.protocol!r}")
        both = set(self.train) & set(self.test)
        if self.protocol == "cross_corpus":
            if both - set(self.fractions):
                raise SplitError(
                    f"{self.name}: {sorted(both - set(self.fractions))} are in train and test "
                    "but have no `fractions` entry"
                )
        elif both:
            raise SplitError(f"{self.name}: {sorted(both)} in train and test ({self.protocol})")
        for corpus, frac in self.fractions.items():
            if corpus not in both:
                raise SplitError(f"{self.name}: fractions of {corpus} need it in train and test")
            if not np.isclose(frac["train"] + frac["test"], 1.0):
                raise SplitError(f"{self.name}: fractions of {corpus} must sum to 1, got {frac}")
        if set(self.cv_corpora) - set(self.train):
            raise SplitError(f"{self.name}: cv_corpora must be train corpora")
        if "speaker" not in self.disjoint or set(self.disjoint) - set(DISJOINT):
            raise SplitError(
                f"{self.name}: disjoint {list(self.disjoint)} must list speaker and may add "
                "sentence"
            )
        if self.protocol == CORPUS_MATRIX and len(set(self.train)) < 2:
            raise SplitError(f"{self.name}: a corpus matrix needs two or more train corpora")

    @classmethod
    def from_config(cls, name: str, cfg: dict) -> Experiment:
        """The experiment of config entry ``cfg``: every field read from its key (absent or
        null: the field's default; ``cv_corpora`` defaults to the train corpora), converted by
        the field's type. A field added to this class is read from the config with nothing
        else to edit (and is a split key of crossemo.plan)."""
        values = {}
        for f in fields(cls):
            if f.name != "name" and cfg.get(f.name) is not None:
                values[f.name] = _convert(getattr(f.type, "__name__", str(f.type)), cfg[f.name])
        values["cv_corpora"] = values.get("cv_corpora") or tuple(cfg["train"])
        return cls(name=name, **values)

    @property
    def test_only(self) -> tuple[str, ...]:
        """Corpora never allowed in training."""
        return tuple(c for c in self.test if c not in self.train)

    @property
    def n_folds(self) -> int:
        return n_folds(self.protocol, self.folds, self.train, self.include_loco)


def _convert(annotation: str, value: object) -> object:
    """A config value as the dataclass field annotated ``annotation`` holds it."""
    if annotation.startswith("tuple"):
        return tuple(value)
    if annotation.startswith("dict"):
        return {k: dict(v) if isinstance(v, dict) else v for k, v in dict(value).items()}
    converters = {"int": int, "float": float, "str": str}
    return converters.get(annotation, lambda v: v)(value)


def rng(seed: int, *keys: object) -> np.random.Generator:
    """A generator fixed by ``seed`` and the keys (same inputs, same draws, in any order)."""
    return np.random.default_rng([seed, *(zlib.crc32(str(k).encode()) for k in keys)])


def natural_key(text: str) -> list:
    """Sort key: ``Session10`` after ``Session9``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


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


def stratified_utterances(
    df: pd.DataFrame, fraction: float, generator: np.random.Generator, keys: list[str]
) -> set[str]:
    """``round(fraction * n)`` utterance ids, shared out over the strata (``keys``) in proportion
    (largest remainders, so small strata do not round the total away), chosen at random."""
    parts = [part for _, part in df.sort_values("utt_id").groupby(keys, sort=True)]
    if not parts:
        return set()
    exact = np.array([fraction * len(p) for p in parts])
    quota = np.floor(exact).astype(int)
    extra = int(round(fraction * len(df))) - quota.sum()
    if extra > 0:
        order = np.lexsort((generator.random(len(parts)), -(exact - quota)))
        quota[order[:extra]] += 1
    chosen: set[str] = set()
    for part, n in zip(parts, quota, strict=True):
        if n:
            chosen.update(part["utt_id"].to_numpy()[generator.permutation(len(part))[:n]])
    return chosen


def assign_folds(pool: pd.DataFrame, exp: Experiment) -> list[pd.Series]:
    """Per fold, the split (``train``/``test``) of every row of ``pool``, before dev."""
    splits = []
    train_pool = pool["corpus"].isin(exp.train)
    if exp.protocol == "cross_corpus":
        split = pd.Series(np.where(train_pool, "train", "test"), index=pool.index)
        for corpus, frac in exp.fractions.items():
            part = pool[pool["corpus"] == corpus]
            test_groups = fraction_split(part, frac["test"], rng(exp.seed, "fraction", corpus))
            split[part.index] = np.where(part["group"].isin(test_groups), "test", "train")
        return [split]
    if exp.protocol == CORPUS_MATRIX:
        return [
            pd.Series(np.where(pool["corpus"].isin(source), "train", "test"), index=pool.index)
            for source in matrix_sources(exp.train, exp.include_loco)
        ]
    cv = pool["corpus"].isin(exp.cv_corpora)
    base = np.where(train_pool, "train", "test")
    if exp.protocol == "stratified":
        split = pd.Series(base, index=pool.index)
        part = pool[cv]
        if exp.split_unit == "utterance":
            ids = stratified_utterances(
                part, exp.test_fraction, rng(exp.seed, "stratified"), ["corpus", "label"]
            )
            split[part.index[part["utt_id"].isin(ids)]] = "test"
        else:
            for corpus in sorted(part["corpus"].unique()):
                sub = part[part["corpus"] == corpus]
                groups = stratified_groups(sub, exp.test_fraction, rng(exp.seed, "strat", corpus))
                split[sub.index[sub["group"].isin(groups)]] = "test"
        return [split]
    if exp.protocol == "leave_one_session_out":
        sessions = sorted(pool.loc[cv, "group"].unique(), key=natural_key)
        if len(sessions) != exp.folds:
            raise SplitError(
                f"{exp.name}: leave_one_session_out over {list(exp.cv_corpora)} found "
                f"{len(sessions)} sessions ({', '.join(sessions)}) but folds = {exp.folds}"
            )
        fold_of = {s: i for i, s in enumerate(sessions)}
    else:
        fold_of = kfold_groups(pool[cv], exp.folds, exp.seed)
        if len(fold_of) < exp.folds:
            raise SplitError(
                f"{exp.name}: {len(fold_of)} groups in {list(exp.cv_corpora)}, fewer than "
                f"folds = {exp.folds}"
            )
    group_fold = pool["group"].map(fold_of)
    for k in range(exp.folds):
        split = pd.Series(base, index=pool.index)
        split[cv & (group_fold == k)] = "test"
        splits.append(split)
    return splits


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
    with a single training utterance gives none, with a warning. :func:`audit` says per corpus
    how its dev part was drawn.
    """
    split = split.copy()
    if exp.dev_fraction <= 0:
        return split
    train = pool[split == "train"]
    fraction = exp.dev_fraction
    if exp.dev_unit == "utterance":
        ids = stratified_utterances(
            train, fraction, rng(exp.seed, "dev", fold), ["corpus", "label"]
        )
    else:
        ids = set()
    chosen: set[str] = set()
    for corpus in sorted(train["corpus"].unique()):
        part = train[train["corpus"] == corpus]
        groups = sorted(part["group"].unique(), key=natural_key)
        where = f"{exp.name} fold {fold}: training corpus {corpus}"
        if dev_draw_unit(len(groups), exp) == "group":
            order = [groups[i] for i in rng(exp.seed, "dev", fold, corpus).permutation(len(groups))]
            chosen.update(order[: dev_groups_taken(len(groups), fraction)])
            continue
        if exp.dev_unit == "utterance" and part["utt_id"].isin(ids).any():
            continue  # the pooled corpus x label draw reached this corpus
        n = dev_utterances_taken(len(part), fraction)
        if not n:
            log.warning("%s has %d utterance(s): it gives no dev rows", where, len(part))
            continue
        ids |= _utterances(part, n, rng(exp.seed, "dev-utterance", fold, corpus))
        if exp.dev_unit == "utterance":
            log.info("%s: dev_fraction rounds to no utterance; %d taken", where, n)
        else:
            log.warning(
                "%s has %d training group(s), too few to give dev a whole group and keep one for "
                "training: its dev part is %d of its %d utterances, drawn by utterance "
                "(stratified by label), so dev and train share its groups",
                where, len(groups), n, len(part),
            )  # fmt: skip
    dev = train["group"].isin(chosen) | train["utt_id"].isin(ids)
    split[train.index[dev]] = "dev"
    return split


def sentence_window(ids: list[str], n_test: int, fold: int, n_folds: int, order: list[int]) -> set:
    """The ``n_test`` sentences of ``ids`` (shuffled by ``order``) tested in ``fold``: a window
    starting at ``fold * len(ids) // n_folds``, wrapping, so the folds' windows cover the ids."""
    start = fold * len(ids) // n_folds
    return {ids[order[(start + i) % len(ids)]] for i in range(n_test)}


def disjoint_sentences(
    pool: pd.DataFrame, split: pd.Series, exp: Experiment, fold: int
) -> pd.Series:
    """``split`` of one fold with ``drop`` for the rows sentence-disjointness removes (a copy).

    Without ``sentence`` in ``exp.disjoint`` nothing is dropped. Otherwise, per corpus with
    sentence ids on both train and test rows: ``ceil(share x sentences)`` of its sentences (share:
    its test rows among its rows with a sentence; at least one, never all) are the fold's test
    sentences (:func:`sentence_window`); its test rows of other sentences and its training rows of
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
        if len(ids) < 2:
            raise SplitError(
                f"{where}: disjoint sentence cannot be met, every utterance in train and test "
                f"has the one sentence {ids[0]!r}"
            )
        share = test.sum() / (test.sum() + train.sum())
        n_test = min(max(1, int(np.ceil(share * len(ids)))), len(ids) - 1)
        order = list(rng(exp.seed, "sentence", corpus).permutation(len(ids)))
        chosen = sentence_window(ids, n_test, fold, exp.n_folds, order)
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


def build_split(
    labelled: pd.DataFrame, exp: Experiment, dropped: list[pd.DataFrame] | None = None
) -> pd.DataFrame:
    """The long split table (one row per utterance and fold) of ``exp``; rows that
    sentence-disjointness removes from a fold (:func:`disjoint_sentences`) are not in it, and are
    appended to ``dropped`` (``utt_id``, ``corpus``, ``fold``, ``split``: where they would have
    been) when it is given."""
    corpora = set(exp.train) | set(exp.test)
    pool = labelled[labelled["corpus"].isin(corpora)].sort_values("utt_id").reset_index(drop=True)
    frames = []
    for fold, split in enumerate(assign_folds(pool, exp)):
        kept = disjoint_sentences(pool, split, exp, fold) != "drop"
        if dropped is not None:
            gone = pool.loc[~kept, ["utt_id", "corpus"]].assign(fold=fold, split=split[~kept])
            dropped.append(gone)
        part = pool[kept]
        split = add_dev(part, split[kept], exp, fold)
        frame = part[["utt_id", "corpus", "group", "speaker", "label"]].copy()
        frame["fold"] = fold
        frame["split"] = split.to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[SPLIT_COLUMNS]


def sentence_seen(split: pd.DataFrame, sentences: pd.Series) -> pd.Series:
    """Per (fold, corpus): test utterances whose sentence (``sentences``: utt_id -> id) is also
    the sentence of a train or dev utterance of the same corpus in that fold."""
    frame = split.assign(sentence=split["utt_id"].map(sentences)).dropna(subset=["sentence"])
    keys = ["fold", "corpus", "sentence"]
    trained = frame.loc[frame["split"].isin(["train", "dev"]), keys].drop_duplicates()
    test = frame[frame["split"] == "test"].merge(trained, on=keys)
    return test.groupby(["fold", "corpus"]).size()


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


def check_leaks(split: pd.DataFrame, exp: Experiment) -> None:
    """Raise :class:`SplitLeakError` on a group in two splits of a fold or a test-only corpus
    in training (and on an utterance twice in a fold). Train and dev may share the groups of a
    corpus whose dev part was drawn by utterance (:func:`dev_draws`)."""
    dup = split[split.duplicated(["utt_id", "fold"], keep=False)]
    if len(dup):
        row = dup.iloc[0]
        raise SplitLeakError(f"{exp.name} fold {row.fold}: utterance {row.utt_id} appears twice")
    leaked = split[split["corpus"].isin(exp.test_only) & split["split"].isin(["train", "dev"])]
    if len(leaked):
        row = leaked.iloc[0]
        raise SplitLeakError(
            f"{exp.name} fold {row.fold}: test-only corpus {row.corpus} is in {row.split} "
            f"(group {row.group}, {len(leaked)} rows)"
        )
    pairs = [("train", "test"), ("dev", "test"), ("train", "dev")]
    if exp.protocol == "stratified" and exp.split_unit == "utterance":
        pairs = [p for p in pairs if "test" not in p]  # the paper's split: utterances, not groups
    draws = dev_draws(split, exp)
    by_group = draws[draws["unit"] == "group"]
    for fold, part in split.groupby("fold"):
        groups = {s: set(part.loc[part["split"] == s, "group"]) for s in SPLITS}
        grouped = part[part["corpus"].isin(by_group.loc[by_group["fold"] == fold, "corpus"])]
        for a, b in pairs:
            if (a, b) == ("train", "dev"):  # only where dev was drawn by group
                shared = set(grouped.loc[grouped["split"] == a, "group"])
                shared &= set(grouped.loc[grouped["split"] == b, "group"])
            else:
                shared = groups[a] & groups[b]
            shared = sorted(shared, key=natural_key)
            if shared:
                more = f" and {len(shared) - 1} more" if len(shared) > 1 else ""
                raise SplitLeakError(
                    f"{exp.name} fold {fold}: group {shared[0]} is in both {a} and {b}{more}"
                )


def audit(
    split: pd.DataFrame,
    exp: Experiment,
    classes: list[str],
    sentences: pd.Series | None = None,
    dropped: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Check ``split`` (:func:`check_leaks`) and count it per fold x split x corpus x label.

    Wide like the papers' dataset tables: one row per fold, split and corpus, one column per
    class, then ``total``, ``groups``, ``speakers`` and ``dev_drawn``: on the train and dev rows
    of each training corpus, how its dev part was drawn (:func:`dev_draws`), e.g.
    ``by group: 2 of 24 groups`` or ``by utterance: 140 of 1400 utterances``; empty on test rows.
    Then ``sentence_seen``: on test rows, the test utterances whose sentence (``sentences``:
    utt_id -> the manifest's ``sentence``) a train or dev utterance of the same corpus shares
    (:func:`sentence_seen`; 0 elsewhere), and ``sentence_dropped``: the utterances of the split
    that ``disjoint: [speaker, sentence]`` removed from the fold (``dropped``, from
    :func:`build_split`). With ``sentence`` in ``exp.disjoint`` a seen sentence is a leak.
    """
    seen = sentence_seen(split, sentences if sentences is not None else pd.Series(dtype=str))
    if "sentence" in exp.disjoint and seen.sum():
        (fold, corpus), n = next((k, v) for k, v in seen.items() if v)
        raise SplitLeakError(
            f"{exp.name} fold {fold}: {n} test utterances of {corpus} share a sentence with "
            "training although disjoint lists sentence"
        )
    check_leaks(split, exp)
    keys = ["fold", "split", "corpus"]
    counts = split.groupby([*keys, "label"]).size().unstack("label", fill_value=0)
    counts = counts.reindex(columns=classes, fill_value=0)
    counts["total"] = counts.sum(axis=1)
    counts["groups"] = split.groupby(keys)["group"].nunique()
    counts["speakers"] = split.groupby(keys)["speaker"].nunique()
    counts = counts.reset_index()
    drawn = dev_draws(split, exp).set_index(["fold", "corpus"])["dev_drawn"]
    at = pd.MultiIndex.from_frame(counts[["fold", "corpus"]])
    counts["dev_drawn"] = np.where(
        counts["split"].isin(["train", "dev"]), drawn.reindex(at).fillna("").to_numpy(), ""
    )
    on_test = counts["split"] == "test"
    found = seen.reindex(pd.MultiIndex.from_frame(counts[["fold", "corpus"]])).fillna(0)
    counts["sentence_seen"] = np.where(on_test, found.to_numpy(), 0).astype(int)
    gone = (
        dropped.groupby(keys).size()
        if dropped is not None and len(dropped)
        else pd.Series(dtype=int)
    )
    at_split = pd.MultiIndex.from_frame(counts[keys].astype({"split": str}))
    counts["sentence_dropped"] = gone.reindex(at_split).fillna(0).astype(int).to_numpy()
    counts["split"] = pd.Categorical(counts["split"], categories=list(SPLITS), ordered=True)
    counts = counts.sort_values(keys).reset_index(drop=True)
    counts.columns.name = None
    return counts


def read_sentences(manifest_paths: list[str | Path]) -> pd.Series:
    """utt_id -> ``sentence`` of the manifests (manifests written before the column: none)."""
    import pyarrow.parquet as pq

    frames = []
    for path in manifest_paths:
        if "sentence" in pq.read_schema(path).names:
            frames.append(pd.read_parquet(path, columns=["utt_id", "sentence"]))
    if not frames:
        return pd.Series(dtype=object)
    table = pd.concat(frames, ignore_index=True).dropna(subset=["sentence"])
    return table.set_index("utt_id")["sentence"].astype(str)


def check_duplicates(split: pd.DataFrame, print_paths: list[str | Path], name: str) -> None:
    """Raise :class:`SplitLeakError` naming both utterances when one recording (an exact or near
    duplicate by :mod:`crossemo.duplicates`) is in test and in train or dev of a fold."""
    from crossemo.duplicates import duplicate_leaks, find_duplicates, read_prints

    prints = read_prints(print_paths)
    prints = prints[prints["utt_id"].isin(split["utt_id"])]
    leaks = duplicate_leaks(split, find_duplicates(prints))
    if len(leaks):
        row = leaks.iloc[0]
        more = f" ({len(leaks) - 1} more such pairs)" if len(leaks) > 1 else ""
        raise SplitLeakError(
            f"{name} fold {row.fold}: test utterance {row.test_utt} and {row.train_split} "
            f"utterance {row.train_utt} are one recording ({row.kind} duplicate){more}"
        )


def make_split(
    label_paths: list[str | Path],
    scheme_path: str | Path,
    experiment: dict,
    name: str,
    output: str | Path,
    audit_output: str | Path,
    manifest_paths: list[str | Path] = (),
    print_paths: list[str | Path] | None = None,
) -> pd.DataFrame:
    """Rule make_split: write the split table and its audit; fail on any leak (groups, test-only
    corpora, sentences when ``disjoint`` lists them, and one recording on both sides when
    ``print_paths`` are given)."""
    from crossemo.labels import load_scheme

    scheme = load_scheme(scheme_path, validate_schema=False)
    exp = Experiment.from_config(name, experiment)
    labelled = pd.concat([read_table(p) for p in label_paths], ignore_index=True)
    sentences = read_sentences(list(manifest_paths))
    labelled["sentence"] = labelled["utt_id"].map(sentences)
    if "sentence" in exp.disjoint and labelled["sentence"].isna().all():
        log.warning("%s: disjoint lists sentence but no corpus of it has sentence ids", name)
    dropped: list[pd.DataFrame] = []
    split = build_split(labelled, exp, dropped)
    if print_paths is not None:
        check_duplicates(split, print_paths, name)
    gone = pd.concat(dropped, ignore_index=True) if dropped else None
    table = audit(split, exp, list(scheme.classes), sentences, gone)
    for fold in range(exp.n_folds):
        if not (split.loc[split["fold"] == fold, "split"] == "test").any():
            raise SplitError(f"{name} fold {fold}: empty test split")
        if not (split.loc[split["fold"] == fold, "split"] == "train").any():
            raise SplitError(f"{name} fold {fold}: empty train split")
    write_table(split, output, Split)
    Path(audit_output).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, audit_output, index=False)
    log.info("%s: %d rows over %d folds; no group crosses splits\n%s", name, len(split),
             exp.n_folds, table.to_string(index=False))  # fmt: skip
    return split
