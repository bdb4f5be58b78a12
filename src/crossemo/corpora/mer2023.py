"""MER2023 (Lian et al., 2023; the MER 2023 challenge, merchallenge.cn, under its EULA),
Mandarin clips of films and TV series published as video: ``mer2023train/train/sample_00004872.avi``
with labels in ``<subset>-label.csv``.

Layout, as EmoBox's metadata and preparation script show it: ``mer2023train/train/`` (3373
labelled clips, ``mer2023train/train-label.csv``), ``mer2023train/test3/`` (834),
``test1/`` (411) and ``test2/`` (412), the test labels (released after the challenge) in
``test-labels/test1-label.csv``, ``test2-label.csv``, ``test3-label.csv``: 5030 clips, AVI or MP4
(``sample_<n>.avi``, ``samplenew_<n>.mp4`` in test3, ``sample_<n>.mp4`` in test2; 44.1, 48 or
16 kHz audio). The adapter finds the four sheets anywhere under the root by name
(``<subset>-label.csv``) and each clip's subset by its folder name (``train``, ``test1``,
``test2``, ``test3``). The audio stream is decoded with ffmpeg.

A sheet's columns ``name`` (the clip's file name without suffix) and ``discrete`` (neutral,
angry, happy, sad, worried, surprise) give the label; its other columns (``valence``) are not
read. MER2023 names no speakers: the ``speaker`` (and leakage group) is the clip itself, as in
EmoBox, so a speaker-disjoint split is only clip-disjoint (clips of one film may fall on both
sides). ``test2`` is the challenge's MER-NOISE set (clips with noise added by the organisers,
kept like EmoBox keeps them; column ``subset`` says which set a clip is from). No transcript, no
``sentence``; gender unknown. Language ``zh``. A clip name found in two subsets is kept from the
first of train, test1, test2, test3 (EmoBox's order; :data:`PREFERRED_FOLDERS`).

Rejected: clips outside the four subset folders or whose subset's sheet is absent
(``no_label_sheet``), clips without a sheet row (``no_label``: e.g. unlabelled test3 clips),
labels other than the six (``unknown_label``); a sheet row without its clip is a
``no_audio_for_label`` reject (path: the sheet).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from crossemo.core.reasons import NO_AUDIO_FOR_LABEL, NO_LABEL, NO_LABEL_SHEET, UNKNOWN_LABEL
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
    "neutral": "neutral", "angry": "anger", "happy": "happiness", "sad": "sadness",
    "worried": "worry", "surprise": "surprise",
}  # fmt: skip
SUBSETS = ("train", "test1", "test2", "test3")
#: EmoBox's order: a clip name in two subsets is kept from the earlier one
PREFERRED_FOLDERS = SUBSETS
SHEET_SUFFIX = "-label.csv"
COLUMNS = ("name", "discrete")

#: subset -> clip name -> its label
Labels = dict[str, dict[str, str]]


def read_labels(subset: str, sheet: Path) -> dict[str, str]:
    """One subset's sheet: clip name -> ``discrete``; SheetError naming it when a column lacks."""
    what = f"MER2023 {subset} label sheet"
    table = read_csv_sheet(sheet, what, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise SheetError(f"{what} {sheet}: no column {', '.join(missing)}; expected the "
                         f"publisher's {subset}{SHEET_SUFFIX} (name,discrete,...)")  # fmt: skip
    labels: dict[str, str] = {}
    for name, label in zip(table["name"], table["discrete"], strict=True):
        labels.setdefault(name.strip(), label.strip())
    return labels


def parse(path: Path, labels: Labels, sheets: dict[str, Path]) -> Utterance | Reject:
    """One MER2023 clip -> utterance, or a reject."""
    subset, name = path.parent.name.lower(), path.stem
    if subset not in SUBSETS:
        return Reject(path, NO_LABEL_SHEET, f"not in a subset folder ({', '.join(SUBSETS)})")
    if subset not in labels:
        detail = f"no {subset}{SHEET_SUFFIX} under the corpus root"
        return Reject(path, NO_LABEL_SHEET, detail, name)
    code = labels[subset].get(name)
    if code is None:
        return Reject(path, NO_LABEL, f"no row in {sheets[subset]}", name)
    if code.lower() not in EMOTION:
        return Reject(path, UNKNOWN_LABEL, f"discrete {code!r}", name)
    return Utterance(
        local_id=name,
        path=path,
        speaker=name,
        raw_label=code.lower(),
        emotion=EMOTION[code.lower()],
        sentence=None,
        language="zh",
        extra={"subset": subset},
    )


def unmatched_rows(found: Scan, labels: Labels, sheets: dict[str, Path]) -> Iterable[Reject]:
    """A ``no_audio_for_label`` reject for each sheet row no clip of its subset was found for."""
    seen = {(u.extra["subset"], u.local_id) for u in found.utterances}
    seen |= {(r.path.parent.name.lower(), r.local_id) for r in found.rejects}
    for subset, table in labels.items():
        for name in sorted(table):
            if (subset, name) not in seen:
                detail = f"row of {name}: no clip in a {subset}/ folder"
                yield Reject(sheets[subset], NO_AUDIO_FOR_LABEL, detail, name)


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every clip under ``root`` labelled by the subset sheets found under it; no options."""
    no_options(options)
    sheets = {s: p for s, p in find_sheets(root, SHEET_SUFFIX).items() if s in SUBSETS}
    labels = {subset: read_labels(subset, sheet) for subset, sheet in sheets.items()}
    found = scan_files(root, lambda p: parse(p, labels, sheets), AUDIO_SUFFIXES | VIDEO_SUFFIXES)
    found.rejects.extend(unmatched_rows(found, labels, sheets))
    return found
