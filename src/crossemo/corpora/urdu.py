"""URDU (Latif et al., 2018): ``<Emotion>/S<g><n>_F<k>_<E><nnn>.wav``.

From github.com/siddiquelatif/urdu-dataset. Spontaneous speech cut from Urdu television talk
shows: 400 utterances, 100 per emotion folder (``Angry``, ``Happy``, ``Neutral``, ``Sad``), 44.1
kHz mono WAV, as EmoBox's metadata lists them and as the publisher's repository ships them. The
name ``SM5_F65_N093`` reads: speaker ``SM5`` (``S``, the gender ``M``/``F``, the speaker's
number: 29 speakers in EmoBox's list), the speaker's file number ``F65``, and the emotion code
(``A`` angry, ``H`` happy, ``N`` neutral, ``S`` sad) with the file's number within that emotion
(``093``). The speaker is the first part and the gender its letter (EmoBox's own preparation
script reads the names the same way). Language ``ur``. The speech is unscripted, so there is no
text or ``sentence``.

Labels: the name's emotion code (``raw_label``, EmoBox's ``emo``). A code that disagrees with
its emotion folder is a ``label_conflict`` reject, an unknown code an ``unknown_emotion_code``
one, any other name an ``unparsable_name`` one.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossemo.core.reasons import LABEL_CONFLICT, UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: the name's emotion code -> (the publisher's folder, the manifests' emotion)
EMOTION = {
    "A": ("Angry", "anger"),
    "H": ("Happy", "happiness"),
    "N": ("Neutral", "neutral"),
    "S": ("Sad", "sadness"),
}
FOLDERS = {folder.lower(): code for code, (folder, _) in EMOTION.items()}
GENDER = {"M": "male", "F": "female"}

_NAME = re.compile(
    r"^(?P<spk>S(?P<g>[MF])\d+)_F(?P<file>\d+)_(?P<code>[A-Z])(?P<num>\d+)$", re.ASCII
)


def parse(path: Path) -> Utterance | Reject:
    """One URDU file -> utterance, or a reject."""
    match = _NAME.match(path.stem.upper())
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected S<M|F><n>_F<k>_<code><nnn> (SM5_F65_N093)")
    code, local_id = match["code"], path.stem.upper()
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion code {code!r}", local_id)
    folder_code = FOLDERS.get(path.parent.name.lower())
    if folder_code is not None and folder_code != code:
        detail = f"code {code!r} ({EMOTION[code][0]}) in folder {path.parent.name!r}"
        return Reject(path, LABEL_CONFLICT, detail, local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=match["spk"],
        raw_label=code,
        emotion=EMOTION[code][1],
        gender=GENDER[match["g"]],
        sentence=None,
        language="ur",
        extra={"speaker_file": int(match["file"])},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
