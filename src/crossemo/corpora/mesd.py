"""MESD, the Mexican Emotional Speech Database (Duville et al., 2021; Mendeley Data
``cy34mh68j9`` v5, CC BY 4.0), Mexican Spanish single words:
``Mexican Emotional Speech Database (MESD)/Sadness_M_B_amenazado.wav``.

Layout, as EmoBox's metadata shows it: one folder of 862 WAV files (48 kHz, mono; 144 per
emotion, 143 for anger and neutral: two child recordings of corpus A are absent). Names are
``<Emotion>_<voice>_<corpus>_<word>``: the emotion spelt out (Anger, Disgust, Fear, Happiness,
Neutral, Sadness), the voice ``F`` (adult female), ``M`` (adult male) or ``C`` (child), the word
list ``A`` or ``B`` and the word itself, with ``_`` between the words of a phrase
(``de_nada``) and without accents (``rapido``).

The names do not identify the individual speakers (EmoBox counts 11): the ``speaker`` is the
voice type (``F``, ``M``, ``C``), as in EmoBox's metadata, so a speaker-disjoint split keeps each
voice type on one side. ``gender`` is female for ``F``, male for ``M``, unknown for children.
The ``sentence`` is the word (``de_nada``: every word is said in every emotion), the ``text`` the
word with spaces. Language ``es``.

Rejected: names not of that form (``unparsable_name``), another voice letter
(``unknown_speaker``), another emotion (``unknown_emotion_code``).
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNKNOWN_SPEAKER, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "anger": "anger", "disgust": "disgust", "fear": "fear", "happiness": "happiness",
    "neutral": "neutral", "sadness": "sadness",
}  # fmt: skip
#: voice letter -> gender (children's is not given)
VOICES = {"F": "female", "M": "male", "C": "unknown"}

_NAME = re.compile(
    r"^(?P<emo>[A-Za-z]+)_(?P<voice>[A-Za-z])_(?P<list>[ABab])_(?P<word>[a-z]+(?:_[a-z]+)*)$",
    re.ASCII | re.IGNORECASE,
)


def parse(path: Path) -> Utterance | Reject:
    """One MESD file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <Emotion>_<F|M|C>_<A|B>_<word>")
    code, voice, word = match["emo"], match["voice"].upper(), match["word"].lower()
    local_id = path.stem
    if voice not in VOICES:
        return Reject(path, UNKNOWN_SPEAKER, f"voice {voice!r} (F, M or C)", local_id)
    if code.lower() not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=voice,
        raw_label=code,
        emotion=EMOTION[code.lower()],
        gender=VOICES[voice],
        text=word.replace("_", " "),
        sentence=word,
        language="es",
        extra={"word_list": match["list"].upper()},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
