"""EmoBox's protocols (github.com/emo-box/EmoBox): its fixed folds of one corpus
(``emobox_folds``) and its balanced cross-corpus test sets (``emobox_track2``, one per test
corpus), read from a local copy of EmoBox's ``data/`` folder (``emobox_data``) and mapped to our
utterances.

An EmoBox entry names its file relative to the corpus root (:func:`crossemo.corpora.emobox.
entry_path`); it is the utterance whose manifest ``path`` ends with those path parts, or, where
none does, whose file name without its suffix is the entry's (track 2 names IEMOCAP's files
``<label>/<utterance>.wav`` and MELD's ``audio/dia<d>_utt<u>.wav``, folders and suffixes of its
own); for segmented corpora also whose ``start`` is the entry's ``start_time``. Entries that
match no utterance, or several, are reported (:func:`log_unmatched`, the audit's
``emobox_unmatched``); so are utterances a fold does not list (``emobox_unlisted``: not in its
split table).
EmoBox's train/test assignment is kept as it is, speakers shared between them included.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePath

import pandas as pd

from crossemo.corpora import emobox
from crossemo.splits.experiment import EMOBOX_FOLDS, Experiment, SplitError

log = logging.getLogger(__name__)

#: how a fold's part of EmoBox becomes our split (``valid``: EmoBox's dev set)
PART_SPLIT = {"train": "train", "valid": "dev", "test": "test"}
#: the split of a row no fold lists (removed from the split table)
UNLISTED = "drop"
#: how far (seconds) a segment's start may be from an entry's ``start_time``
START_TOLERANCE = 0.01
ENTRY_COLUMNS = ["corpus", "fold", "part", "key", "path", "start"]


def entry_files(exp: Experiment) -> list[tuple[str, int, str, Path]]:
    """``(corpus, fold, part, file)`` of each EmoBox file the experiment reads: the folds of its
    train corpus (emobox_folds), the track-2 test set of each test corpus (emobox_track2)."""
    if exp.protocol == EMOBOX_FOLDS:
        corpus = exp.train[0]
        name = exp.emobox_name_of(corpus)
        found = [(corpus, k - 1, part, emobox.fold_file(folder, name, k, part))
                 for k, folder in emobox.fold_dirs(exp.emobox_data, name).items()
                 for part in emobox.FOLD_PARTS]  # fmt: skip
        return [(c, k, part, path) for c, k, part, path in found if path is not None]
    return [(c, 0, "test", emobox.track2_file(exp.emobox_data, exp.emobox_name_of(c)))
            for c in exp.test]  # fmt: skip


def read_entries(exp: Experiment) -> pd.DataFrame:
    """The experiment's EmoBox entries: ``corpus`` (ours), ``fold`` (from 0), ``part``
    (train/valid/test), ``key``, ``path`` (relative to the corpus root) and ``start`` (None for
    whole files)."""
    rows = []
    exp.check_emobox_data()
    for corpus, fold, part, path in entry_files(exp):
        name = exp.emobox_name_of(corpus)
        for n, entry in enumerate(emobox.read_jsonl(path)):
            rows.append({"corpus": corpus, "fold": fold, "part": part,
                         "key": entry.get("key", f"{path.name}:{n}"),
                         "path": emobox.entry_path(entry, name).as_posix(),
                         "start": emobox.entry_start(entry)})  # fmt: skip
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS)


def match_entries(entries: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """``entries`` with ``utt_id`` (None where unmatched) and ``reason`` (why not: no utterance
    at the path, or several). ``locations``: the corpus's ``utt_id``, ``path``, ``start``."""
    by_name: dict[str, list[tuple[tuple[str, ...], float | None, str]]] = {}
    by_stem: dict[str, list[tuple[float | None, str]]] = {}
    for row in locations.itertuples():
        path = PurePath(str(row.path))
        start = None if pd.isna(row.start) else float(row.start)
        by_name.setdefault(path.name, []).append((path.parts, start, row.utt_id))
        by_stem.setdefault(path.stem, []).append((start, row.utt_id))
    ids, reasons = [], []
    for entry in entries.itertuples():
        wanted = PurePath(entry.path).parts
        found = [(start, utt) for parts, start, utt in by_name.get(wanted[-1], [])
                 if parts[-len(wanted):] == wanted]  # fmt: skip
        if not found:  # track 2's own folders: IEMOCAP <label>/<utt>.wav, MELD audio/<clip>.wav
            found = list(by_stem.get(PurePath(entry.path).stem, []))
        if entry.start is not None and not pd.isna(entry.start):
            found = [(s, u) for s, u in found
                     if s is not None and abs(s - entry.start) <= START_TOLERANCE]  # fmt: skip
        ids.append(found[0][1] if len(found) == 1 else None)
        reasons.append("" if len(found) == 1 else
                       "no utterance at this path" if not found else
                       f"{len(found)} utterances at this path")  # fmt: skip
    return entries.assign(utt_id=ids, reason=reasons)


