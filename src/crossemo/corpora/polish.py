"""Polish emotional speech (Emotions in Polish speech recordings, Gdańsk University of
Technology, Most Wiedzy open data): flat ``m5.s_podaj_4.wav``, Polish.

Layout: 450 WAV files (44.1 kHz mono) in one folder (EmoBox's paths:
``downloads/polish/<name>.wav``; the publisher's archive unpacks to such a folder, which may sit
anywhere under the root). Names are ``<speaker>.<emotion>_<word>_<repetition>``: speaker ``m1``
... ``m5`` (five speakers; the leading letter is read as the sex, ``m`` male and ``f`` female: all
450 of EmoBox's files are ``m``, which the publisher's description was not checked against),
emotion letter, the spoken command word (``tak``, ``nie``, ``stop``, ``podaj``,
``oddaj``, ``trzymaj``: the ``text`` and the ``sentence``, the same word in every emotion and
speaker) and the repetition 1-5. 5 speakers x 3 emotions x 6 words x 5 repetitions.

Emotion letters (EmoBox's ``emo`` and label map): ``n`` neutral, ``a`` anger, ``s`` fear
(Polish *strach*). Unparsable names are ``unparsable_name`` rejects, other letters
``unknown_emotion_code`` ones. Language ``pl``.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {"n": "neutral", "a": "anger", "s": "fear"}
GENDER = {"m": "male", "f": "female"}

_NAME = re.compile(r"^(?P<spk>[mf]\d+)\.(?P<code>[a-z])_(?P<word>[a-z]+)_(?P<rep>\d+)$",
                   re.ASCII | re.IGNORECASE)  # fmt: skip


def parse(path: Path) -> Utterance | Reject:
    """One Polish-corpus file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <m|f><n>.<emotion>_<word>_<repetition>")
    speaker, code, word = match["spk"].lower(), match["code"].lower(), match["word"].lower()
    local_id = f"{speaker}.{code}_{word}_{int(match['rep'])}"
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=code,
        emotion=EMOTION[code],
        gender=GENDER[speaker[0]],
        text=word,
        sentence=word,
        language="pl",
        extra={"repetition": int(match["rep"])},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
