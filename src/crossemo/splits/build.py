"""Rule ``make_split``: the split table of an experiment, built fold by fold (protocol, then
sentence-disjointness, then dev), audited, and written; any leak fails the rule.

Recordings that sit twice in the data (:mod:`crossemo.splits.duplicates`) fail the split when they
straddle test and training (:func:`make_split`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from crossemo.splits.audit import audit
from crossemo.splits.dev import add_dev
from crossemo.splits.emobox import (
    UNLISTED,
    emobox_splits,
    log_unmatched,
    match_entries,
    read_entries,
    unmatched_counts,
)
from crossemo.splits.experiment import EMOBOX_PROTOCOLS, Experiment, SplitError
from crossemo.splits.io import (
    SPLIT_COLUMNS,
    read_labelled,
    read_locations,
    read_sentences,
    write_split,
)
from crossemo.splits.leakage import check_duplicates, recording_leaks
from crossemo.splits.protocols import assign_folds
from crossemo.splits.sentences import disjoint_sentences

log = logging.getLogger(__name__)


def build_split(
    labelled: pd.DataFrame,
    exp: Experiment,
    dropped: list[pd.DataFrame] | None = None,
    matched: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The long split table (one row per utterance and fold) of ``exp``; rows that
    sentence-disjointness removes from a fold
    (:func:`~crossemo.splits.sentences.disjoint_sentences`) are not in it, and are appended to
    ``dropped`` (``utt_id``, ``corpus``, ``fold``, ``split``: where they would have been) when
    it is given. EmoBox's protocols take each fold's parts from ``matched``
    (:func:`crossemo.splits.emobox.match_entries`); rows EmoBox does not list are left out, and
    a fold with EmoBox's ``valid`` part has it as dev instead of a drawn one."""
    corpora = set(exp.train) | set(exp.test)
    pool = labelled[labelled["corpus"].isin(corpora)].sort_values("utt_id").reset_index(drop=True)
    if exp.protocol in EMOBOX_PROTOCOLS:
        folds = emobox_splits(pool, exp, matched)
    else:
        folds = assign_folds(pool, exp)
    frames = []
    for fold, split in enumerate(folds):
        kept = disjoint_sentences(pool, split, exp, fold) != "drop"
        if dropped is not None:
            gone = pool.loc[~kept, ["utt_id", "corpus"]].assign(fold=fold, split=split[~kept])
            dropped.append(gone)
        kept &= split != UNLISTED
        part = pool[kept]
        split = split[kept]
        if not (split == "dev").any():
            split = add_dev(part, split, exp, fold)
        frame = part[["utt_id", "corpus", "group", "speaker", "label"]].copy()
        frame["fold"] = fold
        frame["split"] = split.to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[SPLIT_COLUMNS]


def check_folds(split: pd.DataFrame, exp: Experiment, name: str) -> None:
    """Raise :class:`SplitError` on a fold of ``exp`` without test or without train rows."""
    for fold in range(exp.n_folds):
        if not (split.loc[split["fold"] == fold, "split"] == "test").any():
            raise SplitError(f"{name} fold {fold}: empty test split")
        if not (split.loc[split["fold"] == fold, "split"] == "train").any():
            raise SplitError(f"{name} fold {fold}: empty train split")


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
    labelled = read_labelled(label_paths)
    sentences = read_sentences(list(manifest_paths))
    labelled["sentence"] = labelled["utt_id"].map(sentences)
    if "sentence" in exp.disjoint and labelled["sentence"].isna().all():
        log.warning("%s: disjoint lists sentence but no corpus of it has sentence ids", name)
    dropped: list[pd.DataFrame] = []
    matched = emobox_matches(exp, manifest_paths) if exp.protocol in EMOBOX_PROTOCOLS else None
    split = build_split(labelled, exp, dropped, matched)
    leaks = None
    if print_paths is not None and exp.protocol in EMOBOX_PROTOCOLS:
        leaks = recording_leaks(split, print_paths)  # reported by the audit, not a failure
    elif print_paths is not None:
        check_duplicates(split, print_paths, name)
    gone = pd.concat(dropped, ignore_index=True) if dropped else None
    counts = None if matched is None else unmatched_counts(matched, split, labelled, exp)
    table = audit(split, exp, list(scheme.classes), sentences, gone, leaks, counts)
    check_folds(split, exp, name)
    write_split(split, table, output, audit_output)
    log.info("%s: %d rows over %d folds; %s\n%s", name, len(split), exp.n_folds,
             "EmoBox's assignment kept" if matched is not None else "no group crosses splits",
             table.to_string(index=False))  # fmt: skip
    return split


def emobox_matches(exp: Experiment, manifest_paths: list[str | Path]) -> pd.DataFrame:
    """EmoBox's entries of ``exp`` matched to the utterances of their corpus's manifest
    (:func:`crossemo.splits.emobox.match_entries`), corpus by corpus; the unmatched ones
    logged."""
    entries = read_entries(exp)
    matched = pd.concat([match_entries(entries[entries["corpus"] == corpus],
                                       read_locations(manifest_paths, corpus))
                         for corpus in exp.emobox_corpora], ignore_index=True)  # fmt: skip
    log_unmatched(matched, exp.name)
    return matched
