"""StrEmo: the published spreadsheet of YouTube video ids and clip times.

The sheet (CSV or XLSX, as released at github.com/IntelligentVoice/IV_SER_Data) has the columns
``Filename, Language, Gender, Ethnicity, Accent, Age, Clip Time From, Clip Time To, Video_Id,
Source, Emotion``. :func:`validate_sheet` turns every row into either a clip (video id, start,
end, emotion) or a reject with a stable reason; :func:`overlaps` reports clips of one video whose
times overlap (kept, but listed). :func:`segment_clips` cuts the downloaded audio into clip
WAVs with pydub and assembles the corpus manifest (one emotion per video, so the video is the
speaker and the leakage group).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import numbers
import re
import unicodedata
from pathlib import Path, PurePosixPath

import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.reasons import (
    DUPLICATE_CLIP,
    INVALID_TIME,
    INVALID_VIDEO_ID,
    INVERTED_SEGMENT,
    MISSING_VIDEO_ID,
    SEGMENT_OUT_OF_RANGE,
    UNKNOWN_LABEL,
    VIDEO_MISSING_FILE,
    VIDEO_NOT_OK_PREFIX,
    ZERO_LENGTH,
)
from crossemo.core.safe_text import write_csv
from crossemo.corpora.base import Reject, Scan, Utterance, assemble, normalize_gender
from crossemo.corpora.sheets import SheetError, read_csv_sheet, read_excel_sheet

log = logging.getLogger(__name__)

#: a YouTube video id: exactly 11 characters of the URL-safe base64 alphabet
VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$", re.ASCII)
#: sheet label (lower-cased, trimmed) -> corpus-neutral emotion (crossemo.corpora.base.EMOTIONS)
LABELS = {
    "anger": "anger", "angry": "anger",
    "happiness": "happiness", "happy": "happiness",
    "neutral": "neutral",
}  # fmt: skip
#: canonical column -> accepted spellings (compared lower-cased with spaces/underscores removed)
COLUMNS = {
    "filename": ("filename", "file", "clip"),
    "language": ("language",),
    "gender": ("gender", "sex"),
    "ethnicity": ("ethnicity",),
    "accent": ("accent",),
    "age": ("age",),
    "start": ("cliptimefrom", "from", "start"),
    "end": ("cliptimeto", "to", "end"),
    "video_id": ("videoid", "video", "youtubeid"),
    "source": ("source",),
    "emotion": ("emotion", "label"),
}
REQUIRED = ("start", "end", "video_id", "emotion")
#: a spreadsheet date-time this close to the workbook's epoch (before 1900-03-01) is a day count
#: (a duration), never a calendar date: no video in a sheet is that old
EXCEL_DURATION_LIMIT_DAYS = 60
SECONDS_PER_DAY = 86400
#: a clip id (and file name stem) kept as written; anything else gets a slug and a hash
_SAFE_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9-])?", re.ASCII)
MAX_ID_CHARS = 100
ID_HASH_CHARS = 10
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$", re.ASCII)


def _key(name: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def read_sheet(path: str | Path) -> pd.DataFrame:
    """The sheet as published (``.csv``, ``.xlsx``/``.xls``), columns renamed to canonical names.

    Every cell is read as text (times stay ``0:01:23``, ids keep leading zeros/dashes); an
    XLSX time cell that Excel stored as a time of day arrives as ``datetime.time``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = read_csv_sheet(path, "StrEmo sheet", dtype=str, keep_default_na=False)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        table = read_excel_sheet(path, "StrEmo sheet", dtype=object)
    else:
        raise SheetError(f"StrEmo sheet {path}: expected a .csv or .xlsx file")
    rename = {}
    for column in table.columns:
        for canonical, spellings in COLUMNS.items():
            if _key(column) in spellings and canonical not in rename.values():
                rename[column] = canonical
                break
    table = table.rename(columns=rename)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing} (have {list(table.columns)})")
    return table


