"""MELD (Poria et al., 2019; affective-meld.github.io, GPL-3.0), English TV dialogue (Friends)
published as video: ``train/train_splits/dia9_utt11.mp4`` with labels in ``*_sent_emo.csv``.

Layout: the publisher's ``MELD.Raw.tar.gz`` holds ``train.tar.gz``, ``dev.tar.gz``,
``test.tar.gz`` and the label sheets ``train_sent_emo.csv``, ``dev_sent_emo.csv``,
``test_sent_emo.csv``; the archives unpack to ``train_splits/``, ``dev_splits_complete/`` and
``output_repeated_splits_test/``. EmoBox's copy (and its preparation script) has
``train/train_splits/`` with ``train/train_sent_emo.csv`` and ``dev_splits_complete/``,
``output_repeated_splits_test/``, ``dev_sent_emo.csv``, ``test_sent_emo.csv`` at the root:
13706 clips (9988 train, 1108 dev, 2610 test; MP4, 48 kHz audio). The adapter finds the
three sheets anywhere under the root by name and each clip's split by its folder
(:data:`SPLIT_FOLDERS`), so both arrangements are read. The audio stream of each MP4 is
decoded with ffmpeg.

Clips are ``dia<dialogue>_utt<utterance>``; the numbers restart in every split, so the id is
``<split>_dia<d>_utt<u>`` (EmoBox's key: ``dia<d>_utt<u>-<split>``). From the sheet's row with
that ``Dialogue_ID`` and ``Utterance_ID``: ``Emotion`` (neutral, joy, sadness, surprise,
disgust, anger, fear), ``Speaker`` (the character's name: the ``speaker``, 304 of them),
``Utterance`` (the ``text``), ``Sentiment`` (column ``sentiment``). ``gender`` is given for the
six main characters (from the show, not the sheets) and unknown for the others. The dialogue
is spontaneous: no ``sentence``. Language ``en``. Sheets are read as UTF-8
(:func:`crossemo.corpora.sheets.read_csv_sheet`; the published transcripts hold some mis-decoded
punctuation, kept as it is).

Rejected: names that are not ``dia<d>_utt<u>`` (``unparsable_name``), clips outside the three
split folders or whose split's sheet is absent (``no_label_sheet``), clips without a sheet row
(``no_label``), emotions other than the seven (``unknown_label``); a sheet row without its clip
is a ``no_audio_for_label`` reject (path: the sheet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from crossemo.core.reasons import (
    NO_AUDIO_FOR_LABEL,
    NO_LABEL,
    NO_LABEL_SHEET,
    UNKNOWN_LABEL,
    UNPARSABLE_NAME,
)
from crossemo.corpora.base import (
    AUDIO_SUFFIXES,
    VIDEO_SUFFIXES,
    Reject,
    Scan,
    Utterance,
    no_options,
    scan_files,
)
from crossemo.corpora.sheets import SheetError, find_sheets, read_csv_sheet

EMOTION = {
    "neutral": "neutral", "joy": "happiness", "sadness": "sadness", "surprise": "surprise",
    "disgust": "disgust", "anger": "anger", "fear": "fear",
}  # fmt: skip
#: the publisher's clip folders -> split (the sheet of split ``s`` is ``<s>_sent_emo.csv``)
SPLIT_FOLDERS = {
    "train_splits": "train",
    "dev_splits_complete": "dev",
    "output_repeated_splits_test": "test",
}
SHEET_SUFFIX = "_sent_emo.csv"
COLUMNS = ("Dialogue_ID", "Utterance_ID", "Speaker", "Emotion", "Utterance")
#: the main characters' genders (from the show; the sheets give none)
GENDER = {
    "Chandler": "male", "Joey": "male", "Ross": "male",
    "Monica": "female", "Phoebe": "female", "Rachel": "female",
}  # fmt: skip

_NAME = re.compile(r"^dia(\d+)_utt(\d+)$", re.ASCII)

#: split -> (dialogue, utterance) -> the sheet's row
Rows = dict[str, dict[tuple[int, int], dict[str, str]]]


def read_rows(split: str, sheet: Path) -> dict[tuple[int, int], dict[str, str]]:
    """One split's sheet by (dialogue, utterance); SheetError naming it when a column lacks."""
    table = read_csv_sheet(sheet, f"MELD {split} label sheet", dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise SheetError(f"MELD {split} label sheet {sheet}: no column {', '.join(missing)}; "
                         f"expected the publisher's {split}{SHEET_SUFFIX}")  # fmt: skip
    rows = {}
    for row in table.to_dict("records"):
        try:
            key = (int(row["Dialogue_ID"]), int(row["Utterance_ID"]))
        except ValueError:
            continue  # not a clip's row: no file can match it
        rows.setdefault(key, row)
    return rows


def split_of(path: Path) -> str | None:
    """The split of a clip from its folder (:data:`SPLIT_FOLDERS`), or None."""
    return SPLIT_FOLDERS.get(path.parent.name.lower())


def parse(path: Path, rows: Rows, sheets: dict[str, Path]) -> Utterance | Reject:
    """One MELD clip -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected dia<dialogue>_utt<utterance>")
    split = split_of(path)
    if split is None:
        folders = ", ".join(SPLIT_FOLDERS)
        return Reject(path, NO_LABEL_SHEET, f"not in a split folder ({folders})")
    local_id = f"{split}_{path.stem}"
    if split not in rows:
        detail = f"no {split}{SHEET_SUFFIX} under the corpus root"
        return Reject(path, NO_LABEL_SHEET, detail, local_id)
    row = rows[split].get((int(match[1]), int(match[2])))
    if row is None:
        return Reject(path, NO_LABEL, f"no row in {sheets[split]}", local_id)
    code = row["Emotion"].strip().lower()
    if code not in EMOTION:
        return Reject(path, UNKNOWN_LABEL, f"Emotion {row['Emotion']!r}", local_id)
    speaker = row["Speaker"].strip()
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=code,
        emotion=EMOTION[code],
        gender=GENDER.get(speaker, "unknown"),
        text=row["Utterance"].strip() or None,
        sentence=None,
        language="en",
        extra={"split": split, "sentiment": row.get("Sentiment") or None},
    )


def unmatched_rows(found: Scan, rows: Rows, sheets: dict[str, Path]) -> Iterable[Reject]:
    """A ``no_audio_for_label`` reject for each sheet row no clip was found for."""
    seen = {u.local_id for u in found.utterances} | {r.local_id for r in found.rejects}
    for split, table in rows.items():
        for dialogue, utterance in sorted(table):
            local_id = f"{split}_dia{dialogue}_utt{utterance}"
            if local_id not in seen:
                detail = f"row of dia{dialogue}_utt{utterance}: no clip in its split's folder"
                yield Reject(sheets[split], NO_AUDIO_FOR_LABEL, detail, local_id)


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every clip under ``root`` labelled by the split sheets found under it; no options."""
    no_options(options)
    sheets = {
        s: p for s, p in find_sheets(root, SHEET_SUFFIX).items() if s in SPLIT_FOLDERS.values()
    }
    rows = {split: read_rows(split, sheet) for split, sheet in sheets.items()}
    found = scan_files(root, lambda p: parse(p, rows, sheets), AUDIO_SUFFIXES | VIDEO_SUFFIXES)
    found.rejects.extend(unmatched_rows(found, rows, sheets))
    return found
