"""CaFE (Canadian French Emotional speech): ``CaFE_48k/Colère/Faible/01-C-1-1.wav``, Quebec French.

Layout (EmoBox's paths; the publisher's Zenodo record 1478765 ships ``CaFE_48k.zip`` and
``CaFE_192k.zip``): one folder per emotion (``Colère``, ``Dégoût``, ``Joie``, ``Neutre``,
``Peur``, ``Surprise``, ``Tristesse``), each but ``Neutre`` split into ``Faible`` and ``Fort``
intensities. EmoBox's copy shows the accented folder names garbled by a zip tool (``ColŠre``,
``D‚go–t``): the adapter reads everything from the file name, so folder names do not matter.
Names ``AA-E-I-S``: actor (01-12), emotion letter (C anger, D disgust, J happiness, N neutral,
P fear, S surprise, T sadness), intensity (1 low, 2 high) and sentence (1-6). The id is the
stem; a root holding both releases keeps the ``CaFE_48k`` copy (the 192 kHz one is a
``duplicate_file`` reject).

The speaker is the actor; the corpus documentation (and EmoBox's script) gives odd actors as
male and even ones as female. The ``sentence`` is the sentence number, the same six texts
(``text``) for every actor and emotion. Language ``fr``. Other names are ``unparsable_name``
rejects, other emotion letters ``unknown_emotion_code`` ones.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: the publisher's 48 kHz release wins over the 192 kHz copy of the same recordings
PREFERRED_FOLDERS = ("CaFE_48k",)

EMOTION = {
    "C": "anger", "D": "disgust", "J": "happiness", "N": "neutral",
    "P": "fear", "S": "surprise", "T": "sadness",
}  # fmt: skip
INTENSITY = {"1": "low", "2": "high"}
SENTENCE = {
    "1": "Un cheval fou dans mon jardin",
    "2": "Deux ânes aigris au pelage brun",
    "3": "Trois cygnes aveugles au bord du lac",
    "4": "Quatre vieilles truies éléphantesques",
    "5": "Cinq pumas fiers et passionnés",
    "6": "Six ours aimants domestiqués",
}

_NAME = re.compile(r"^(?P<actor>\d\d)-(?P<code>[A-Za-z])-(?P<level>\d)-(?P<sent>\d)$", re.ASCII)


def parse(path: Path) -> Utterance | Reject:
    """One CaFE file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <actor:2>-<emotion>-<intensity>-<sentence>")
    actor, code, level, sent = match["actor"], match["code"].upper(), match["level"], match["sent"]
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", path.stem)
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=actor,
        raw_label=code,
        emotion=EMOTION[code],
        gender="male" if int(actor) % 2 else "female",
        text=SENTENCE.get(sent),
        sentence=sent,
        language="fr",
        extra={"intensity": INTENSITY.get(level, level)},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
