"""EmoV-DB (Adigwe et al., 2018; OpenSLR 115): ``sam_Amused/amused_57-84_0057.wav``, English.

Layout (EmoBox's metadata, 6887 files in 18 folders): one folder per speaker and emotion,
``<speaker>_<Emotion>`` (one archive each at OpenSLR), holding ``<emotion>_<from>-<to>_<nnnn>.wav``:
the emotion word (``amused``, ``anger``, ``disgust``/``Disgust``, ``neutral``/``Neutral``,
``sleepiness``), the range of the recording session (sometimes ``<from>_<to>``, and not always
holding ``nnnn``) and ``nnnn``, the number of the CMU ARCTIC sentence read (``a0001`` ...).
Speakers bea and jenie are women, josh and sam men (the corpus paper). josh has no Angry or
Disgusted folder. Rates differ by speaker (bea 44.1 kHz, the others 16 kHz).

The label is the folder's emotion, as EmoBox reads it: ``Amused`` amusement, ``Angry`` anger,
``Disgusted`` disgust, ``Neutral`` neutral, ``Sleepy`` sleepiness. The ``sentence`` is the ARCTIC
number (``arctic_a0057``), shared by every speaker and emotion; no text (the ARCTIC prompts are
not in the archives). The id is ``<speaker>_<Emotion>_<nnnn>``.

Rejected: folders not named ``<speaker>_<Emotion>`` or files not named as above
(``unparsable_name``), a speaker other than the four (``unknown_speaker``), another emotion
(``unknown_emotion_code``), a file whose name's emotion word is not its folder's
(``conflicting_label``).
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import (
    CONFLICTING_LABEL,
    UNKNOWN_EMOTION_CODE,
    UNKNOWN_SPEAKER,
    UNPARSABLE_NAME,
)
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: folder emotion -> (emotion, the file names' word for it)
EMOTION = {
    "Amused": ("amusement", "amused"),
    "Angry": ("anger", "anger"),
    "Disgusted": ("disgust", "disgust"),
    "Neutral": ("neutral", "neutral"),
    "Sleepy": ("sleepiness", "sleepiness"),
}
GENDER = {"bea": "female", "jenie": "female", "josh": "male", "sam": "male"}

_FOLDER = re.compile(r"^([A-Za-z]+)_([A-Za-z]+)$", re.ASCII)
_NAME = re.compile(r"^([A-Za-z]+)_(\d+)[-_](\d+)_(\d{4})$", re.ASCII)


def parse(path: Path) -> Utterance | Reject:
    """One EmoV-DB file -> utterance, or a reject."""
    folder, name = _FOLDER.match(path.parent.name), _NAME.match(path.stem)
    if folder is None or name is None:
        expect = "expected <speaker>_<Emotion>/<emotion>_<from>-<to>_<nnnn>.wav"
        return Reject(path, UNPARSABLE_NAME, expect)
    speaker, label = folder[1].lower(), folder[2].capitalize()
    number = name[4]
    local_id = f"{speaker}_{label}_{number}"
    if speaker not in GENDER:
        return Reject(path, UNKNOWN_SPEAKER, f"speaker {speaker!r}", local_id)
    if label not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion folder {folder[2]!r}", local_id)
    emotion, word = EMOTION[label]
    if name[1].lower() != word:
        detail = f"name says {name[1]!r}, folder {path.parent.name!r} ({word!r})"
        return Reject(path, CONFLICTING_LABEL, detail, local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=label,
        emotion=emotion,
        gender=GENDER[speaker],
        sentence=f"arctic_a{number}",
        extra={"session": f"{name[2]}-{name[3]}"},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
