"""MSP-Podcast (Lotfian and Busso, 2019; UT Dallas MSP lab): ``Audios/<segment>.wav`` labelled by
``Labels/labels_consensus.csv``.

Layout from the publisher's release (``MSP-PODCAST-Publish-1.x``: ``Audios/``, ``Labels/``,
``Transcripts/``, ``Partitions.txt``) and EmoBox's preparation script (EmoBox ships folds but no
file list for MSP-Podcast; it read the older ``labels_concensus.json``, spelled so, with
``Audio/``). The adapter reads the consensus sheet, which it needs: the first of
``Labels/labels_consensus.csv``, ``Labels/labels_consensus.json`` and their ``concensus``
spellings (folder ``Labels`` or ``label``, any case); without one the scan stops with an error
naming them. The CSV has ``FileName, EmoClass, EmoAct, EmoVal, EmoDom, SpkrID, Gender,
Split_Set``; the JSON maps each ``FileName`` to the same fields.

Segments are named ``MSP-PODCAST_<podcast>_<segment>.wav``. The speaker is ``SpkrID``; where
the sheet says ``Unknown`` it is ``unknown-<podcast>``, so unattributed segments of one podcast
stay together. Gender from ``Gender``; language ``en``; the ``text`` is
``Transcripts/<segment>.txt`` where present; no ``sentence`` (spontaneous speech). ``EmoAct``,
``EmoVal``, ``EmoDom`` go to ``extra`` as ``arousal``, ``valence``, ``dominance`` and
``Split_Set`` as ``msp_split``.

Labels (``EmoClass``, EmoBox's label map): A anger, H happiness, S sadness, N neutral,
U surprise, F fear, D disgust, C contempt, O other, X no agreement (``undecided``). An audio
file the sheet does not list is a ``no_label`` reject, a sheet row without its audio file a
``no_audio_for_label`` one, an unknown class an ``unknown_emotion_code`` one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE
from crossemo.corpora.base import (
    Reject,
    Scan,
    Utterance,
    find_ci,
    no_options,
    normalize_gender,
)
from crossemo.corpora.sheets import read_csv_sheet, scan_keyed

EMOTION = {
    "A": "anger", "H": "happiness", "S": "sadness", "N": "neutral", "U": "surprise",
    "F": "fear", "D": "disgust", "C": "contempt", "O": "other", "X": "undecided",
}  # fmt: skip
#: where the consensus sheet may lie, first found wins
SHEETS = tuple(
    (folder, f"labels_{spelling}.{suffix}")
    for spelling in ("consensus", "concensus")
    for suffix in ("csv", "json")
    for folder in ("Labels", "label")
)
_PODCAST = re.compile(r"^MSP-PODCAST_(?P<podcast>\d+)_\d+", re.ASCII | re.IGNORECASE)


def find_sheet(root: Path) -> Path:
    """The consensus label sheet under ``root``; FileNotFoundError naming where it was sought."""
    for parts in SHEETS:
        found = find_ci(root, *parts)
        if found is not None and found.is_file():
            return found
    sought = ", ".join("/".join(parts) for parts in SHEETS)
    raise FileNotFoundError(
        f"MSP-Podcast under {root}: no consensus label sheet (sought {sought}); unpack the "
        "release's Labels/ folder beside Audios/ or check corpora.<name>.root"
    )


def read_labels(sheet: Path) -> dict[str, dict]:
    """``FileName -> row`` of the consensus sheet (CSV or JSON)."""
    if sheet.suffix.lower() == ".json":
        rows = json.loads(sheet.read_text(encoding="utf-8"))
        return {str(name): dict(row) for name, row in rows.items()}
    table = read_csv_sheet(sheet, "MSP-Podcast label sheet", dtype=str, keep_default_na=False)
    return {row["FileName"]: row for row in table.to_dict("records")}


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _speaker(row: dict, stem: str) -> str:
    speaker = str(row.get("SpkrID", "")).strip()
    if speaker and speaker.lower() != "unknown":
        return speaker
    podcast = _PODCAST.match(stem)
    return f"unknown-{podcast['podcast'] if podcast else stem}"


def parse(path: Path, row: dict, transcripts: Path | None = None) -> Utterance | Reject:
    """One segment and its sheet row -> utterance, or a reject."""
    code, local_id = str(row.get("EmoClass", "")).strip(), path.stem
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"EmoClass {code!r}", local_id)
    text_file = transcripts / f"{path.stem}.txt" if transcripts else None
    text = None
    if text_file is not None and text_file.is_file():
        text = text_file.read_text(encoding="utf-8", errors="replace").strip()
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=_speaker(row, path.stem),
        raw_label=code,
        emotion=EMOTION[code],
        gender=normalize_gender(row.get("Gender")),
        text=text,
        sentence=None,
        language="en",
        extra={
            "arousal": _number(row.get("EmoAct")),
            "valence": _number(row.get("EmoVal")),
            "dominance": _number(row.get("EmoDom")),
            "msp_split": row.get("Split_Set") or None,
        },
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root`` with its row of the consensus sheet; no options."""
    no_options(options)
    sheet = find_sheet(root)
    transcripts = find_ci(root, "Transcripts")
    return scan_keyed(
        root, read_labels(sheet), lambda p: p.name, lambda p, r: parse(p, r, transcripts), sheet
    )
