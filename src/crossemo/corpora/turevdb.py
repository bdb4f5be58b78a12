"""TurEV-DB (Turkish emotional voice database; github.com/Xeonen/TurEV-DB): ``Sound Source/
<Emotion>/<actor>_<code>_<word>.wav``.

Layout as EmoBox's metadata lists it (its 1,735 files, all 44.1 kHz mono WAV) and as the
publisher's repository ships it: one folder per emotion (``Angry``, ``Calm``, ``Happy``,
``Sad``) under ``Sound Source/``. The file name holds everything: a four-digit actor code (six
actors: 1157, 1234, 1358, 1984, 6783, 7895), a Turkish emotion code (``kz`` kızgın = angry,
``sk`` sakin = calm, ``mt`` mutlu = happy, ``hl`` hüzünlü = sad) and the word spoken, written
without Turkish letters (``cilek`` for çilek). The speaker is the actor code; the ``sentence``
is the word (82 or so words, each read by every actor in every emotion), which is also the
``text``; a digit after the word (one EmoBox file, ``7895_hl_ogul1.wav``, has no ``ogul`` beside
it) is kept in the id and in ``extra`` as ``take`` but not in the sentence. Language ``tr``. The
file names do not say the actors' genders and EmoBox records none, so gender is ``unknown``.

Labels: the name's code (``raw_label``); it equals EmoBox's ``emo`` (the folder name) for every
EmoBox file. A file whose code and emotion folder disagree is a ``label_conflict`` reject, an
unknown code an ``unknown_emotion_code`` one, any other name an ``unparsable_name`` one.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import LABEL_CONFLICT, UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: the name's emotion code -> (the publisher's folder, the manifests' emotion)
EMOTION = {
    "kz": ("Angry", "anger"),
    "sk": ("Calm", "calm"),
    "mt": ("Happy", "happiness"),
    "hl": ("Sad", "sadness"),
}
FOLDERS = {folder.lower(): code for code, (folder, _) in EMOTION.items()}

_NAME = re.compile(r"^(?P<actor>\d{4})_(?P<code>[a-z]{2})_(?P<word>[a-z]+)(?P<take>\d*)$", re.ASCII)


def parse(path: Path) -> Utterance | Reject:
    """One TurEV-DB file -> utterance, or a reject."""
    match = _NAME.match(path.stem.lower())
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <actor>_<code>_<word> (1234_kz_cilek)")
    code, local_id = match["code"], path.stem.lower()
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion code {code!r}", local_id)
    folder_code = FOLDERS.get(path.parent.name.lower())
    if folder_code is not None and folder_code != code:
        detail = f"code {code!r} ({EMOTION[code][0]}) in folder {path.parent.name!r}"
        return Reject(path, LABEL_CONFLICT, detail, local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=match["actor"],
        raw_label=code,
        emotion=EMOTION[code][1],
        text=match["word"],
        sentence=match["word"],
        language="tr",
        extra={"take": int(match["take"] or 0)},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
