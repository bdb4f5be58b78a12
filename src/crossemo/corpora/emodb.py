"""EmoDB (Berlin Database of Emotional Speech): ``wav/03a01Fa.wav``, German.

Names are speaker (2 digits), text code (``a01`` ... ``b10``: the ``sentence``), emotion letter
(W anger, L boredom, E disgust, A fear, F happiness, T sadness, N neutral) and a version letter.
Speakers' sexes and the ten sentences are from the corpus documentation. A file found twice
(``wav/`` and a copy elsewhere, e.g. ``backup/``) is taken from the publisher's ``wav/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: the publisher's folder: its copy of a file wins over copies elsewhere under the root
PREFERRED_FOLDERS = ("wav",)

EMOTION = {
    "W": "anger", "L": "boredom", "E": "disgust", "A": "fear",
    "F": "happiness", "T": "sadness", "N": "neutral",
}  # fmt: skip
GENDER = {
    "03": "male", "08": "female", "09": "female", "10": "male", "11": "male",
    "12": "male", "13": "female", "14": "female", "15": "male", "16": "female",
}  # fmt: skip
SENTENCE = {
    "a01": "Der Lappen liegt auf dem Eisschrank.",
    "a02": "Das will sie am Mittwoch abgeben.",
    "a04": "Heute abend könnte ich es ihm sagen.",
    "a05": "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück.",
    "a07": "In sieben Stunden wird es soweit sein.",
    "b01": "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    "b02": "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter.",
    "b03": "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht.",
    "b09": "Ich will das eben wegbringen und dann mit Karl was trinken gehen.",
    "b10": "Die wird auf dem Platz sein, wo wir sie immer hinlegen.",
}

_NAME = re.compile(r"^(\d\d)([abAB]\d\d)([A-Za-z])([A-Za-z])$", re.ASCII)


def parse(path: Path) -> Utterance | Reject:
    """One EmoDB file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <speaker:2><text:3><emotion><version>")
    speaker, text_code, letter, version = match[1], match[2].lower(), match[3].upper(), match[4]
    if letter not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {letter!r}", path.stem)
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=speaker,
        raw_label=letter,
        emotion=EMOTION[letter],
        gender=GENDER.get(speaker, "unknown"),
        text=SENTENCE.get(text_code),
        sentence=text_code,
        language="de",
        extra={"text_code": text_code, "version": version.lower()},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
