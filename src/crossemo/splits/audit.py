"""The split audit (``results/splits/{experiment}.audit.csv``): the leak checks, then the
utterance counts per fold x split x corpus x label, wide like the papers' dataset tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.safe_text import terminal_text
from crossemo.splits.dev import dev_draws
from crossemo.splits.experiment import SPLITS, Experiment
from crossemo.splits.leakage import check_leaks, check_sentence_leaks
from crossemo.splits.overlap import overlap_notices, shared_groups, shared_recordings
from crossemo.splits.sentences import sentence_seen

KEYS = ["fold", "split", "corpus"]


def audit(
    split: pd.DataFrame,
    exp: Experiment,
    classes: list[str],
    sentences: pd.Series | None = None,
    dropped: pd.DataFrame | None = None,
    leaks: pd.DataFrame | None = None,
    emobox: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Check ``split`` (:func:`~crossemo.splits.leakage.check_leaks`) and count it per fold x
    split x corpus x label.

    Wide like the papers' dataset tables: one row per fold, split and corpus, one column per
    class, then ``total``, ``groups``, ``speakers`` and ``dev_drawn``: on the train and dev rows
    of each training corpus, how its dev part was drawn (:func:`crossemo.splits.dev.dev_draws`),
    e.g. ``by group: 2 of 24 groups, 8.3% of utterances`` or ``by utterance: 140 of 1400
    utterances``, and ``dev_fallback``: why a corpus asked to give groups gave utterances
    (:func:`dev_notices` prints these on the console); both empty on test rows. Then
    ``sentence_seen``: on test rows, the test utterances whose sentence
    (``sentences``: utt_id -> the manifest's ``sentence``) a train or dev utterance of the same
    corpus shares (:func:`crossemo.splits.sentences.sentence_seen`; 0 elsewhere), and
    ``sentence_dropped``: the utterances of the split that ``disjoint: [speaker, sentence]``
    removed from the fold (``dropped``, from :func:`crossemo.splits.build.build_split`). With
    ``sentence`` in ``exp.disjoint`` a seen sentence is a leak. Then, on test rows,
    ``shared_groups`` and ``shared_recordings`` (``leaks``: duplicate pairs across test and
    training) from :mod:`crossemo.splits.overlap`, and for EmoBox's protocols ``emobox``'s
    ``emobox_unmatched`` and ``emobox_unlisted``
    (:func:`crossemo.splits.emobox.unmatched_counts`).
    """
    seen = sentence_seen(split, sentences if sentences is not None else pd.Series(dtype=str))
    check_sentence_leaks(seen, exp)
    check_leaks(split, exp)
    counts = label_counts(split, classes)
    draws = dev_draws(split, exp).set_index(["fold", "corpus"])
    at = pd.MultiIndex.from_frame(counts[["fold", "corpus"]])
    training = counts["split"].isin(["train", "dev"])
    for column in ("dev_drawn", "dev_fallback"):
        counts[column] = np.where(training, draws[column].reindex(at).fillna("").to_numpy(), "")
    on_test = counts["split"] == "test"
    found = seen.reindex(pd.MultiIndex.from_frame(counts[["fold", "corpus"]])).fillna(0)
    counts["sentence_seen"] = np.where(on_test, found.to_numpy(), 0).astype(int)
    counts["sentence_dropped"] = dropped_counts(counts, dropped)
    for column, values in _test_columns(split, leaks, emobox).items():
        found = values.reindex(pd.MultiIndex.from_frame(counts[["fold", "corpus"]])).fillna(0)
        counts[column] = np.where(on_test, found.to_numpy(), 0).astype(int)
    counts["split"] = pd.Categorical(counts["split"], categories=list(SPLITS), ordered=True)
    counts = counts.sort_values(KEYS).reset_index(drop=True)
    counts.columns.name = None
    return counts


def _test_columns(
    split: pd.DataFrame, leaks: pd.DataFrame | None, emobox: pd.DataFrame | None
) -> dict[str, pd.Series]:
    """The audit's per (fold, corpus) counts of test rows after ``sentence_dropped``."""
    columns = {"shared_groups": shared_groups(split),
               "shared_recordings": shared_recordings(split, leaks)}  # fmt: skip
    if emobox is not None:
        table = emobox.set_index(["fold", "corpus"])
        columns |= {c: table[c] for c in ("emobox_unmatched", "emobox_unlisted")}
    return columns


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


def dev_notices(audit_paths: dict[str, str | Path]) -> str | None:
    """Console lines naming, per experiment (-> its audit CSV) and training corpus, the dev parts
    drawn by utterance although ``dev_unit: group`` asked for groups, in how many folds and why
    (the audit's ``dev_fallback``); None when there are none (or no audit yet)."""
    lines = []
    for experiment, path in sorted(audit_paths.items()):
        if not Path(path).is_file():
            continue
        table = pd.read_csv(path, keep_default_na=False, dtype=str)
        if "dev_fallback" not in table:
            continue
        fell = table[(table["dev_fallback"] != "") & (table["split"] == "train")]
        folds = table["fold"].nunique()
        for (corpus, why), part in fell.groupby(["corpus", "dev_fallback"], sort=True):
            where = f"{terminal_text(experiment)} {terminal_text(corpus)}"
            lines.append(f"  {where} ({part['fold'].nunique()} of {folds} folds): "
                         f"{terminal_text(why)}")  # fmt: skip
    if not lines:
        return None
    head = ("crossemo: dev parts drawn by utterance where dev_unit asks for groups (dev and train "
            "share these corpora's speakers; results/splits/*.audit.csv, column dev_fallback; "
            "dev_tolerance in config/README.md):")  # fmt: skip
    return "\n".join([head, *lines])


def print_dev_notices(audit_paths: dict[str, str | Path]) -> None:
    """Print :func:`dev_notices` and the overlaps of test with training
    (:func:`crossemo.splits.overlap.overlap_notices`) to standard error when there are any."""
    import sys

    notices = dev_notices(audit_paths)
    if notices:
        print(notices, file=sys.stderr)
    lines = overlap_notices(audit_paths)
    if lines:
        head = ("crossemo: test shares speakers, sentences or recordings with training, or "
                "EmoBox entries match no utterance (EmoBox's protocols keep its assignment; "
                "results/splits/*.audit.csv, columns shared_*, sentence_seen, "
                "emobox_*):")  # fmt: skip
        print("\n".join([head, *lines]), file=sys.stderr)
