"""What every corpus adapter shares: the record shape, audio probing and manifest assembly.

An adapter is a module with ``scan(root, corpus, **options) -> Scan`` that walks a corpus as
its publisher ships it and yields one :class:`Utterance` per audio file (or segment) and one
reject per file it cannot interpret. :func:`ingest` then probes every audio file, turns
unreadable ones into rejects, and returns the validated manifest and rejects tables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from crossemo.audio.decode import DecodeError, probe
from crossemo.schemas import REJECT_COLUMNS, Manifest, Rejects

log = logging.getLogger(__name__)

#: Corpus-neutral emotion names used in the manifests' ``emotion`` column.
EMOTIONS = (
    "neutral", "calm", "happiness", "sadness", "anger", "fear", "disgust", "surprise",
    "pleasant_surprise", "boredom", "excitement", "frustration", "disappointment", "contempt",
    "positive", "negative", "other", "undecided",
)  # fmt: skip

AUDIO_SUFFIXES = {".wav", ".aif", ".aiff", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".webm"}


@dataclass
class Utterance:
    """One manifest row before probing; ids are local to the corpus (prefixed on assembly)."""

    local_id: str
    path: Path
    speaker: str
    raw_label: str
    emotion: str
    gender: str = "unknown"
    group: str | None = None  # defaults to the speaker
    start: float | None = None
    end: float | None = None
    text: str | None = None
    language: str | None = "en"
    extra: dict = field(default_factory=dict)


@dataclass
class Reject:
    """An input that cannot become an utterance, with a stable ``reason`` slug."""

    path: Path
    reason: str
    detail: str = ""
    local_id: str | None = None


@dataclass
class Scan:
    """What an adapter found under a corpus root."""

    utterances: list[Utterance] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def audio_files(root: Path) -> list[Path]:
    """Every file under ``root`` that looks like audio, sorted (case-insensitive suffix)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)


def _probe_row(path: Path) -> dict:
    try:
        info = probe(path)
    except DecodeError as err:
        return {"reason": err.reason, "detail": err.detail}
    except OSError as err:
        return {"reason": "unreadable", "detail": str(err)}
    return {"duration": info.duration, "sample_rate": info.sample_rate, "channels": info.channels}


def probe_all(paths: Iterable[Path], threads: int = 4) -> dict[Path, dict]:
    """Probe each distinct path once (threads: the work is I/O-bound header reads)."""
    unique = sorted(set(paths))
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return dict(zip(unique, pool.map(_probe_row, unique), strict=True))


def assemble(corpus: str, scan: Scan, threads: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Probe the scanned utterances and build validated (manifest, rejects) tables."""
    probes = probe_all((u.path for u in scan.utterances), threads=threads)
    rows, rejects = [], [_reject_row(corpus, r) for r in scan.rejects]
    seen: set[str] = set()
    for utt in scan.utterances:
        utt_id = f"{corpus}/{utt.local_id}"
        found = probes[utt.path]
        if "reason" in found:
            rejects.append(_reject_row(corpus, Reject(utt.path, found["reason"], found["detail"], utt.local_id)))
            continue
        if utt_id in seen:
            rejects.append(_reject_row(corpus, Reject(utt.path, "duplicate_utt_id", utt_id, utt.local_id)))
            continue
        if utt.start is not None and utt.end is not None and utt.end <= utt.start:
            detail = f"start {utt.start} >= end {utt.end}"
            rejects.append(_reject_row(corpus, Reject(utt.path, "empty_segment", detail, utt.local_id)))
            continue
        seen.add(utt_id)
        rows.append(_manifest_row(corpus, utt_id, utt, found))
    manifest = pd.DataFrame(rows, columns=_manifest_columns(rows))
    manifest = Manifest.validate(manifest.sort_values("utt_id").reset_index(drop=True), lazy=True)
    reject_df = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    return manifest, Rejects.validate(reject_df, lazy=True)


def _manifest_columns(rows: list[dict]) -> list[str]:
    base = list(Manifest.to_schema().columns)
    extra = sorted({k for r in rows for k in r} - set(base))
    return base + extra


def _manifest_row(corpus: str, utt_id: str, utt: Utterance, found: dict) -> dict:
    speaker = f"{corpus}/{utt.speaker}"
    group = f"{corpus}/{utt.group}" if utt.group is not None else speaker
    start, end = utt.start, utt.end
    duration = found["duration"]
    if start is not None:
        duration = (end if end is not None else duration) - start
    row = {
        "utt_id": utt_id, "corpus": corpus, "path": str(utt.path), "start": start, "end": end,
        "speaker": speaker, "gender": utt.gender, "group": group, "raw_label": utt.raw_label,
        "emotion": utt.emotion, "text": utt.text, "language": utt.language,
        "duration": duration, "sample_rate": found["sample_rate"], "channels": found["channels"],
    }  # fmt: skip
    row.update(utt.extra)
    return row


def _reject_row(corpus: str, reject: Reject) -> dict:
    utt_id = f"{corpus}/{reject.local_id}" if reject.local_id else None
    return {
        "corpus": corpus, "stage": "ingest", "path": str(reject.path), "utt_id": utt_id,
        "reason": reject.reason, "detail": reject.detail or None,
    }  # fmt: skip


def as_dict(utt: Utterance) -> dict:
    """Plain-dict view of an utterance (for debugging and tests)."""
    return asdict(utt)