def parse_time(value: object) -> float:
    """Seconds from a time cell, read as what the cell holds.

    Text is ``H:MM:SS``, ``M:SS`` or plain seconds. Spreadsheet cells: a ``datetime.time`` is a
    time of day, a ``timedelta`` a duration (25 h stays 25 h), a number a count of days (Excel
    stores times as fractions of a day: 1.0417 is 25 h), a date-time before
    :data:`EXCEL_DURATION_LIMIT_DAYS` after the workbook's epoch a duration too (Excel shows 24 h
    or more that way under an ``h:mm:ss`` format); any later date-time is a calendar date and
    raises :class:`ValueError`.
    """
    if value is None or value is pd.NaT:
        raise ValueError("empty time")
    if isinstance(value, dt.datetime):  # before dt.time: pd.Timestamp is a datetime too
        return _excel_datetime(value)
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    if isinstance(value, (dt.timedelta, pd.Timedelta)):
        return _non_negative(value.total_seconds(), value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _non_negative(round(float(value) * SECONDS_PER_DAY, 3), value)
    if not isinstance(value, str):
        raise ValueError(f"bad time {value!r}: not a time, duration, number or text cell")
    return _parse_time_text(value)


def _parse_time_text(value: str) -> float:
    text = value.strip()
    if not text:
        raise ValueError("empty time")
    match = _TIME.match(text)
    if match:
        hours, minutes, seconds = int(match[1] or 0), int(match[2]), float(match[3])
        if seconds >= 60 or (match[1] is not None and minutes >= 60):
            raise ValueError(f"bad time {text!r}")
        return hours * 3600 + minutes * 60 + seconds
    try:
        seconds = float(text) if text.isascii() else math.nan  # float() reads any script's digits
    except ValueError:
        raise ValueError(f"bad time {text!r}") from None
    return _non_negative(seconds, text)


def _non_negative(seconds: float, cell: object) -> float:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"bad time {cell!r}")
    return seconds


def _excel_datetime(value: dt.datetime) -> float:
    """Seconds of a date-time cell that is an Excel day count (either epoch); else ValueError."""
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, to_excel

    naive = value.replace(tzinfo=None)
    for epoch in (WINDOWS_EPOCH, MAC_EPOCH):
        days = to_excel(naive, epoch)
        if 0 <= days < EXCEL_DURATION_LIMIT_DAYS:
            return round(days * SECONDS_PER_DAY, 3)
    raise ValueError(
        f"bad time: the cell holds the date {naive.isoformat(sep=' ')}, not a time of day or a "
        "duration; format the column as [h]:mm:ss or write H:MM:SS text"
    )


def _cell(row: pd.Series, column: str) -> str:
    value = row.get(column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _meta(row: pd.Series, column: str) -> str:
    """A metadata cell's text without control characters (terminal escape sequences)."""
    return "".join(ch for ch in _cell(row, column) if unicodedata.category(ch) != "Cc")


def _stem(name: str) -> str:
    """``name`` without its extension; folder parts stay (they make ids distinct, not shorter)."""
    return name[: len(name) - len(PurePosixPath(name).suffix)]


def _safe(text: str) -> str:
    """A file-name-safe clip id for ``text``: ``text`` itself when it is already safe (ASCII
    letters, digits, ``_.-``; not starting with ``-``, ``.`` or ``_``; at most
    :data:`MAX_ID_CHARS`), else a readable ASCII slug plus a hash of ``text``, so two distinct
    texts never share an id."""
    if len(text) <= MAX_ID_CHARS and _SAFE_ID.fullmatch(text):
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", ascii_text).strip("._-")[
        : MAX_ID_CHARS - ID_HASH_CHARS - 1
    ]
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:ID_HASH_CHARS]
    return f"{slug or 'clip'}_{digest}"


