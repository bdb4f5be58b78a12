"""SAVEE: ``AudioData/DC/a01.wav`` as published, or flat copies ``ALL/DC_a01.wav``.

Four male speakers (DC, JE, JK, KL); codes a (anger), d (disgust), f (fear), h (happiness),
n (neutral), sa (sadness), su (surprise) and a sentence number. The id is ``DC_a01`` in both
layouts, so a file has the same id wherever it sits; a root holding both layouts keeps the
publisher's ``AudioData`` copy and rejects the other as ``duplicate_utt_id``.

Every speaker read the same TIMIT sentences: per emotion 15 (3 common to all emotions, 2
emotion-specific and 10 generic ones of that emotion), and 30 neutral ones (the 3 common and
the 12 emotion-specific sentences read neutrally, plus others), numbered within each emotion
code. The ``sentence`` is ``common01``-``common03`` for numbers 1-3 of any code (the same text in
every emotion) and ``<code><nn>`` otherwise (``a04``, shared by the four speakers). The file names
do not say which neutral numbers repeat an emotion-specific sentence, so those pairs
(``n<nn>`` against ``a04``/``a05`` ...) carry different ids: a sentence-disjoint split can still
hold a text read neutrally in one split and emotionally in the other.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNKNOWN_SPEAKER, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: the publisher's folder: its copy of a file wins over flat copies under the root
PREFERRED_FOLDERS = ("AudioData",)

EMOTION = {
    "a": "anger", "d": "disgust", "f": "fear", "h": "happiness",
    "n": "neutral", "sa": "sadness", "su": "surprise",
}  # fmt: skip
SPEAKERS = ("DC", "JE", "JK", "KL")
#: sentences numbered 1..COMMON_SENTENCES are the same text under every emotion code
COMMON_SENTENCES = 3


def sentence_id(code: str, number: int) -> str:
    """The ``sentence`` of file ``<code><number>``: ``common<nn>`` for the common sentences,
    else ``<code><nn>``."""
    return f"common{number:02d}" if number <= COMMON_SENTENCES else f"{code}{number:02d}"


_NAME = re.compile(r"^(?:(?P<spk>[A-Za-z]{2})_)?(?P<code>[A-Za-z]{1,2})(?P<num>\d{1,2})$", re.ASCII)


def parse(path: Path) -> Utterance | Reject:
    """One SAVEE file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <code><nn> or <speaker>_<code><nn>")
    speaker = (match["spk"] or path.parent.name).upper()
    code, num = match["code"].lower(), int(match["num"])
    local_id = f"{speaker}_{code}{num:02d}"
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
        gender="male",
        sentence=sentence_id(code, num),
        extra={"sentence_number": num},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
