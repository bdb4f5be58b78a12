"""JL-Corpus (James, Tian and Watson, 2018; New Zealand English, Kaggle ``tli725/jl-corpus``):
``Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/female2_happy_10b_1.wav``.

Layout, as EmoBox's metadata shows it: one folder of 2400 WAV files (44.1 kHz, mono), each
with its transcript beside it (``female2_happy_10b_1.txt``); EmoBox reads that folder only.
What else the Kaggle archive holds was not checked here; a file of the same name found twice
(another copy of the recordings) is taken from ``JL(wav+txt)`` (:data:`PREFERRED_FOLDERS`).

Names are ``<speaker>_<emotion>_<sentence><a|b>_<take>``: four speakers (``male1``, ``male2``,
``female1``, ``female2``: the gender is the name's prefix), ten emotions spelt out (the five
primary angry, sad, neutral, happy, excited and the five secondary anxious, apologetic,
assertive, concerned, encouraging; EmoBox keeps all ten), sentence numbers 1-15 with a letter
``a``/``b`` (EmoBox's data has both for every emotion) and takes 1-2. The ``sentence`` is the
number alone (``10``): whether ``10a`` and ``10b``, or number 10 under two emotions, are the
same text is not in the names, so they are grouped (a sentence-disjoint split is then at worst
coarser, never leaky). The ``text`` is read from the ``.txt`` beside the recording when it is
there (stripped; null without one). Language ``en``.

Rejected: names not of that form (``unparsable_name``), speakers other than the four
(``unknown_speaker``), emotions other than the ten (``unknown_emotion_code``).
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNKNOWN_SPEAKER, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: the folder EmoBox reads: its copy of a file wins over copies elsewhere under the root
PREFERRED_FOLDERS = ("JL(wav+txt)",)

EMOTION = {
    "angry": "anger", "sad": "sadness", "neutral": "neutral", "happy": "happiness",
    "excited": "excitement", "anxious": "anxiety", "apologetic": "apology",
    "assertive": "assertiveness", "concerned": "concern", "encouraging": "encouragement",
}  # fmt: skip
SPEAKERS = {"male1": "male", "male2": "male", "female1": "female", "female2": "female"}

_NAME = re.compile(
    r"^(?P<spk>[a-z]+\d+)_(?P<emo>[a-z]+)_(?P<num>\d{1,2})(?P<variant>[ab])_(?P<take>\d+)$",
    re.ASCII | re.IGNORECASE,
)


def transcript(path: Path) -> str | None:
    """The text of the ``.txt`` beside ``path`` (stripped), or None without one."""
    text_file = path.with_suffix(".txt")
    if not text_file.is_file():
        return None
    text = text_file.read_text(encoding="utf-8", errors="replace").strip()
    return text or None


def parse(path: Path) -> Utterance | Reject:
    """One JL-Corpus file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <speaker>_<emotion>_<nn><a|b>_<take>")
    speaker, code = match["spk"].lower(), match["emo"].lower()
    local_id = path.stem.lower()
    if speaker not in SPEAKERS:
        return Reject(path, UNKNOWN_SPEAKER, f"speaker {speaker!r}", local_id)
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=code,
        emotion=EMOTION[code],
        gender=SPEAKERS[speaker],
        text=transcript(path),
        sentence=str(int(match["num"])),
        language="en",
        extra={"variant": match["variant"].lower(), "take": int(match["take"])},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
