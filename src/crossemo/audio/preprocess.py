"""Preprocessing of one audio shard: decode, mono, resample, denoise, remove silence, limit.

One job handles one shard (a stable-hash subset of a corpus), so peak memory is set by the
shard size, not the corpus size. Segment-based sources (MOSEI, StrEmo) are decoded once per
source file per shard and cut by ``start``/``end``.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import soxr

from crossemo.atomic import atomic_path
from crossemo.audio.decode import DecodeError, load
from crossemo.schemas import REJECT_COLUMNS, AudioShard, Manifest, Rejects, read_table, write_table
from crossemo.sharding import select_shard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrimSettings:
    """Silence removal: ``energy`` (librosa split), ``vad`` (silero) or ``none``."""

    method: str = "energy"
    top_db: float = 35.0
    vad_threshold: float = 0.5
    keep_margin: float = 0.1


@dataclass(frozen=True)
class DenoiseSettings:
    """Spectral-gating noise reduction with noisereduce."""

    enabled: bool = False
    stationary: bool = False
    prop_decrease: float = 0.8


@dataclass(frozen=True)
class PreprocessSettings:
    """Everything ``preprocess`` in the config controls."""

    sample_rate: int = 16000
    denoise: DenoiseSettings = field(default_factory=DenoiseSettings)
    trim: TrimSettings = field(default_factory=TrimSettings)
    min_duration: float = 1.0
    max_duration: float | None = 30.0  #: None: no limit
    max_policy: str = "truncate"

    @classmethod
    def from_config(cls, cfg: dict) -> PreprocessSettings:
        """Build from the validated ``preprocess`` config section."""
        cfg = dict(cfg)
        denoise = DenoiseSettings(**cfg.pop("denoise", {}))
        trim = TrimSettings(**cfg.pop("trim", {}))
        return cls(denoise=denoise, trim=trim, **cfg)


class Dropped(Exception):
    """An utterance removed by preprocessing (too short, too long ...), with its reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def resample(samples: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """High-quality resampling with soxr (what ``librosa.resample`` uses by default)."""
    if sr == target_sr:
        return samples
    return soxr.resample(samples, sr, target_sr, quality="HQ").astype(np.float32, copy=False)


def denoise(samples: np.ndarray, sr: int, settings: DenoiseSettings) -> np.ndarray:
    """Spectral gating (noisereduce); a no-op when disabled."""
    if not settings.enabled:
        return samples
    import noisereduce

    out = noisereduce.reduce_noise(
        y=samples, sr=sr, stationary=settings.stationary, prop_decrease=settings.prop_decrease
    )
    return out.astype(np.float32, copy=False)


def speech_intervals(samples: np.ndarray, sr: int, settings: TrimSettings) -> np.ndarray:
    """``[n, 2]`` sample intervals holding speech, margins included and merged."""
    if settings.method == "none" or len(samples) == 0:
        return np.array([[0, len(samples)]])
    if settings.method == "energy":
        intervals = energy_intervals(samples, top_db=settings.top_db)
    elif settings.method == "vad":
        intervals = _vad_intervals(samples, sr, settings.vad_threshold)
    else:
        raise ValueError(f"unknown trim method {settings.method!r}")
    return _with_margins(np.asarray(intervals).reshape(-1, 2), len(samples), settings, sr)


def energy_intervals(
    samples: np.ndarray, top_db: float, frame_length: int = 2048, hop_length: int = 512
) -> np.ndarray:
    """Non-silent ``[n, 2]`` sample intervals, as ``librosa.effects.split`` computes them.

    Same frames (centred, zero-padded), same RMS and dB threshold relative to the loudest
    frame, but each sample is squared once and summed per hop block, instead of once per
    overlapping frame: measured 1.0 ms -> 0.1 ms per 3 s clip, a third of our preprocessing
    CPU time with librosa's version. tests/unit/test_preprocess.py checks equality.
    """
    n = len(samples)
    if frame_length % hop_length or (frame_length // 2) % hop_length:
        raise ValueError("frame_length and frame_length/2 must be multiples of hop_length")
    pad = frame_length // 2
    n_frames = 1 + n // hop_length
    n_blocks = n_frames + frame_length // hop_length - 1
    power = np.zeros(n_blocks * hop_length, dtype=np.float64)
    power[pad : pad + n] = np.square(samples, dtype=np.float64)
    block_sums = power.reshape(n_blocks, hop_length).sum(axis=1)
    window = np.ones(frame_length // hop_length)
    mean_square = np.convolve(block_sums, window, mode="valid")[:n_frames] / frame_length
    amin = 1e-10  # librosa's amplitude_to_db amin (1e-5) squared
    db = 10 * np.log10(np.maximum(amin, mean_square))
    db -= 10 * np.log10(max(amin, float(mean_square.max())))
    loud = db > -top_db
    edges = np.flatnonzero(np.diff(loud.astype(np.int8))) + 1
    if loud[0]:
        edges = np.concatenate([[0], edges])
    if loud[-1]:
        edges = np.concatenate([edges, [len(loud)]])
    return np.minimum(edges * hop_length, n).reshape(-1, 2)


def _with_margins(intervals: np.ndarray, n: int, settings: TrimSettings, sr: int) -> np.ndarray:
    if len(intervals) == 0:
        return intervals
    margin = int(settings.keep_margin * sr)
    padded = np.stack(
        [np.maximum(intervals[:, 0] - margin, 0), np.minimum(intervals[:, 1] + margin, n)], axis=1
    )
    merged = [padded[0].tolist()]
    for start, end in padded[1:].tolist():
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.asarray(merged)


_VAD_MODEL = None


def _vad_intervals(samples: np.ndarray, sr: int, threshold: float) -> np.ndarray:
    global _VAD_MODEL
    import torch
    from silero_vad import get_speech_timestamps, load_silero_vad

    if sr not in (8000, 16000):
        raise ValueError("silero-vad needs 8 or 16 kHz audio; resample first")
    if _VAD_MODEL is None:
        _VAD_MODEL = load_silero_vad()
    stamps = get_speech_timestamps(
        torch.from_numpy(samples), _VAD_MODEL, threshold=threshold, sampling_rate=sr
    )
    return np.array([[s["start"], s["end"]] for s in stamps], dtype=np.int64).reshape(-1, 2)


def remove_silence(samples: np.ndarray, sr: int, settings: TrimSettings) -> np.ndarray:
    """Keep only the speech intervals (silences longer than twice the margin are removed)."""
    intervals = speech_intervals(samples, sr, settings)
    if len(intervals) == 0:
        return samples[:0]
    if len(intervals) == 1 and intervals[0, 0] == 0 and intervals[0, 1] == len(samples):
        return samples
    return np.concatenate([samples[s:e] for s, e in intervals])


def process(samples: np.ndarray, sr: int, settings: PreprocessSettings) -> tuple[np.ndarray, dict]:
    """Resample, denoise, remove silence and enforce the duration limits of one clip."""
    source_duration = len(samples) / sr
    audio = resample(samples, sr, settings.sample_rate)
    audio = denoise(audio, settings.sample_rate, settings.denoise)
    audio = remove_silence(audio, settings.sample_rate, settings.trim)
    duration = len(audio) / settings.sample_rate
    if duration < settings.min_duration:
        raise Dropped("too_short", f"{duration:.3f}s < min_duration {settings.min_duration}s")
    if settings.max_duration is not None and duration > settings.max_duration:
        if settings.max_policy == "reject":
            raise Dropped("too_long", f"{duration:.3f}s > max_duration {settings.max_duration}s")
        audio = audio[: int(settings.max_duration * settings.sample_rate)]
        duration = len(audio) / settings.sample_rate
    info = {
        "sample_rate": settings.sample_rate,
        "duration": duration,
        "source_duration": source_duration,
        "trimmed_s": max(0.0, source_duration - len(audio) / settings.sample_rate),
        "denoised": settings.denoise.enabled,
    }
    return np.ascontiguousarray(audio, dtype=np.float32), info


def _source_cache(rows: pd.DataFrame):
    """Yield ``(row, samples, sr)`` decoding each source file once (segments share it).

    Rows are turned into tuples once and grouped in Python: a pandas ``groupby`` plus
    ``itertuples`` per file cost more than the decoding itself on short clips (measured).
    """
    ordered = rows.sort_values(["path", "utt_id"]).itertuples(index=False)
    for path, group in itertools.groupby(ordered, key=lambda r: r.path):
        group = list(group)
        if len(group) == 1 and pd.isna(group[0].start):
            yield group[0], *_decode_or_error(path)
            continue
        whole = _decode_or_error(path)
        for row in group:
            if isinstance(whole[0], DecodeError):
                yield row, *whole
            else:
                yield row, *_segment(whole, row)


def _decode_or_error(path: str) -> tuple[np.ndarray | DecodeError, int | None]:
    try:
        return load(path)
    except DecodeError as err:
        return err, None


def _segment(whole: tuple[np.ndarray, int], row) -> tuple[np.ndarray, int]:
    samples, sr = whole
    if pd.isna(row.start):
        return samples, sr
    first = int(round(row.start * sr))
    last = len(samples) if pd.isna(row.end) else int(round(row.end * sr))
    return samples[first:last], sr


def preprocess_rows(
    rows: pd.DataFrame, settings: PreprocessSettings
) -> tuple[list[dict], list[dict]]:
    """Preprocess manifest ``rows``: (shard records, reject records)."""
    records, rejects = [], []
    for row, samples, sr in _source_cache(rows):
        if isinstance(samples, DecodeError):
            rejects.append(_reject(row, samples.reason, samples.detail))
            continue
        if len(samples) == 0:
            rejects.append(_reject(row, "segment_out_of_range", f"start {row.start}s"))
            continue
        try:
            audio, info = process(samples, sr, settings)
        except Dropped as drop:
            rejects.append(_reject(row, drop.reason, drop.detail))
            continue
        records.append({"utt_id": row.utt_id, "samples": audio, **info})
    return records, rejects


def _reject(row, reason: str, detail: str) -> dict:
    return {
        "corpus": row.corpus,
        "stage": "preprocess",
        "path": row.path,
        "utt_id": row.utt_id,
        "reason": reason,
        "detail": detail,
    }


SHARD_COLUMNS = list(AudioShard.to_schema().columns)
_SHARD_META_SCHEMA = AudioShard.to_schema().remove_columns(["samples"])


def write_shard(records: list[dict], path: str | Path) -> None:
    """Write shard records with samples as a float32 list column (validated first)."""
    frame = pd.DataFrame(records, columns=SHARD_COLUMNS)
    _SHARD_META_SCHEMA.validate(frame.drop(columns="samples"), lazy=True)
    table = pa.table(
        {
            "utt_id": pa.array(frame["utt_id"], pa.string()),
            "samples": _float32_lists(list(frame["samples"])),
            "sample_rate": pa.array(frame["sample_rate"], pa.int32()),
            "duration": pa.array(frame["duration"], pa.float64()),
            "source_duration": pa.array(frame["source_duration"], pa.float64()),
            "trimmed_s": pa.array(frame["trimmed_s"], pa.float64()),
            "denoised": pa.array(frame["denoised"], pa.bool_()),
        }
    )
    with atomic_path(path) as tmp:
        # Dictionary encoding never pays off on float samples and cost 30% of a shard job.
        pq.write_table(table, tmp, use_dictionary=["utt_id"])


def _float32_lists(arrays: list[np.ndarray]) -> pa.ListArray:
    """A list<float32> column from arrays: one concatenation, no per-element conversion."""
    lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    values = np.concatenate(arrays).astype(np.float32, copy=False) if arrays else np.zeros(0, "f4")
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))


def preprocess_shard(
    manifest_path: str | Path,
    shard: str | int,
    n_shards: int,
    settings: PreprocessSettings,
    output: str | Path,
    rejects_output: str | Path,
) -> tuple[int, int]:
    """Preprocess one shard of a manifest; returns (kept, dropped)."""
    manifest = read_table(manifest_path, Manifest)
    rows = select_shard(manifest, shard, n_shards)
    began = time.process_time()
    records, rejects = preprocess_rows(rows, settings)
    seconds = sum(r["duration"] for r in records)
    log.info(
        "shard %s: %d kept (%.1f s audio), %d dropped in %.1f CPU s",
        shard,
        len(records),
        seconds,
        len(rejects),
        time.process_time() - began,
    )
    write_shard(records, output)
    write_table(pd.DataFrame(rejects, columns=REJECT_COLUMNS), rejects_output, Rejects)
    return len(records), len(rejects)
