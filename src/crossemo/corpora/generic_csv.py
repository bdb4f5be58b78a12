"""Any corpus described by a sheet: ``path,label,speaker[,start,end,text,sentence,gender,group,
language]`` (``sentence``: an id of the spoken text, equal for the same sentence; null when absent).

Options: ``csv`` (the sheet; relative to the root or absolute; default ``labels.csv``) and
``label_map`` (a dict, or ``"ang=anger,hap=happiness"``) mapping the sheet's labels to
:data:`~crossemo.corpora.base.EMOTIONS` names; without a mapping a label must already be one.
Audio paths are relative to the root (or absolute) and must stay inside it: a path that leads
outside (``../x.wav``, an absolute path elsewhere; judged on the path as written, ``..``
resolved, so links inside the root may point anywhere) is an ``outside_root`` reject unless the
option ``allow_outside_root`` is true. An ``utt_id`` (or ``id``) column gives
the ids; otherwise the id is the path without its suffix, plus ``#start-end`` for segments.
Further columns are kept as corpus-specific columns (except manifest column names, which the
manifest computes itself). Rows with a missing file, label or speaker, an unknown label, or
times that are not plain numbers, NaN/infinite, negative, ``end <= start`` or past the file's
end become rejects, each with its own reason (:mod:`crossemo.core.reasons`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from crossemo.core.reasons import (
    BAD_TIME,
    MISSING_FILE,
    MISSING_PATH,
    NO_LABEL,
    NO_SPEAKER,
    OUTSIDE_ROOT,
    UNKNOWN_LABEL,
)
from crossemo.core.schemas import Manifest
from crossemo.corpora.base import (
    EMOTIONS,
    Reject,
    Scan,
    Utterance,
    normalize_gender,
    time_problem,
)
from crossemo.corpora.sheets import read_csv_sheet

REQUIRED = ("path", "label", "speaker")
KNOWN = {*REQUIRED, "start", "end", "text", "sentence", "gender", "group", "language"}
KNOWN |= {"utt_id", "id"}
RESERVED = KNOWN | set(Manifest.to_schema().columns)


def parse_label_map(value: Mapping[str, str] | str | None) -> dict[str, str]:
    """``{"ang": "anger"}`` or ``"ang=anger,hap=happiness"`` -> dict; targets must be EMOTIONS."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
        if any(len(p) != 2 for p in pairs):
            raise ValueError(f"label_map {value!r}: expected 'label=emotion,label=emotion'")
        value = {k.strip(): v.strip() for k, v in pairs}
    mapping = {str(k).strip(): str(v).strip() for k, v in value.items()}
    unknown = sorted(set(mapping.values()) - set(EMOTIONS))
    if unknown:
        raise ValueError(f"label_map targets {unknown} are not emotions ({', '.join(EMOTIONS)})")
    return mapping


def _cell(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _seconds(value) -> float | None:
    """Seconds from a cell (None when blank); ValueError unless plain ASCII ``float`` text."""
    text = _cell(value)
    if text is None:
        return None
    if not text.isascii():  # float() reads other scripts' digits too
        raise ValueError(f"could not convert string to float: {text!r}")
    return float(text)


def scan(
    root: Path,
    corpus: str,
    csv: str | Path = "labels.csv",
    label_map: Mapping[str, str] | str | None = None,
    allow_outside_root: bool = False,
) -> Scan:
    """One utterance per row of the sheet (audio outside ``root`` only if allowed)."""
    sheet = Path(root, csv)
    if not sheet.is_file():
        raise FileNotFoundError(f"{corpus}: label sheet {sheet} not found")
    table = read_csv_sheet(sheet, "label sheet", dtype=str, keep_default_na=False, na_values=[""])
    table.columns = [c.strip().lower() for c in table.columns]
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"{sheet}: missing columns {missing} (have {list(table.columns)})")
    mapping = parse_label_map(label_map)
    found = Scan()
    for index, row in enumerate(table.to_dict("records"), start=2):  # line 1 is the header
        found.add(_row(root, sheet, index, row, mapping, allow_outside_root))
    return found


def is_inside(root: Path, path: Path) -> bool:
    """Whether ``path`` lies under ``root`` as written (``..`` resolved, links not followed)."""
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root))


def _row(
    root: Path, sheet: Path, line: int, row: dict, mapping: dict, allow_outside_root: bool
) -> Utterance | Reject:
    rel = _cell(row.get("path"))
    if rel is None:
        return Reject(sheet, MISSING_PATH, f"line {line}: empty path")
    path = Path(root, rel)
    try:
        start, end = _seconds(row.get("start")), _seconds(row.get("end"))
    except ValueError as err:
        return Reject(path, BAD_TIME, f"line {line}: {err}")
    local_id = _cell(row.get("utt_id")) or _cell(row.get("id")) or _default_id(rel, start, end)
    if not allow_outside_root and not is_inside(root, path):
        detail = f"line {line}: outside {root} (the option allow_outside_root: true allows it)"
        return Reject(path, OUTSIDE_ROOT, detail, local_id)
    if not path.exists():  # a FIFO, device or folder goes on to the probe: not_regular_file
        return Reject(path, MISSING_FILE, f"line {line}", local_id)
    label = _cell(row.get("label"))
    if label is None:
        return Reject(path, NO_LABEL, f"line {line}", local_id)
    emotion = mapping.get(label, label if label in EMOTIONS else None)
    if emotion is None:
        return Reject(path, UNKNOWN_LABEL, f"line {line}: {label!r}", local_id)
    speaker = _cell(row.get("speaker"))
    if speaker is None:
        return Reject(path, NO_SPEAKER, f"line {line}", local_id)
    problem = time_problem(start, end)
    if problem is not None:
        return Reject(path, problem[0], f"line {line}: {problem[1]}", local_id)
    if start is None and end is not None:
        start = 0.0
    extra = {k: v for k, v in row.items() if k not in RESERVED}
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=label,
        emotion=emotion,
        gender=normalize_gender(_cell(row.get("gender"))),
        group=_cell(row.get("group")),
        start=start,
        end=end,
        text=_cell(row.get("text")),
        sentence=_cell(row.get("sentence")),
        language=_cell(row.get("language")) or "en",
        extra=extra,
    )


def _default_id(rel: str, start: float | None, end: float | None) -> str:
    stem = Path(rel).with_suffix("").as_posix()
    if start is None and end is None:
        return stem
    return f"{stem}#{start or 0:.3f}-{'' if end is None else f'{end:.3f}'}"
