"""ESD (Emotional Speech Dataset; Zhou et al., 2021; github.com/HLTSingapore/Emotional-Speech-Data):
``<speaker>/<Emotion>/[train|evaluation|test/]<speaker>_<nnnnnn>.wav``.

Layout from the publisher's README and EmoBox's preparation script (EmoBox ships folds but no
file list for ESD): the archive ``Emotion Speech Dataset/`` holds 20 speaker folders
``0001``-``0020``, each with five emotion folders (``Angry``, ``Happy``, ``Neutral``, ``Sad``,
``Surprise``; EmoBox's labels are these names) of 350 WAV files each (16 kHz), and a transcript
``<speaker>/<speaker>.txt`` (``<id>\\t<text>\\t<emotion>`` per line; the Chinese speakers' emotions
in Chinese). The first release split each emotion folder into ``train/``, ``evaluation/`` and
``test/``; both forms are read, the split folder going to ``extra`` as ``esd_split``.

Speakers 0001-0010 speak Mandarin (language ``zh``), 0011-0020 English (``en``); genders from
the publisher's README (0001-0003, 0007, 0009, 0015-0019 female, the others male). The
utterance number gives the emotion (000001-000350 neutral, 000351-000700 angry, 000701-001050
happy, 001051-001400 sad, 001401-001750 surprise) and the text: within a language every speaker
reads the same 350 sentences in every emotion, so the ``sentence`` is ``<language>-<nnn>``,
``nnn`` = (number - 1) mod 350 + 1. The ``text`` is the transcript's line when
``<speaker>.txt`` is there (UTF-8, else GB18030 for the Chinese files), else empty.

Rejects: names other than ``<speaker>_<nnnnnn>`` (``unparsable_name``), speakers outside
0001-0020 (``unknown_speaker``), numbers outside 1-1750 (``unknown_emotion_code``), and files
whose number's emotion disagrees with their emotion folder (``label_conflict``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from crossemo.core.reasons import (
    LABEL_CONFLICT,
    UNKNOWN_EMOTION_CODE,
    UNKNOWN_SPEAKER,
    UNPARSABLE_NAME,
)
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

#: the emotion folders in the order of the utterance numbers, with the manifests' emotion
EMOTIONS = (
    ("Neutral", "neutral"),
    ("Angry", "anger"),
    ("Happy", "happiness"),
    ("Sad", "sadness"),
    ("Surprise", "surprise"),
)
#: utterances per emotion and speaker (the same sentences in every emotion)
SENTENCES = 350
FEMALE = {"0001", "0002", "0003", "0007", "0009", "0015", "0016", "0017", "0018", "0019"}
SPLIT_FOLDERS = ("train", "evaluation", "test")

_NAME = re.compile(r"^(?P<spk>\d{4})_(?P<num>\d{6})$", re.ASCII)


def language(speaker: str) -> str:
    """``zh`` for speakers 0001-0010, ``en`` for 0011-0020."""
    return "zh" if int(speaker) <= 10 else "en"


@lru_cache(maxsize=64)
def transcripts(folder: Path) -> dict[str, str]:
    """``<id> -> text`` of ``folder/<folder name>.txt``; empty when the file is absent."""
    path = folder / f"{folder.name}.txt"
    if not path.is_file():
        return {}
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    lines = (line.split("\t") for line in text.splitlines())
    return {parts[0].strip(): parts[1].strip() for parts in lines if len(parts) >= 2}


def _speaker_folder(path: Path, speaker: str) -> Path | None:
    """The ``<speaker>`` folder above ``path`` (where the transcript lies), if any."""
    return next((p for p in path.parents if p.name == speaker), None)


def parse(path: Path) -> Utterance | Reject:
    """One ESD file -> utterance, or a reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <speaker>_<nnnnnn> (0011_000351)")
    speaker, number, local_id = match["spk"], int(match["num"]), path.stem
    if not 1 <= int(speaker) <= 20:
        return Reject(path, UNKNOWN_SPEAKER, f"speaker {speaker} (ESD has 0001-0020)", local_id)
    if not 1 <= number <= SENTENCES * len(EMOTIONS):
        return Reject(path, UNKNOWN_EMOTION_CODE, f"utterance number {number}", local_id)
    folder, emotion = EMOTIONS[(number - 1) // SENTENCES]
    split = path.parent.name.lower() if path.parent.name.lower() in SPLIT_FOLDERS else None
    emotion_folder = path.parent.parent if split else path.parent
    if emotion_folder.name.lower() in {f.lower() for f, _ in EMOTIONS} and (
        emotion_folder.name.lower() != folder.lower()
    ):
        detail = f"number {number} is {folder}, in folder {emotion_folder.name!r}"
        return Reject(path, LABEL_CONFLICT, detail, local_id)
    home = _speaker_folder(path, speaker)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=folder,
        emotion=emotion,
        gender="female" if speaker in FEMALE else "male",
        text=transcripts(home).get(local_id) if home else None,
        sentence=f"{language(speaker)}-{(number - 1) % SENTENCES + 1:03d}",
        language=language(speaker),
        extra={"esd_split": split},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    transcripts.cache_clear()
    return scan_files(root, parse)