def emobox_splits(pool: pd.DataFrame, exp: Experiment, matched: pd.DataFrame) -> list[pd.Series]:
    """Per fold, the split of every row of ``pool`` from the ``matched`` entries: EmoBox's part
    (train, dev from ``valid``, test) or ``drop`` (not listed). emobox_track2 tests the entries
    of each tested corpus; a tested corpus's other rows train only when it is a train corpus."""
    ok = matched.dropna(subset=["utt_id"])
    check_matched(ok, exp)
    splits = []
    for fold in range(exp.n_folds):
        here = ok[ok["fold"] == fold]
        part = pool["utt_id"].map(
            dict(zip(here["utt_id"], here["part"].map(PART_SPLIT), strict=True))
        )
        if exp.protocol == EMOBOX_FOLDS:
            split = part.fillna(UNLISTED)
        else:
            tested = pool["corpus"].isin(exp.test)
            rest = pool["corpus"].isin(exp.train).map({True: "train", False: UNLISTED})
            split = part.where(tested & part.notna(), rest)
        splits.append(split.astype(object))
    return splits


def check_matched(ok: pd.DataFrame, exp: Experiment) -> None:
    """Raise :class:`SplitError` naming a tested corpus of emobox_track2 none of whose track-2
    entries matched an utterance (``ok``: the matched entries): it would have no test rows."""
    if exp.protocol == EMOBOX_FOLDS:
        return
    for corpus in exp.test:
        if not (ok["corpus"] == corpus).any():
            path = emobox.track2_file(exp.emobox_data, exp.emobox_name_of(corpus))
            raise SplitError(f"experiments.{exp.name}: no entry of {path} matches an utterance "
                             f"of test corpus {corpus} (its manifest paths must end with the "
                             "entries' wav_filename); check emobox_name and the corpus "
                             "root")  # fmt: skip


def unmatched_counts(matched: pd.DataFrame, split: pd.DataFrame, pool: pd.DataFrame,
                     exp: Experiment) -> pd.DataFrame:  # fmt: skip
    """Per fold and EmoBox corpus (ours: the train corpus of emobox_folds, each test corpus of
    emobox_track2): ``emobox_unmatched`` (its entries matching no single utterance) and
    ``emobox_unlisted`` (emobox_folds: utterances of the corpus the fold does not list; 0 for
    track 2, whose other utterances are simply not its test set)."""
    rows = []
    for corpus in exp.emobox_corpora:
        n_corpus = int((pool["corpus"] == corpus).sum())
        entries = matched[matched["corpus"] == corpus]
        for fold in range(exp.n_folds):
            listed = split[(split["fold"] == fold) & (split["corpus"] == corpus)]
            rows.append({"fold": fold, "corpus": corpus,
                         "emobox_unmatched": int(entries.loc[entries["fold"] == fold, "utt_id"]
                                                 .isna().sum()),
                         "emobox_unlisted": n_corpus - len(listed)
                         if exp.protocol == EMOBOX_FOLDS else 0})  # fmt: skip
    return pd.DataFrame(rows)


def log_unmatched(matched: pd.DataFrame, name: str, shown: int = 10) -> None:
    """Warn with the first entries that matched no single utterance (all are in the audit)."""
    bad = matched[matched["utt_id"].isna()]
    if bad.empty:
        return
    lines = "\n".join(f"  {r.corpus} fold {r.fold} {r.part} {r.key} {r.path}: {r.reason}"
                      for r in bad.head(shown).itertuples())  # fmt: skip
    log.warning("%s: %d EmoBox entries match no single utterance (first %d):\n%s", name,
                len(bad), min(shown, len(bad)), lines)  # fmt: skip
