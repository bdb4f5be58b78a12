"""TESS (Toronto emotional speech set): ``OAF_angry/OAF_back_angry.wav``, any folder layout.

Names are ``<speaker>_<word>_<emotion>``: speakers OAF (older) and YAF (younger adult female),
carrier phrase "Say the word <word>"; the target word (lower case) is the ``sentence``, since the
carrier is the same in every file. The real release's quirks are accepted: folder and file
case varies (``OAF_Fear``, ``OAF_Pleasant_surprise``, ``YAF_pleasant_surprised``), ``ps``
means pleasant surprise, and a file named ``OA_...`` takes its speaker from its folder. The
file stem is the id, so the per-emotion folders and flat copies give the same ids.
"""

from __future__ import annotations

from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNKNOWN_SPEAKER, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

SPEAKERS = ("OAF", "YAF")
EMOTION = {
    "angry": "anger", "anger": "anger", "disgust": "disgust", "fear": "fear", "fearful": "fear",
    "happy": "happiness", "neutral": "neutral", "sad": "sadness", "ps": "pleasant_surprise",
    "pleasant_surprise": "pleasant_surprise", "pleasant_surprised": "pleasant_surprise",
}  # fmt: skip


def _speaker(token: str) -> str | None:
    token = token.upper()
    return token if token in SPEAKERS else None


def parse(path: Path) -> Utterance | Reject:
    """One TESS file -> utterance, or a reject."""
    parts = path.stem.split("_")
    if len(parts) >= 4 and parts[-2].lower() == "pleasant":
        parts = [*parts[:-2], f"pleasant_{parts[-1]}"]
    if len(parts) < 3:
        return Reject(path, UNPARSABLE_NAME, "expected <speaker>_<word>_<emotion>")
    code, word = parts[-1], " ".join(parts[1:-1])
    emotion = EMOTION.get(code.lower())
    if emotion is None:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", path.stem)
    speaker = _speaker(parts[0]) or _speaker(path.parent.name.split("_")[0])
    if speaker is None:
        detail = f"neither {parts[0]!r} nor folder {path.parent.name!r} names OAF/YAF"
        return Reject(path, UNKNOWN_SPEAKER, detail, path.stem)
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=speaker,
        raw_label=code.lower(),
        emotion=emotion,
        gender="female",
        text=f"Say the word {word}",
        sentence=word.lower(),
        extra={"word": word},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
