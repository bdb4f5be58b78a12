"""RAVDESS: ``Actor_NN/MM-VV-EE-II-SS-RR-AA.wav`` (speech and song releases, any folder layout).

Every field comes from the file name, so the Kaggle flat copies and the publisher's
``Actor_NN`` folders give the same rows. Fields: modality (01 AV, 02 video, 03 audio),
vocal channel (01 speech, 02 song), emotion, intensity (01 normal, 02 strong), statement,
repetition, actor (odd = male). The statement code (``01``/``02``) is the ``sentence``. The
speaker is ``Actor_NN`` from the name, not the folder.

The full release holds the song recordings (vocal channel 02) beside the speech ones; the speech
papers use speech only, so song files become ``vocal_channel_excluded`` rejects unless option
``vocal_channels`` lists ``song``.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME, VOCAL_CHANNEL_EXCLUDED
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: vocal channels kept by default: the speech recordings the speech-emotion papers use
DEFAULT_VOCAL_CHANNELS = ("speech",)

EMOTION = {
    "01": "neutral", "02": "calm", "03": "happiness", "04": "sadness",
    "05": "anger", "06": "fear", "07": "disgust", "08": "surprise",
}  # fmt: skip
STATEMENT = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}
MODALITY = {"01": "audio-video", "02": "video-only", "03": "audio-only"}
VOCAL_CHANNEL = {"01": "speech", "02": "song"}
INTENSITY = {"01": "normal", "02": "strong"}
REPETITION = {"01": 1, "02": 2}

_NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$", re.ASCII)


def parse(
    path: Path, vocal_channels: tuple[str, ...] = DEFAULT_VOCAL_CHANNELS
) -> Utterance | Reject:
    """One RAVDESS file -> utterance, or a reject naming what is wrong with its name (or a
    vocal channel not in ``vocal_channels``)."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected MM-VV-EE-II-SS-RR-AA")
    mod, chan, emo, inten, stmt, rep, actor = match.groups()
    if emo not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {emo}", path.stem)
    fields = {"modality": (mod, MODALITY), "vocal channel": (chan, VOCAL_CHANNEL),
              "intensity": (inten, INTENSITY), "statement": (stmt, STATEMENT),
              "repetition": (rep, REPETITION)}  # fmt: skip
    for name, (code, table) in fields.items():
        if code not in table:
            return Reject(path, UNPARSABLE_NAME, f"unknown {name} code {code}", path.stem)
    if actor == "00":
        return Reject(path, UNPARSABLE_NAME, "actor 00", path.stem)
    if VOCAL_CHANNEL[chan] not in vocal_channels:
        detail = (
            f"vocal channel {chan} ({VOCAL_CHANNEL[chan]}) not in options.vocal_channels "
            f"{list(vocal_channels)}"
        )
        return Reject(path, VOCAL_CHANNEL_EXCLUDED, detail, path.stem)
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=f"Actor_{actor}",
        raw_label=emo,
        emotion=EMOTION[emo],
        gender="male" if int(actor) % 2 else "female",
        text=STATEMENT[stmt],
        sentence=stmt,
        extra={
            "modality": MODALITY[mod],
            "vocal_channel": VOCAL_CHANNEL[chan],
            "intensity": INTENSITY[inten],
            "statement": int(stmt),
            "repetition": REPETITION[rep],
        },
    )


def scan(root: Path, corpus: str, vocal_channels: list[str] | None = None, **options) -> Scan:
    """Every audio file under ``root``; ``vocal_channels`` (default ``[speech]``) to keep."""
    no_options(options)
    kept = tuple(vocal_channels or DEFAULT_VOCAL_CHANNELS)
    unknown = sorted(set(kept) - set(VOCAL_CHANNEL.values()))
    if unknown:
        raise ValueError(
            f"RAVDESS options.vocal_channels: unknown {unknown}; "
            f"choose from {sorted(VOCAL_CHANNEL.values())}"
        )
    return scan_files(root, lambda path: parse(path, kept))
