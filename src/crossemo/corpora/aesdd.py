"""AESDD (Acted Emotional Speech Dynamic Database, Greek): ``anger/a01 (1).wav``.

Layout (EmoBox's paths, the publisher's README): five folders named after the emotions
(``anger``, ``disgust``, ``fear``, ``happiness``, ``sadness``), file names ``xAA (B).wav``: ``x``
the emotion letter (a anger, d disgust, f fear, h happiness, s sadness), ``AA`` the utterance
number (01-20), ``B`` the actor. Extra qualified takes carry a letter after the actor
(``s01 (5)a.wav``, ``s01 (5)b.wav``) and a few files write the actor with a zero
(``f10 (01).wav``, actor 1). The emotion comes from the letter, not the folder (EmoBox does the
same; the letter and the folder agree in all 604 files EmoBox lists).

The id is ``<letter><AA>-<actor><take>`` (``a06-5b``), EmoBox's key without its prefix. The
speaker is the actor number (``01`` read as ``1``: EmoBox's six speakers 1-6). The README gives
five actors of v1.0 as three women and two men but not who is who, and later actors were added:
the gender is ``unknown``. Every actor read the same 19 utterances in every emotion plus one
improvised utterance per actor and emotion; the README does not say which number is the
improvised one, so the ``sentence`` is the utterance number ``AA`` for all twenty (an
improvised text then shares an id with others: a sentence-disjoint split stays disjoint).
Language ``el``. Names that do not follow the pattern are ``unparsable_name`` rejects, other
emotion letters ``unknown_emotion_code`` ones.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {"a": "anger", "d": "disgust", "f": "fear", "h": "happiness", "s": "sadness"}

_NAME = re.compile(
    r"^(?P<code>[A-Za-z])(?P<num>\d\d) ?\((?P<actor>\d+)\)(?P<take>[A-Za-z]?)$", re.ASCII
)


def parse(path: Path) -> Utterance | Reject:
    """One AESDD file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <emotion letter><nn> (<actor>)[take]")
    code, num, take = match["code"].lower(), match["num"], match["take"].lower()
    speaker = str(int(match["actor"]))
    local_id = f"{code}{num}-{speaker}{take}"
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=code,
        emotion=EMOTION[code],
        sentence=num,
        language="el",
        extra={"take": take or None},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
