"""Emozionalmente (Catania et al., 2023; Zenodo 6569824): ``audio/<timestamp>.wav`` and the
publisher's ``metadata/samples.csv`` and ``metadata/users.csv``, Italian.

Layout (EmoBox's metadata, 6902 files, 986 per emotion): every recording in ``audio/``, named by
a 13-digit timestamp (16 kHz, 150 files at 44.1 kHz); the names say nothing, so labels come from
``metadata/samples.csv``, which the adapter must read (columns ``file_name``, ``actor``,
``sentence``, ``emotion_expressed``, as EmoBox's preprocessing reads them). A root without it
is an error naming it. ``metadata/users.csv`` (``username``, ``gender``, ``age``) gives the
actors' genders; without it (or without an actor's row) gender is unknown.

Crowd-sourced: the speaker is the sheet's ``actor`` (an anonymised username, 431 of them).
``text`` is the sheet's ``sentence`` and the ``sentence`` its normalised words (lower case, no
punctuation or accents): the actors read the same few Italian sentences. Labels (the sheet's
``emotion_expressed``, Italian-English names): anger, disgust, fear, joy (happiness),
neutrality (neutral), sadness, surprise.

Rejected: a recording without a sheet row (``no_label``), another label (``unknown_label``), a
row without an actor (``no_speaker``).
"""

from __future__ import annotations

from pathlib import Path

from crossemo.core.reasons import NO_LABEL, NO_SPEAKER, UNKNOWN_LABEL
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

SAMPLES = Path("metadata") / "samples.csv"
USERS = Path("metadata") / "users.csv"
COLUMNS = ("file_name", "actor", "sentence", "emotion_expressed")
EMOTION = {
    "anger": "anger", "disgust": "disgust", "fear": "fear", "joy": "happiness",
    "neutrality": "neutral", "sadness": "sadness", "surprise": "surprise",
}  # fmt: skip


def _sheet(path: Path, what: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a metadata sheet with ``columns``; errors name the file."""
    table = read_csv_sheet(path, what, dtype=str, keep_default_na=False)
    missing = sorted(set(columns) - set(table.columns))
    if missing:
        raise ValueError(f"{path}: missing columns {missing} (found {list(table.columns)})")
    return table.to_dict("records")


def read_samples(root: Path) -> dict[str, dict[str, str]]:
    """``metadata/samples.csv``'s rows by file name."""
    path = root / SAMPLES
    if not path.is_file():
        why = "the labels are only there: copy it from the publisher's archive"
        raise FileNotFoundError(f"{path}: Emozionalmente's metadata sheet is missing; {why}")
    rows = _sheet(path, "Emozionalmente samples", COLUMNS)
    return {Path(row["file_name"]).name: row for row in rows}


def read_genders(root: Path) -> dict[str, str]:
    """Actor -> gender from ``metadata/users.csv``; empty without the file."""
    path = root / USERS
    if not path.is_file():
        return {}
    rows = _sheet(path, "Emozionalmente users", ("username", "gender"))
    return {row["username"]: normalize_gender(row["gender"]) for row in rows}


def parse(path: Path, samples: dict[str, dict[str, str]], genders: dict[str, str]
          ) -> Utterance | Reject:  # fmt: skip
    """One recording, its sheet row and the actors' genders -> utterance, or a reject."""
    row = samples.get(path.name)
    if row is None:
        return Reject(path, NO_LABEL, f"no {SAMPLES} row with file_name {path.name}")
    label, actor = row["emotion_expressed"].strip(), row["actor"].strip()
    if label.lower() not in EMOTION:
        return Reject(path, UNKNOWN_LABEL, f"emotion_expressed {label!r}", path.stem)
    if not actor:
        return Reject(path, NO_SPEAKER, f"{SAMPLES}: no actor", path.stem)
    text = row["sentence"].strip() or None
    return Utterance(
        local_id=path.stem,
        path=path,
        speaker=actor,
        raw_label=label,
        emotion=EMOTION[label.lower()],
        gender=genders.get(actor, "unknown"),
        text=text,
        sentence=normalise(text, ()) or None,
        language="it",
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``, labelled by ``root/metadata/samples.csv``; no options."""
    no_options(options)
    samples, genders = read_samples(root), read_genders(root)
    return scan_files(root, lambda path: parse(path, samples, genders))