def validate_sheet(table: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Validated clips and a reject per bad row.

    Clips have ``local_id, video_id, start, end, raw_label, emotion, gender, language,
    ethnicity, accent, age, source, sheet_row`` (``sheet_row`` is the spreadsheet's 1-based
    row, header = 1). Rejects carry ``sheet row N`` in their path so a user can find them.
    """
    clips, rejects = [], []
    seen: set[str] = set()
    for index, row in table.reset_index(drop=True).iterrows():
        sheet_row = int(index) + 2
        where = Path(f"sheet row {sheet_row}")
        video = _cell(row, "video_id")
        name = _cell(row, "filename")
        local = _safe(_stem(name)) if name else f"{_safe(video)}_{sheet_row}"

        def reject(reason: str, detail: str, where=where, local=local) -> None:
            rejects.append(Reject(where, reason, detail, local))

        if not video:
            reject(MISSING_VIDEO_ID, "empty Video_Id cell")
            continue
        if not VIDEO_ID.match(video):
            reject(INVALID_VIDEO_ID, f"{video!r} is not an 11-character YouTube id")
            continue
        raw = _cell(row, "emotion")
        emotion = LABELS.get(raw.lower())
        if emotion is None:
            reject(UNKNOWN_LABEL, f"emotion {raw!r}; known: {sorted(set(LABELS))}")
            continue
        try:
            start, end = parse_time(row.get("start")), parse_time(row.get("end"))
        except ValueError as err:
            reject(INVALID_TIME, str(err))
            continue
        if end == start:
            reject(ZERO_LENGTH, f"start = end = {start:g}s")
            continue
        if end < start:
            reject(INVERTED_SEGMENT, f"end {end:g}s before start {start:g}s")
            continue
        if local in seen:
            reject(DUPLICATE_CLIP, f"clip id {local!r} appears twice")
            continue
        seen.add(local)
        clips.append({
            "local_id": local, "video_id": video, "start": start, "end": end, "raw_label": raw,
            "emotion": emotion, "gender": normalize_gender(_meta(row, "gender")),
            "language": (_meta(row, "language") or "en").lower(),
            "ethnicity": _meta(row, "ethnicity") or None, "accent": _meta(row, "accent") or None,
            "age": _meta(row, "age") or None, "source": _meta(row, "source") or None,
            "sheet_row": sheet_row,
        })  # fmt: skip
    columns = ["local_id", "video_id", "start", "end", "raw_label", "emotion", "gender",
               "language", "ethnicity", "accent", "age", "source", "sheet_row"]  # fmt: skip
    return pd.DataFrame(clips, columns=columns), rejects


def overlaps(clips: pd.DataFrame) -> pd.DataFrame:
    """Pairs of clips of one video whose time ranges overlap, with the overlap in seconds."""
    rows = []
    for video, group in clips.sort_values(["video_id", "start", "end"]).groupby("video_id"):
        items = list(group.itertuples(index=False))
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if b.start >= a.end:
                    break
                rows.append({
                    "video_id": video, "clip_a": a.local_id, "clip_b": b.local_id,
                    "start_a": a.start, "end_a": a.end, "start_b": b.start, "end_b": b.end,
                    "overlap_s": round(min(a.end, b.end) - b.start, 3),
                })  # fmt: skip
    columns = ["video_id", "clip_a", "clip_b", "start_a", "end_a", "start_b", "end_b", "overlap_s"]
    return pd.DataFrame(rows, columns=columns)


def cut_clip(source: Path, start: float, end: float, target: Path) -> float:
    """Cut ``[start, end)`` seconds of ``source`` into ``target`` (WAV, atomic); its duration."""
    from pydub import AudioSegment

    audio = AudioSegment.from_file(source)
    piece = audio[int(round(start * 1000)) : int(round(end * 1000))]
    with atomic_path(target) as tmp:
        piece.export(tmp, format="wav")
    return len(piece) / 1000.0


def segment_clips(
    sheet: str | Path,
    status: pd.DataFrame,
    clip_dir: str | Path,
    corpus: str,
    tolerance_s: float = 0.5,
    threads: int = 2,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Clip WAVs for every valid row whose video downloaded: (manifest, rejects, overlaps).

    ``status`` is the download status table (``video_id, status, reason, path`` ...). A row whose
    video is not ``ok`` becomes a ``video_<status>`` reject; a clip starting past the end of its
    video is ``segment_out_of_range``; one ending up to ``tolerance_s`` past the end is cut at
    the end, further is ``segment_out_of_range`` too.
    """
    clip_dir = Path(clip_dir)
    clip_dir.mkdir(parents=True, exist_ok=True)
    clips, rejects = validate_sheet(read_sheet(sheet))
    pairs = overlaps(clips)
    if len(pairs):
        log.warning("%d overlapping clip pairs (kept; listed in the overlaps table)", len(pairs))
    by_video = status.set_index("video_id").to_dict("index") if len(status) else {}
    partners: dict[str, list[str]] = {}
    for pair in pairs.itertuples(index=False):
        partners.setdefault(pair.clip_a, []).append(pair.clip_b)
        partners.setdefault(pair.clip_b, []).append(pair.clip_a)
    found = Scan(rejects=rejects)
    durations: dict[str, float] = {}
    for clip in clips.itertuples(index=False):
        where = Path(f"sheet row {clip.sheet_row}")
        info = by_video.get(clip.video_id)
        if info is None or info["status"] != "ok":
            state = "not_downloaded" if info is None else info["status"]
            detail = f"video {clip.video_id}: {info['reason'] if info else 'no status'}"
            reason = f"{VIDEO_NOT_OK_PREFIX}{state}"
            found.rejects.append(Reject(where, reason, detail, clip.local_id))
            continue
        source = Path(info["path"])
        if not source.is_file():
            detail = f"{source} listed as downloaded but missing"
            found.rejects.append(Reject(where, VIDEO_MISSING_FILE, detail, clip.local_id))
            continue
        length = durations.get(clip.video_id)
        if length is None:
            length = durations[clip.video_id] = float(info.get("duration") or _duration(source))
        end = clip.end
        if clip.start >= length or end > length + tolerance_s:
            detail = f"clip {clip.start:g}-{clip.end:g}s, video {length:.2f}s"
            found.rejects.append(Reject(where, SEGMENT_OUT_OF_RANGE, detail, clip.local_id))
            continue
        end = min(end, length)
        target = clip_dir / f"{clip.local_id}.wav"
        cut_clip(source, clip.start, end, target)
        found.utterances.append(Utterance(
            local_id=clip.local_id, path=target, speaker=clip.video_id, group=clip.video_id,
            raw_label=clip.raw_label, emotion=clip.emotion, gender=clip.gender,
            language=clip.language,
            extra={"video_id": clip.video_id, "clip_from": clip.start, "clip_to": clip.end,
                   "ethnicity": clip.ethnicity, "accent": clip.accent, "age": clip.age,
                   "source": clip.source, "sheet_row": clip.sheet_row,
                   "overlaps_with": ",".join(partners.get(clip.local_id, [])) or None},
        ))  # fmt: skip
    manifest, reject_table = assemble(corpus, found, threads=threads)
    return manifest, reject_table, pairs


def _duration(path: Path) -> float:
    from crossemo.audio.decode import probe

    return probe(path).duration


def write_segments(
    sheet: str | Path,
    status_path: str | Path,
    clip_dir: str | Path,
    corpus: str,
    manifest_path: str | Path,
    rejects_path: str | Path,
    overlaps_csv: str | Path,
    tolerance_s: float = 0.5,
    threads: int = 2,
) -> pd.DataFrame:
    """Rule segment_clips: clips, manifest, rejects and the overlap table (all atomic)."""
    from crossemo.core.provenance import SHEET_ADAPTER, describe_source
    from crossemo.corpora.manifest import write_ingest

    status = pd.read_parquet(status_path)
    manifest, rejects, pairs = segment_clips(sheet, status, clip_dir, corpus, tolerance_s,
                                             threads)  # fmt: skip
    source = describe_source({"adapter": SHEET_ADAPTER, "sheet": str(sheet)})
    write_ingest(manifest, rejects, manifest_path, rejects_path, provenance=source)
    with atomic_path(overlaps_csv) as tmp:
        write_csv(pairs, tmp, index=False)
    log.info("%d clips, %d rejects, %d overlapping pairs", len(manifest), len(rejects), len(pairs))
    return manifest
