"""EMOVO (Costantini et al., LREC 2014): ``f1/gio-f1-b1.wav``, Italian.

Layout (EmoBox's metadata, 588 files): one folder per actor, ``f1``
``f2`` ``f3`` (women) and ``m1`` ``m2`` ``m3`` (men), each with 98 files named
``<emotion>-<actor>-<sentence>.wav`` (7 emotions x 14 sentences); the actor in the name is the
speaker (the folder says the same). Gender is the actor's letter.

Emotion codes (Italian, the publisher's documentation; EmoBox ships no ``label_map.json`` for
EMOVO, its ``label_dict.json`` agrees): ``neu`` neutral, ``gio`` (gioia) happiness, ``tri``
(tristezza) sadness, ``rab`` (rabbia) anger, ``pau`` (paura) fear, ``dis`` (disgusto) disgust,
``sor`` (sorpresa) surprise.

The ``sentence`` is the sentence code, the same text for every actor and emotion: ``b1``-``b3``
short, ``l1``-``l4`` long, ``n1``-``n5`` nonsense and ``d1``-``d2`` questions; ``text`` is the
Italian sentence from the publisher's documentation. Rejected: names not of that form
(``unparsable_name``), other emotion codes (``unknown_emotion_code``), actors other than the
six (``unknown_speaker``); a sentence code outside the 14 is ``unparsable_name``. Files
that are not audio (a documentation PDF) are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNKNOWN_SPEAKER, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "neu": "neutral", "gio": "happiness", "tri": "sadness", "rab": "anger",
    "pau": "fear", "dis": "disgust", "sor": "surprise",
}  # fmt: skip
GENDER = {"f": "female", "m": "male"}
SPEAKERS = ("f1", "f2", "f3", "m1", "m2", "m3")
SENTENCE = {
    "b1": "Gli operai si alzano presto.",
    "b2": "I vigili sono muniti di pistola.",
    "b3": "La cascata fa molto rumore.",
    "l1": "L'autunno prossimo Tony partirà per la Spagna: nella prima metà di ottobre.",
    "l2": "Ora prendo la felpa di là ed esco per fare una passeggiata.",
    "l3": "Un attimo dopo s'è incamminato... ed è inciampato.",
    "l4": "Vorrei il numero telefonico del Signor Piatti.",
    "n1": "La casa forte vuole col pane.",
    "n2": "La forza trova il passo e l'aglio rosso.",
    "n3": "Il gatto sta scorrendo nella pera.",
    "n4": "Insalata pastasciutta coscia d'agnello limoncello.",
    "n5": "Uno quarantatré dieci mille cinquantasette venti.",
    "d1": "Sabato sera cosa farà?",
    "d2": "Porti con te quella cosa?",
}

_NAME = re.compile(r"^([a-z]{3})-([a-z]\d)-([a-z]\d)$", re.ASCII | re.IGNORECASE)


def parse(path: Path) -> Utterance | Reject:
    """One EMOVO file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        expect = "expected <emotion>-<actor>-<sentence>, e.g. gio-f1-b1"
        return Reject(path, UNPARSABLE_NAME, expect)
    code, speaker, sentence = (part.lower() for part in match.groups())
    local_id = f"{code}-{speaker}-{sentence}"
    if speaker not in SPEAKERS:
        return Reject(path, UNKNOWN_SPEAKER, f"actor {speaker!r}", local_id)
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
    if sentence not in SENTENCE:
        return Reject(path, UNPARSABLE_NAME, f"sentence {sentence!r} (b1-b3, l1-l4, n1-n5, d1-d2)")
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=code,
        emotion=EMOTION[code],
        gender=GENDER[speaker[0]],
        text=SENTENCE[sentence],
        sentence=sentence,
        language="it",
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
