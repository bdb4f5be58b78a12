"""ASED (Amharic Speech Emotion Dataset): ``05Angry/a5-03-01-02-50.wav``.

Layout (EmoBox's paths and the publisher's README, github.com/wgwangang/ASED_V1): five folders
``01Neutral``, ``02Fearful``, ``03Happy``, ``04Sad``, ``05Angry``; names ``xn-yy-aa-gg-bb``:
``x`` the emotion letter (n neutral, f fear, h happiness, s sadness, a anger; one file writes
``S4-...``, read as ``s``), ``n`` its folder number (n1 f2 h3 s4 a5: a letter with another number
is an ``unknown_emotion_code`` reject), ``yy`` the sentence within the emotion (01-07), ``aa``
the repetition (01, 02), ``gg`` the gender (01 female, 02 male), ``bb`` the speaker (01-65).
The emotion comes from the name, as in EmoBox; the id is the file name's stem.

Sentences (README): every speaker read 25 emotion-specific sentences (5 per emotion) and two
common sentences in all five emotions. By EmoBox's counts (01 and 02 occur in every folder,
fewer than 03-07, as the judges rejected more common-sentence takes) ``yy`` 01 and 02 are the
common ones: ``sentence`` is ``common01``/``common02`` for those (the same text in every
emotion) and ``<letter><yy>`` (``a03``) otherwise, shared by all speakers. The gender is read
per file from ``gg``: five speakers (09, 15, 21, 23, 25) have one file marked male among
otherwise female ones in the release; they are kept as published. Language ``am``.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {"n": "neutral", "f": "fear", "h": "happiness", "s": "sadness", "a": "anger"}
#: the folder number each emotion letter carries in the name (``a5``, ``n1`` ...)
FOLDER = {"n": "1", "f": "2", "h": "3", "s": "4", "a": "5"}
GENDER = {"01": "female", "02": "male"}
#: sentence numbers that are the same two texts in every emotion
COMMON_SENTENCES = ("01", "02")

_NAME = re.compile(
    r"^(?P<code>[A-Za-z])(?P<folder>\d)-(?P<sent>\d\d)-(?P<rep>\d\d)-(?P<gender>\d\d)"
    r"-(?P<spk>\d\d)$",
    re.ASCII,
)


def sentence_id(code: str, number: str) -> str:
    """``common<nn>`` for the common sentences, else ``<letter><nn>``."""
    return f"common{number}" if number in COMMON_SENTENCES else f"{code}{number}"


def parse(path: Path) -> Utterance | Reject:
    """One ASED file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <letter><folder>-<yy>-<aa>-<gg>-<bb>")
    raw, code = match["code"] + match["folder"], match["code"].lower()
    if FOLDER.get(code) != match["folder"]:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {raw!r}", path.stem)
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=match["spk"],
        raw_label=match["code"],
        emotion=EMOTION[code],
        gender=GENDER.get(match["gender"], "unknown"),
        sentence=sentence_id(code, match["sent"]),
        language="am",
        extra={"repetition": int(match["rep"])},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
