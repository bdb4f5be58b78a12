"""CASIA (Mandarin, the free 1,200-file release): ``<speaker>/<emotion>/<nnn>.wav``.

Layout (EmoBox's paths; the AI Studio release EmoBox links): four speaker folders
(``liuchanhg`` (sic), ``wangzhe``, ``zhaoquanyin``, ``zhaozuoxiang``), each with six emotion
folders (``angry``, ``fear``, ``happy``, ``neutral``, ``sad``, ``surprise``) of 50 files
``201.wav`` ... ``250.wav``. The names hold only the sentence number, so the speaker and the
emotion come from the two folders above the file (the emotion folder name is EmoBox's label);
the id is ``<speaker>_<emotion>_<nnn>``. The release has no speaker sheet: the genders (Liu
Chang and Zhao Quanyin female, Wang Zhe and Zhao Zuoxiang male) are those the CASIA
literature reports. Every speaker read the same 50 texts in every emotion: the ``sentence``
is the number (``201``). Language ``zh``. A file whose grandparent folder is not one of the
four speakers is an ``unknown_speaker`` reject, one under another emotion folder an
``unknown_emotion_code`` one, a name that is not a number an ``unparsable_name`` one.
"""

from __future__ import annotations

from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNKNOWN_SPEAKER, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "angry": "anger", "fear": "fear", "happy": "happiness",
    "neutral": "neutral", "sad": "sadness", "surprise": "surprise",
}  # fmt: skip
GENDER = {"liuchanhg": "female", "wangzhe": "male", "zhaoquanyin": "female", "zhaozuoxiang": "male"}


def parse(path: Path) -> Utterance | Reject:
    """One CASIA file -> utterance, or a reject."""
    number = path.stem
    if not (number.isascii() and number.isdigit()):
        return Reject(path, UNPARSABLE_NAME, "expected <speaker>/<emotion>/<number>.wav")
    folder, speaker = path.parent.name.lower(), path.parent.parent.name.lower()
    local_id = f"{speaker}_{folder}_{number}"
    if speaker not in GENDER:
        known = ", ".join(GENDER)
        return Reject(path, UNKNOWN_SPEAKER, f"folder {speaker!r}; speakers: {known}", local_id)
    if folder not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion folder {folder!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=folder,
        emotion=EMOTION[folder],
        gender=GENDER[speaker],
        sentence=number,
        language="zh",
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
