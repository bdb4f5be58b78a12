"""eNTERFACE'05 (Martin et al., 2006): ``subject 1/anger/sentence 1/s1_an_1.avi``, English.

Layout (EmoBox's metadata, 1263 videos): ``subject <n>/<emotion>/sentence <k>/s<n>_<code>_<k>.avi``,
43 subjects (1-44 without 12), six emotions, five sentences each. The audio is the videos'
sound track (the decoder extracts it with ffmpeg). The publisher's quirks that EmoBox keeps:
subject 6 has one video per emotion straight in the emotion folder (``s6_an.avi``, no sentence
number); subject 3's names read ``s_3_su_4.avi``; one subject-16 name ends ``3avi.avi``; the
folder ``subject 11`` holds videos named ``s12_...``; subject 2's anger sentences 1 and 2 sit in
each other's folders; subject 23 has two happiness videos (sentences 4 and 5).

The speaker is the ``subject <n>`` folder's number (the name's where there is no such folder), so
``subject 11``'s ``s12_`` videos are speaker ``s11``; the id is ``s<n>_<code>_<k>``. Codes:
``an`` anger, ``di`` disgust, ``fe`` fear, ``ha`` happiness, ``sa`` sadness, ``su`` surprise.
Each emotion has five sentences of its own, so the ``sentence`` is ``<code>_<k>`` with ``k``
from the name (else the ``sentence <k>`` folder; none for subject 6). No transcript or gender
ships per subject: gender is unknown.

Rejected: names not of that form (``unparsable_name``), other codes (``unknown_emotion_code``),
a code that is not its emotion folder's (``conflicting_label``), and audio or other video beside
the ``.avi`` files (e.g. extracted ``.wav``: ``derived_copy``): the publisher ships videos only.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import (
    CONFLICTING_LABEL,
    DERIVED_COPY,
    UNKNOWN_EMOTION_CODE,
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

EMOTION = {
    "an": "anger", "di": "disgust", "fe": "fear",
    "ha": "happiness", "sa": "sadness", "su": "surprise",
}  # fmt: skip
#: the emotion folders' names -> their codes
FOLDER_CODE = {emotion: code for code, emotion in EMOTION.items()}
#: the publisher's recordings
SUFFIX = ".avi"

_NAME = re.compile(r"^s_?(\d+)_([a-z]+)(?:_(\d+))?(?:avi)?$", re.ASCII | re.IGNORECASE)
_SUBJECT = re.compile(r"^subject\s*(\d+)$", re.ASCII | re.IGNORECASE)
_SENTENCE = re.compile(r"^sentence\s*(\d+)$", re.ASCII | re.IGNORECASE)


def _folder_number(path: Path, pattern: re.Pattern) -> str | None:
    """The number of the nearest folder above ``path`` matching ``pattern``."""
    for folder in path.parents:
        match = pattern.match(folder.name)
        if match:
            return str(int(match[1]))
    return None


def _folder_code(path: Path) -> str | None:
    """The code of the emotion folder above ``path``, if any."""
    for folder in path.parents:
        if folder.name.lower() in FOLDER_CODE:
            return FOLDER_CODE[folder.name.lower()]
    return None


def parse(path: Path) -> Utterance | Reject:
    """One eNTERFACE file -> utterance, or a reject."""
    if path.suffix.lower() != SUFFIX:
        return Reject(path, DERIVED_COPY, f"eNTERFACE ships {SUFFIX} videos, not {path.suffix}")
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected s<subject>_<code>_<sentence>.avi")
    speaker = _folder_number(path, _SUBJECT) or str(int(match[1]))
    code = match[2].lower()
    number = match[3] or _folder_number(path, _SENTENCE)
    local_id = f"s{speaker}_{code}" + (f"_{int(number)}" if number else "")
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
    folder = _folder_code(path)
    if folder is not None and folder != code:
        detail = f"name says {code!r}, folder {EMOTION[folder]!r}"
        return Reject(path, CONFLICTING_LABEL, detail, local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=f"s{speaker}",
        raw_label=code,
        emotion=EMOTION[code],
        sentence=f"{code}_{int(number)}" if number else None,
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio or video file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse, AUDIO_SUFFIXES | VIDEO_SUFFIXES)
