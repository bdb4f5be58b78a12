"""CREMA-D: ``AudioWAV/1001_DFA_ANG_XX.wav`` plus ``VideoDemographics.csv`` for each actor's sex.

Names are ``<actor>_<sentence>_<emotion>_<level>``: 91 actors (1001-1091), 12 sentences,
ANG DIS FEA HAP NEU SAD, levels LO MD HI and XX (unspecified); the sentence code (``DFA``
...) is the ``sentence``. When the root holds the
publisher's whole repository, only ``AudioWAV`` is scanned (``AudioMP3`` holds the same clips
again); otherwise every audio file under the root. Without the demographics sheet (option
``demographics``, else ``VideoDemographics.csv`` found anywhere under the root) the gender is
``unknown``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import (
    Reject,
    Scan,
    Utterance,
    find_ci,
    normalize_gender,
    scan_files,
    walk_tree,
)
from crossemo.corpora.sheets import read_csv_sheet

log = logging.getLogger(__name__)

EMOTION = {
    "ANG": "anger", "DIS": "disgust", "FEA": "fear",
    "HAP": "happiness", "NEU": "neutral", "SAD": "sadness",
}  # fmt: skip
#: the publisher's folder of WAV clips: its copy of a file wins over copies elsewhere
PREFERRED_FOLDERS = ("AudioWAV",)

LEVEL = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified", "X": "unspecified"}
SENTENCE = {
    "IEO": "It's eleven o'clock",
    "TIE": "That is exactly what happened",
    "IOM": "I'm on my way to the meeting",
    "IWW": "I wonder what this is about",
    "TAI": "The airplane is almost full",
    "MTI": "Maybe tomorrow it will be cold",
    "IWL": "I would like a new alarm clock",
    "ITH": "I think I have a doctor's appointment",
    "DFA": "Don't forget a jacket",
    "ITS": "I think I've seen this before",
    "TSI": "The surface is slick",
    "WSI": "We'll stop in a couple of minutes",
}

_NAME = re.compile(r"^(\d{4})_([A-Za-z]{3})_([A-Za-z]{3})_([A-Za-z]{1,2})$", re.ASCII)


def read_demographics(path: Path) -> dict[str, str]:
    """Actor id -> 'female'/'male'/'unknown' from ``VideoDemographics.csv``."""
    table = read_csv_sheet(path, "CREMA-D demographics", dtype=str, skipinitialspace=True)
    table.columns = [c.strip().lower() for c in table.columns]
    if not {"actorid", "sex"} <= set(table.columns):
        raise ValueError(f"{path}: expected columns ActorID and Sex, found {list(table.columns)}")
    table = table.dropna(subset=["actorid"])
    pairs = zip(table["actorid"], table["sex"], strict=True)
    return {actor.strip(): normalize_gender(sex) for actor, sex in pairs}


def _find_demographics(root: Path) -> Path | None:
    found = [p for p in walk_tree(root, {".csv"})[0] if p.name.lower() == "videodemographics.csv"]
    return found[0] if found else None


def scan(root: Path, corpus: str, demographics: str | Path | None = None) -> Scan:
    """Every CREMA-D clip under ``root`` (``AudioWAV`` only when present)."""
    sheet = Path(root, demographics) if demographics else _find_demographics(root)
    sexes = read_demographics(sheet) if sheet else {}
    if not sexes:
        log.warning("%s: no VideoDemographics.csv under %s; gender is 'unknown'", corpus, root)
    audio_dir = find_ci(root, "AudioWAV") or root

    def parse(path: Path) -> Utterance | Reject:
        match = _NAME.match(path.stem)
        if match is None:
            return Reject(path, UNPARSABLE_NAME, "expected <actor>_<sentence>_<emotion>_<level>")
        actor, sentence, emo, level = match[1], match[2].upper(), match[3].upper(), match[4].upper()
        if emo not in EMOTION:
            return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {emo!r}", path.stem)
        if sentence not in SENTENCE or level not in LEVEL:
            detail = f"sentence {sentence!r}, level {level!r}"
            return Reject(path, UNPARSABLE_NAME, detail, path.stem)
        return Utterance(
            local_id=path.stem,
            path=path,
            speaker=actor,
            raw_label=emo,
            emotion=EMOTION[emo],
            gender=sexes.get(actor, "unknown"),
            text=SENTENCE[sentence],
            sentence=sentence,
            extra={"level": LEVEL[level]},
        )

    return scan_files(audio_dir, parse)
