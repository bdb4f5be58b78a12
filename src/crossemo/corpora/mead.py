"""MEAD (Wang et al., 2020): ``<speaker>/audio/<emotion>/level_<n>/<nnn>.m4a``.

Layout from the publisher's README (github.com/uniBruce/Mead) and EmoBox's preparation script
(EmoBox ships folds but no file list for MEAD; its script walks every ``.m4a`` and reads
speaker, emotion and level from the folders): each speaker's ``audio.tar`` unpacks to
``audio/<emotion>/level_<n>/<nnn>.m4a`` under the speaker folder (``M003``, ``W009``: ``M``
male, ``W`` female), beside ``video/`` (``video/<camera>/<emotion>/level_<n>/<nnn>.mp4``, the
same takes filmed from seven angles). Emotions (the folder names, EmoBox's labels): ``angry``,
``contempt``, ``disgusted``, ``fear``, ``happy``, ``neutral``, ``sad``, ``surprised``; levels
1-3 (neutral only level 1), kept in ``extra`` as ``intensity``.

Speaker and gender from the speaker folder; language ``en``. Within an emotion, take ``nnn`` of
every speaker and level reads the same sentence, so the ``sentence`` is ``<emotion>-<nnn>``. The
README says the emotions share a few common sentences, but the layout does not say which numbers
they are, so a common sentence read in two emotions carries two ids.

Rejects: an audio file outside ``<speaker>/audio/<emotion>/level_<n>/`` or not named ``<nnn>``
(``unparsable_name``), an unknown emotion folder (``unknown_emotion_code``), a speaker folder
not ``M``/``W`` and digits (``unknown_speaker``), and audio under ``video/`` (the video angles'
soundtracks, ``not_a_recording``). The videos themselves (``.mp4``) are not walked.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import (
    NOT_A_RECORDING,
    UNKNOWN_EMOTION_CODE,
    UNKNOWN_SPEAKER,
    UNPARSABLE_NAME,
)
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "angry": "anger", "contempt": "contempt", "disgusted": "disgust", "fear": "fear",
    "happy": "happiness", "neutral": "neutral", "sad": "sadness", "surprised": "surprise",
}  # fmt: skip
GENDER = {"M": "male", "W": "female"}

_SPEAKER = re.compile(r"^(?P<g>[MW])\d{3}$", re.ASCII)
_LEVEL = re.compile(r"^level_(?P<n>\d)$", re.ASCII)
_TAKE = re.compile(r"^\d{3}$", re.ASCII)


def parse(path: Path) -> Utterance | Reject:
    """One MEAD audio file -> utterance, or a reject."""
    parts = path.parts
    if "video" in (p.lower() for p in parts[:-1]):
        return Reject(path, NOT_A_RECORDING, "audio under video/, not the audio/ recordings")
    level = _LEVEL.match(parts[-2]) if len(parts) >= 5 else None
    if level is None or parts[-4].lower() != "audio" or not _TAKE.match(path.stem):
        return Reject(path, UNPARSABLE_NAME, "expected <speaker>/audio/<emotion>/level_<n>/<nnn>")
    speaker, emotion = parts[-5], parts[-3].lower()
    local_id = f"{speaker}_{emotion}_level{level['n']}_{path.stem}"
    if emotion not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion folder {parts[-3]!r}", local_id)
    gender = _SPEAKER.match(speaker)
    if gender is None:
        return Reject(path, UNKNOWN_SPEAKER, f"speaker folder {speaker!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=emotion,
        emotion=EMOTION[emotion],
        gender=GENDER[gender["g"]],
        sentence=f"{emotion}-{path.stem}",
        language="en",
        extra={"intensity": int(level["n"])},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
