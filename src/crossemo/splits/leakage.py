"""Leak checks of a split table: each raises :class:`~crossemo.splits.experiment.SplitLeakError`
naming the offending group, corpus, sentence or recording.

* :func:`check_leaks` -- a group in two splits of a fold, a test-only corpus in training, an
  utterance twice in a fold;
* :func:`check_sentence_leaks` -- with ``disjoint: [speaker, sentence]``, a test sentence that
  training read;
* :func:`check_duplicates` -- one recording (:mod:`crossemo.splits.duplicates`) in test and
  training.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossemo.splits.dev import dev_draws
from crossemo.splits.experiment import EMOBOX_PROTOCOLS, SPLITS, Experiment, SplitLeakError
from crossemo.splits.sampling import natural_key


def check_leaks(split: pd.DataFrame, exp: Experiment) -> None:
    """Raise :class:`SplitLeakError` on a group in two splits of a fold or a test-only corpus
    in training (and on an utterance twice in a fold). Train and dev may share the groups of a
    corpus whose dev part was drawn by utterance (:func:`crossemo.splits.dev.dev_draws`)."""
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
    check_groups(split, exp)


def check_groups(split: pd.DataFrame, exp: Experiment) -> None:
    """Raise :class:`SplitLeakError` on a group in train and test, dev and test, or train and
    dev (the last only in corpora whose dev part was drawn by group) of a fold. A stratified
    split by utterance (the multimodal paper's) keeps utterances apart, not groups: only train
    and dev are checked there."""
    if exp.protocol in EMOBOX_PROTOCOLS:
        return  # EmoBox's assignment as it is; the audit reports the shared groups
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


def check_sentence_leaks(seen: pd.Series, exp: Experiment) -> None:
    """Raise :class:`SplitLeakError` when ``disjoint`` lists ``sentence`` and a fold tests
    utterances whose sentence training read (``seen``: per (fold, corpus), from
    :func:`crossemo.splits.sentences.sentence_seen`)."""
    if "sentence" in exp.disjoint and seen.sum():
        (fold, corpus), n = next((k, v) for k, v in seen.items() if v)
        raise SplitLeakError(
            f"{exp.name} fold {fold}: {n} test utterances of {corpus} share a sentence with "
            "training although disjoint lists sentence"
        )


def check_duplicates(split: pd.DataFrame, print_paths: list[str | Path], name: str) -> None:
    """Raise :class:`SplitLeakError` naming both utterances when one recording (an exact or near
    duplicate by :mod:`crossemo.splits.duplicates`) is in test and in train or dev of a fold."""
    leaks = recording_leaks(split, print_paths)
    if len(leaks):
        row = leaks.iloc[0]
        more = f" ({len(leaks) - 1} more such pairs)" if len(leaks) > 1 else ""
        raise SplitLeakError(
            f"{name} fold {row.fold}: test utterance {row.test_utt} and {row.train_split} "
            f"utterance {row.train_utt} are one recording ({row.kind} duplicate){more}"
        )


def recording_leaks(split: pd.DataFrame, print_paths: list[str | Path]) -> pd.DataFrame:
    """Duplicate pairs (by the audio prints at ``print_paths``) with one side in test and the
    other in train or dev of a fold (:func:`crossemo.splits.duplicates.duplicate_leaks`)."""
    from crossemo.splits.duplicates import duplicate_leaks, find_duplicates, read_prints

    prints = read_prints(print_paths)
    prints = prints[prints["utt_id"].isin(split["utt_id"])]
    return duplicate_leaks(split, find_duplicates(prints))
