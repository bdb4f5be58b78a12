"""SUBESCO (SUST Bangla Emotional Speech Corpus, Sultana et al. 2021; Zenodo record 4526477):
flat ``M_07_SIBLY_S_3_FEAR_5.wav``, Bangla.

Layout: all 7000 WAV files in one folder (EmoBox's paths: ``downloads/subesco/<name>.wav``; the
Zenodo archive ``SUBESCO.zip`` unpacks to one such folder, which may sit anywhere under the root).
Names are ``<sex>_<nn>_<NAME>_S_<sentence>_<EMOTION>_<take>``: sex ``M``/``F`` (the gender), the
speaker's number within that sex (``M_07`` and ``F_07`` are different people: the ``speaker`` is
``M_07``), the speaker's first name (``extra['speaker_name']``), the sentence number 1-10 (every
speaker read the same ten sentences: the ``sentence`` is ``S_3``), the emotion word and the take
1-5. 20 speakers (10 per sex), 7 emotions x 10 sentences x 5 takes each.

Emotion words (upper-case, as EmoBox's ``emo`` in lower case): ANGRY anger, DISGUST disgust,
FEAR fear, HAPPY happiness, NEUTRAL neutral, SAD sadness, SURPRISE surprise.

One published name carries a stray bracket before the suffix (``F_02_MONIKA_S_2_SURPRISE_3].wav``,
listed so by EmoBox): a trailing ``]`` is accepted and left out of the id. Names that do not parse
are ``unparsable_name`` rejects, other emotion words ``unknown_emotion_code`` ones. Language ``bn``.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "ANGRY": "anger", "DISGUST": "disgust", "FEAR": "fear", "HAPPY": "happiness",
    "NEUTRAL": "neutral", "SAD": "sadness", "SURPRISE": "surprise",
}  # fmt: skip
GENDER = {"M": "male", "F": "female"}

_NAME = re.compile(
    r"^(?P<sex>[MF])_(?P<num>\d\d)_(?P<name>[A-Z]+)_S_(?P<sentence>\d+)_(?P<emotion>[A-Z]+)"
    r"_(?P<take>\d+)\]?$",
    re.ASCII | re.IGNORECASE,
)


def parse(path: Path) -> Utterance | Reject:
    """One SUBESCO file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME,
                      "expected <M|F>_<nn>_<NAME>_S_<sentence>_<EMOTION>_<take>")  # fmt: skip
    sex, emotion = match["sex"].upper(), match["emotion"].upper()
    speaker = f"{sex}_{match['num']}"
    sentence = f"S_{int(match['sentence'])}"
    local_id = f"{speaker}_{match['name'].upper()}_{sentence}_{emotion}_{int(match['take'])}"
    if emotion not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {emotion!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=emotion,
        emotion=EMOTION[emotion],
        gender=GENDER[sex],
        sentence=sentence,
        language="bn",
        extra={"speaker_name": match["name"].upper(), "take": int(match["take"])},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
