"""EMNS (Noriy et al., 2023; OpenSLR 136): ``cleaned_webm/recorded_audio_<id>.webm`` and the
publisher's ``metadata.csv``, English.

Layout (EmoBox's metadata, 1181 files): every recording in ``cleaned_webm/`` as WebM (48 kHz
mono), named ``recorded_audio_<7 characters>.webm`` (one is plain ``recorded_audio.webm``); the
names say nothing, so labels come from ``metadata.csv`` beside that folder, which the adapter
must read (``|``-separated; columns ``audio_recording`` = ``wavs/<file name>``, ``emotion``,
``utterance``, ``gender``, also ``id``, ``description``, ``age``, ``level``, as EmoBox's
preprocessing reads them). A root without ``metadata.csv`` is an error naming it.

One speaker (the corpus is a single female voice actor): speaker ``narrator``; gender from the
sheet's ``gender``. ``text`` is the sheet's ``utterance`` and the ``sentence`` its normalised
words (lower case, no punctuation), equal for the same line read in two emotions. Labels (the
sheet's ``emotion``, case ignored): Angry, Disgust, Excited (excitement), Happy, Neutral, Sad,
Sarcastic (sarcasm), Surprise or Surprised (surprise, as EmoBox merges them).

Rejected: a recording without a sheet row (``no_label``), a label outside those
(``unknown_label``). A copy of a recording in another folder (e.g. the sheet's ``wavs/``) has
the same id: ``cleaned_webm/``'s copy is kept and the other is ``duplicate_file``.
"""

from __future__ import annotations

from pathlib import Path

from crossemo.core.reasons import NO_LABEL, UNKNOWN_LABEL
from crossemo.corpora.base import (
    Reject,
    Scan,
    Utterance,
    no_options,
    normalize_gender,
    scan_files,
)
from crossemo.corpora.sheets import read_csv_sheet
from crossemo.transcripts.filters import normalise

#: the folder of the recordings EmoBox lists: its copy wins over copies elsewhere
PREFERRED_FOLDERS = ("cleaned_webm",)
METADATA = "metadata.csv"
COLUMNS = ("audio_recording", "emotion")
EMOTION = {
    "angry": "anger", "disgust": "disgust", "excited": "excitement", "happy": "happiness",
    "neutral": "neutral", "sad": "sadness", "sarcastic": "sarcasm", "surprise": "surprise",
    "surprised": "surprise",
}  # fmt: skip
SPEAKER = "narrator"


def read_metadata(root: Path) -> dict[str, dict[str, str]]:
    """``metadata.csv``'s rows by the recording's file name; errors name the file."""
    path = root / METADATA
    if not path.is_file():
        why = "the labels are only there: copy it from the publisher's archive into the root"
        raise FileNotFoundError(f"{path}: EMNS's metadata sheet is missing; {why}")
    table = read_csv_sheet(path, "EMNS metadata", sep="|", dtype=str, keep_default_na=False)
    missing = sorted(set(COLUMNS) - set(table.columns))
    if missing:
        raise ValueError(f"{path}: missing columns {missing} (found {list(table.columns)})")
    return {Path(row["audio_recording"]).name: row for row in table.to_dict("records")}


def parse(path: Path, rows: dict[str, dict[str, str]]) -> Utterance | Reject:
    """One EMNS recording and its sheet row -> utterance, or a reject."""
    row = rows.get(path.name)
    if row is None:
        return Reject(path, NO_LABEL, f"no {METADATA} row with audio_recording */{path.name}")
    label = row["emotion"].strip()
    if label.lower() not in EMOTION:
        return Reject(path, UNKNOWN_LABEL, f"emotion {label!r}", path.stem)
    text = row.get("utterance", "").strip() or None
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=SPEAKER,
        raw_label=label,
        emotion=EMOTION[label.lower()],
        gender=normalize_gender(row.get("gender")),
        text=text,
        sentence=normalise(text, ()) or None,
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``, labelled by ``root/metadata.csv``; no options."""
    no_options(options)
    rows = read_metadata(root)
    return scan_files(root, lambda path: parse(path, rows))
