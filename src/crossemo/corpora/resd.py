"""RESD (Russian Emotional Speech Dialogs, Aniemore; Hugging Face ``Aniemore/resd``, MIT):
``train/<dialog>/<utt>.wav`` and ``test/...`` listed by ``train.csv`` and ``test.csv``, Russian.

Layout (EmoBox's ``downloads/resd/{train,test}/<dialog folder>/<name>.wav``; the csv-built
revision of the Hugging Face repository): ``train.csv`` and ``test.csv`` at the root, with columns
``name``, ``path`` (relative to the folder ``train/`` or ``test/`` named like the sheet) and
``emotion``; the publisher's split is kept as ``extra['split']``. Later revisions of the
repository ship the same 1396 utterances as Parquet with embedded audio, which this adapter does
not read. Actors voiced pre-assigned emotions in 50 two-person dialogs: the folder is
``<nn>_<emotion>_<emotion>`` or ``<emotion>_<emotion>_<nn>`` and a name is
``<nn>_<emotion>_<emotion>[ _]<letter>_<line>`` (a space before the letter in some dialogs;
dialog 11's names swap the folder's emotion order), the letter being the first of the
speaking actor's emotion. The actors are not named: the ``speaker`` is the dialog's side
(``11d``: dialog 11's actor of disgust), the ``group`` the dialog (``dialog11``: both sides of a
conversation stay in one split; an actor who played in several dialogs is not known as one),
gender unknown, ``sentence`` null (dialog lines are not repeated).

Labels are the sheets' ``emotion`` words (EmoBox's ``emo``): anger, disgust, enthusiasm, fear,
happiness, neutral, sadness; the name's letter agrees for all of EmoBox's files. Audio a sheet
does not list is a ``no_label`` reject, a sheet row without its file a ``no_audio_for_label`` one,
an unknown word ``unknown_label``, an unparsable name ``unparsable_name``. Without the sheets the
scan stops naming them, unless the option ``sheets: null`` takes the labels from the names'
letters. Language ``ru``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

from crossemo.core.reasons import (
    NO_AUDIO_FOR_LABEL,
    NO_LABEL,
    UNKNOWN_EMOTION_CODE,
    UNKNOWN_LABEL,
    UNPARSABLE_NAME,
)
from crossemo.corpora.base import Reject, Scan, Utterance, find_ci, scan_files

#: the publisher's sheets, relative to the root; each lists the files under the folder of its stem
SHEETS = ("train.csv", "test.csv")
#: the sheets' emotion words (EmoBox's ``emo``) -> the manifests' emotions
WORD = {
    "anger": "anger", "disgust": "disgust", "enthusiasm": "enthusiasm", "fear": "fear",
    "happiness": "happiness", "neutral": "neutral", "sadness": "sadness",
}  # fmt: skip
#: the names' letters: the first of each emotion word
LETTER = {word[0]: word for word in WORD}

_NAME = re.compile(
    r"^(?P<dialog>\d+)_(?P<first>[a-z]+)_(?P<second>[a-z]+)[ _](?P<letter>[a-z])_(?P<line>\d+)$",
    re.ASCII | re.IGNORECASE,
)


def read_sheets(root: Path, sheets: Sequence[str], corpus: str) -> dict[str, dict]:
    """Relative path (lower-case, ``/``) -> ``{emotion, split, path}`` of every sheet row;
    FileNotFoundError naming a missing sheet and the option that does without."""
    rows: dict[str, dict] = {}
    for name in sheets:
        sheet = find_ci(root, *Path(name).parts)
        if sheet is None or not sheet.is_file():
            raise FileNotFoundError(
                f"{corpus}: {root / name} not found: RESD's labels (train.csv and test.csv of "
                "the Hugging Face dataset Aniemore/resd); put them in the corpus root, or set "
                f"corpora.{corpus}.options.sheets: null to take the labels from the file names"
            )
        split = Path(name).stem
        with open(sheet, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                relative = f"{split}/{row['path'].strip()}"
                rows[relative.lower()] = {"emotion": row.get("emotion", ""), "split": split,
                                          "path": relative}  # fmt: skip
    return rows


def parse(path: Path, label: dict | None) -> Utterance | Reject:
    """One RESD file with its sheet row (None: the label from the name) -> utterance or reject."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME,
                      "expected <nn>_<emotion>_<emotion>[ _]<letter>_<line>")  # fmt: skip
    dialog, letter = int(match["dialog"]), match["letter"].lower()
    local_id = (f"{dialog:02d}_{match['first'].lower()}_{match['second'].lower()}_{letter}_"
                f"{match['line']}")  # fmt: skip
    raw = LETTER.get(letter) if label is None else str(label["emotion"]).strip().lower()
    if raw is None:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion letter {letter!r}", local_id)
    if raw not in WORD:
        return Reject(path, UNKNOWN_LABEL, f"sheet emotion {raw!r}", local_id)
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=f"{dialog:02d}{letter}",
        raw_label=raw,
        emotion=WORD[raw],
        group=f"dialog{dialog:02d}",
        sentence=None,
        language="ru",
        extra={"split": None if label is None else label["split"]},
    )


def scan(root: Path, corpus: str, sheets: Sequence[str] | None = SHEETS) -> Scan:
    """Every audio file under ``root`` labelled by ``sheets`` (None: by the names' letters)."""
    if sheets is None:
        return scan_files(root, lambda path: parse(path, None))
    rows = read_sheets(root, sheets, corpus)
    listed: set[str] = set()

    def labelled(path: Path) -> Utterance | Reject:
        key = path.relative_to(root).as_posix().lower()
        if key not in rows:
            return Reject(path, NO_LABEL, f"not listed in {', '.join(sheets)}")
        listed.add(key)
        return parse(path, rows[key])

    result = scan_files(root, labelled)
    for key in sorted(set(rows) - listed):
        row = rows[key]
        result.rejects.append(Reject(root / row["path"], NO_AUDIO_FOR_LABEL,
                                     f"{row['split']}.csv: {row['path']}"))  # fmt: skip
    return result
