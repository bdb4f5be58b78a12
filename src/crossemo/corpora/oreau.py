"""Oréau (OréauFR_02, Zenodo record 4405783), French acted speech:
``OréauFR_02/f/sessj/21a11Ja.wav``.

Layout, as EmoBox's metadata shows it: ``OréauFR_02/<f|m>/sess<c|d|j|n|p|s|t>/`` (the folder
name is spelt with a decomposed ``é`` in EmoBox's paths; the adapter does not read it), 434 WAV
files (44.1 kHz, mono). Names follow EmoDB's scheme: speaker (2 digits), text code (a letter
and 2 digits: ``a01`` ... ``a13``, ``a20``, and ``z03``/``z04`` for two files of speaker 07),
emotion letter and a version letter. The session folder repeats the emotion letter; the name
is what counts (EmoBox reads the name too).

Emotion letters (French initials): C colère (anger), T tristesse (sadness), J joie
(happiness), P peur (fear), D dégoût (disgust), S surprise, N neutre (neutral). The ``speaker``
is the 2 digits (32 speakers: 7 under ``f``, 25 under ``m``, none in both), the ``gender`` the
``f``/``m`` folder above the session folder (unknown when the file is not under one), the
``sentence`` the text code (the same texts in every emotion, as in EmoDB). Language ``fr``.

Rejected: names not of that form (``unparsable_name``), other emotion letters
(``unknown_emotion_code``).
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "C": "anger", "T": "sadness", "J": "happiness", "P": "fear",
    "D": "disgust", "S": "surprise", "N": "neutral",
}  # fmt: skip
#: the folder above the session folders -> gender
GENDER_FOLDERS = {"f": "female", "m": "male"}

_NAME = re.compile(r"^(\d\d)([a-z]\d\d)([A-Za-z])([a-z])$", re.ASCII)


def gender_of(path: Path) -> str:
    """``female``/``male`` from the ``f``/``m`` folder above the file's session folder."""
    return GENDER_FOLDERS.get(path.parent.parent.name.lower(), "unknown")


def parse(path: Path) -> Utterance | Reject:
    """One Oréau file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <speaker:2><text:3><emotion><version>")
    speaker, text_code, letter, version = match[1], match[2], match[3].upper(), match[4]
    if letter not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {letter!r}", path.stem)
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=speaker,
        raw_label=letter,
        emotion=EMOTION[letter],
        gender=gender_of(path),
        sentence=text_code,
        language="fr",
        extra={"version": version},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
