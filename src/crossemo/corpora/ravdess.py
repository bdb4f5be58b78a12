"""RAVDESS: ``Actor_NN/MM-VV-EE-II-SS-RR-AA.wav`` (speech and song releases, any folder layout).

Every field comes from the file name, so the Kaggle flat copies and the publisher's
``Actor_NN`` folders give the same rows. Fields: modality (01 AV, 02 video, 03 audio),
vocal channel (01 speech, 02 song), emotion, intensity (01 normal, 02 strong), statement,
repetition, actor (odd = male). The speaker is ``Actor_NN`` from the name, not the folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "01": "neutral", "02": "calm", "03": "happiness", "04": "sadness",
    "05": "anger", "06": "fear", "07": "disgust", "08": "surprise",
}  # fmt: skip
STATEMENT = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}
MODALITY = {"01": "audio-video", "02": "video-only", "03": "audio-only"}
VOCAL_CHANNEL = {"01": "speech", "02": "song"}
INTENSITY = {"01": "normal", "02": "strong"}
REPETITION = {"01": 1, "02": 2}

_NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")


def parse(path: Path) -> Utterance | Reject:
    """One RAVDESS file -> utterance, or a reject naming what is wrong with its name."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, "unparsable_name", "expected MM-VV-EE-II-SS-RR-AA")
    mod, chan, emo, inten, stmt, rep, actor = match.groups()
    if emo not in EMOTION:
        return Reject(path, "unknown_emotion_code", f"emotion {emo}", path.stem)
    fields = {"modality": (mod, MODALITY), "vocal channel": (chan, VOCAL_CHANNEL),
              "intensity": (inten, INTENSITY), "statement": (stmt, STATEMENT),
              "repetition": (rep, REPETITION)}  # fmt: skip
    for name, (code, table) in fields.items():
        if code not in table:
            return Reject(path, "unparsable_name", f"unknown {name} code {code}", path.stem)
    if actor == "00":
        return Reject(path, "unparsable_name", "actor 00", path.stem)
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=f"Actor_{actor}",
        raw_label=emo,
        emotion=EMOTION[emo],
        gender="male" if int(actor) % 2 else "female",
        text=STATEMENT[stmt],
        extra={
            "modality": MODALITY[mod],
            "vocal_channel": VOCAL_CHANNEL[chan],
            "intensity": INTENSITY[inten],
            "statement": int(stmt),
            "repetition": REPETITION[rep],
        },
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
