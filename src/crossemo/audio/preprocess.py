"""Preprocessing of one audio shard: decode, level checks, mono, resample, denoise, remove
silence, limit, clipping share.

One job handles one shard (a stable-hash subset of a corpus), so peak memory is set by the
shard size, not the corpus size. Segment-based sources (MOSEI, StrEmo) are decoded once per
source file per shard and cut by ``start``/``end``. Processing is in float32; level and energy
are measured in float64 where float32 could overflow; the shard stores 16-bit PCM (format 2,
:mod:`crossemo.audio.shards`).

A row whose input fails in a known way (:data:`~crossemo.audio.decode.INPUT_ERRORS`: the file
cannot be decoded or read, a :class:`Dropped` check) becomes a reject row with its reason;
any other exception is a bug and fails the job with its traceback.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import soxr

from crossemo.atomic import atomic_path
from crossemo.audio.checks import signal_problem
from crossemo.audio.decode import INPUT_ERRORS, downmix, input_failure, load_frames
from crossemo.audio.shards import (
    SHARD_SCHEMA,
    clipping_share,
    encode_pcm16,
    parquet_writer,
    samples_column,
)
from crossemo.reasons import (
    CLIPPING,
    NON_FINITE_TIME,
    SEGMENT_OUT_OF_RANGE,
    TOO_LONG,
    TOO_SHORT,
)
from crossemo.schemas import REJECT_COLUMNS, AudioShard, Manifest
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


#: default ``preprocess.max_clipping_share``: clips with more than 10 % of their kept samples at
#: full scale are rejects. Clean or peak-normalised speech touches full scale on a few samples
#: (under 0.1 %); shouted takes clip on their loudest syllables: the demo's saturated angry
#: takes (tanh drive, peaks beyond full scale) reach 5.5 % (RAVDESS; 1-4.6 % in the other six
#: demo corpora), and rejecting them would thin out exactly the loud emotions. At 10 % the
#: voice is flat-topped throughout: a saturated recording whose spectrum is the distortion's.
DEFAULT_MAX_CLIPPING_SHARE = 0.1


@dataclass(frozen=True)
class PreprocessSettings:
    """Everything ``preprocess`` in the config controls."""

    sample_rate: int = 16000
    denoise: DenoiseSettings = field(default_factory=DenoiseSettings)
    trim: TrimSettings = field(default_factory=TrimSettings)
    min_duration: float = 1.0
    max_duration: float | None = 30.0  #: None: no limit
    max_policy: str = "truncate"
    #: a whole-file utterance is decoded up to this many seconds (None: whole), so memory is
    #: bounded by it, not by the file: a 2-hour take costs what DEFAULT_MAX_SOURCE_DURATION does
    max_source_duration: float | None = 600.0
    max_clipping_share: float = DEFAULT_MAX_CLIPPING_SHARE  #: 1.0: no limit

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


def check_signal(samples: np.ndarray) -> None:
    """Raise :class:`Dropped` for NaN/inf samples or a silent clip, mono or ``[n, channels]``
    frames (:func:`~crossemo.audio.checks.signal_problem`: per channel, DC removed)."""
    problem = signal_problem(samples)
    if problem is not None:
        raise Dropped(*problem)


def check_clipping(share: float, max_share: float) -> None:
    """Raise :class:`Dropped` (``clipping``) when more than ``max_share`` of the samples sit at
    full scale."""
    if share > max_share:
        raise Dropped(CLIPPING, f"{share:.4f} of samples at full scale > max_clipping_share "
                                f"{max_share:g}")  # fmt: skip


def check_min_duration(duration: float, min_duration: float) -> None:
    """Raise :class:`Dropped` (``too_short``) for a clip shorter than ``min_duration`` s."""
    if duration < min_duration:
        raise Dropped(TOO_SHORT, f"{duration:.3f}s < min_duration {min_duration}s")


@functools.cache
def _resampler(sr: int, target_sr: int) -> soxr.ResampleStream:
    return soxr.ResampleStream(sr, target_sr, 1, dtype="float32", quality="HQ")


def resample(samples: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """High-quality resampling with soxr (HQ, what ``librosa.resample`` uses by default), float32.

    One soxr resampler per rate pair, cleared after each clip, instead of ``soxr.resample``'s
    new one per call: the same samples (tested), without building the HQ filter for every clip
    (~7 % of resampling a 2-3 s clip from 48 kHz; BENCHMARKS.md, Preprocessing).
    """
    if sr == target_sr:
        return samples
    x = np.ascontiguousarray(samples, dtype=np.float32)
    if len(x) == 0:
        return x
    stream = _resampler(int(sr), int(target_sr))
    try:
        return stream.resample_chunk(x, last=True)
    finally:
        stream.clear()


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
    CPU time with librosa's version. The block sums are float32 dot products of the clip's
    own hop blocks (``np.vecdot`` on a reshaped view, as librosa sums float32 squares): no
    padded float64 copy and no array of squares (the 620 demo clips: 26 -> 16 ms, the same
    intervals on every clip). tests/unit/test_preprocess.py checks equality with librosa.
    """
    n = len(samples)
    if frame_length % hop_length or (frame_length // 2) % hop_length:
        raise ValueError("frame_length and frame_length/2 must be multiples of hop_length")
    lead = frame_length // 2 // hop_length  # zero blocks of centre padding before the clip
    n_frames = 1 + n // hop_length
    n_blocks = n_frames + frame_length // hop_length - 1
    x = np.asarray(samples, dtype=np.float32)
    block_sums = np.zeros(n_blocks, dtype=np.float64)
    with np.errstate(over="ignore"):
        block_sums[lead : lead + n // hop_length + 1] = _block_energy(x, hop_length)
    if not np.isfinite(block_sums).all():  # float32 squares overflow (|x| > ~1e19): float64
        block_sums[lead : lead + n // hop_length + 1] = _block_energy(
            x.astype(np.float64), hop_length
        )
    frame_sums = block_sums[:n_frames].copy()  # each frame: frame_length/hop_length blocks
    for k in range(1, frame_length // hop_length):
        frame_sums += block_sums[k : k + n_frames]
    mean_square = frame_sums / frame_length
    amin = 1e-10  # librosa's amplitude_to_db amin (1e-5) squared
    db = 10 * np.log10(np.maximum(amin, mean_square))
    db -= 10 * np.log10(max(amin, float(mean_square.max())))
    loud = db > -top_db
    # edges of the loud runs, in frames (few: plain Python is cheaper than more numpy calls)
    edges = ((loud[1:] != loud[:-1]).nonzero()[0] + 1).tolist()
    if loud[0]:
        edges.insert(0, 0)
    if loud[-1]:
        edges.append(n_frames)
    return np.minimum(np.array(edges, dtype=np.int64) * hop_length, n).reshape(-1, 2)


def _block_energy(x: np.ndarray, hop_length: int) -> np.ndarray:
    """Sum of squares of each whole hop block of ``x`` and of the partial block after them,
    in ``x``'s own float type (float32 squares overflow beyond ~1.8e19)."""
    full = len(x) // hop_length
    blocks = x[: full * hop_length].reshape(full, hop_length)
    rest = x[full * hop_length :]
    return np.append(np.vecdot(blocks, blocks), np.dot(rest, rest))


def _with_margins(intervals: np.ndarray, n: int, settings: TrimSettings, sr: int) -> np.ndarray:
    """Widen each interval by the margin (within ``[0, n]``) and merge those that then touch.

    Plain Python over the few intervals of a clip: cheaper than numpy's per-call overhead.
    """
    margin = int(settings.keep_margin * sr)
    merged: list[list[int]] = []
    for start, end in intervals.tolist():
        start, end = max(start - margin, 0), min(end + margin, n)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.array(merged, dtype=np.int64).reshape(-1, 2)


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
    if len(intervals) == 1:  # only the ends trimmed: a view, no copy
        return samples[intervals[0, 0] : intervals[0, 1]]
    return np.concatenate([samples[s:e] for s, e in intervals])


def process(samples: np.ndarray, sr: int, settings: PreprocessSettings) -> tuple[np.ndarray, dict]:
    """Check the level, mix to mono, resample, denoise, remove silence, enforce the duration
    limits and the clipping limit of one clip, mono ``[n]`` or frames ``[n, channels]``.

    The level comes first, per channel (:func:`check_signal`): trimming is relative to the
    clip's own peak, so silence and NaN must be caught before it, and a downmix can cancel
    channels out. The clipping share is that of the kept samples as the shard stores them.
    """
    check_signal(samples)
    source_duration = len(samples) / sr
    audio = resample(downmix(samples), sr, settings.sample_rate)
    audio = denoise(audio, settings.sample_rate, settings.denoise)
    audio = remove_silence(audio, settings.sample_rate, settings.trim)
    duration = len(audio) / settings.sample_rate
    check_min_duration(duration, settings.min_duration)
    if settings.max_duration is not None and duration > settings.max_duration:
        if settings.max_policy == "reject":
            raise Dropped(TOO_LONG, f"{duration:.3f}s > max_duration {settings.max_duration}s")
        audio = audio[: int(settings.max_duration * settings.sample_rate)]
        duration = len(audio) / settings.sample_rate
    share = clipping_share(audio)
    check_clipping(share, settings.max_clipping_share)
    info = {
        "sample_rate": settings.sample_rate,
        "duration": duration,
        "source_duration": source_duration,
        "trimmed_s": max(0.0, source_duration - len(audio) / settings.sample_rate),
        "denoised": settings.denoise.enabled,
        "clipping_share": share,
    }
    return np.ascontiguousarray(audio, dtype=np.float32), info


_Row = namedtuple("_Row", ["utt_id", "corpus", "path", "start", "end"])


def _source_cache(
    rows: pd.DataFrame, max_source_duration: float | None = None
) -> Iterator[tuple[_Row, tuple]]:
    """Yield ``(row, (frames, sr))`` decoding each source file once (segments share it);
    ``(error, None)`` in place of the audio when the input fails in a known way.

    Rows are turned into tuples once and grouped in Python: a pandas ``groupby`` plus
    ``itertuples`` per file cost more than the decoding itself on short clips (measured).
    """
    ordered = rows.sort_values(["path", "utt_id"])
    # columns to lists first: itertuples walks arrow-backed strings one element at a time
    tuples = map(_Row._make, zip(*(ordered[c].tolist() for c in _Row._fields), strict=True))
    for path, group in itertools.groupby(tuples, key=lambda r: r.path):
        group = list(group)
        whole = _decode_or_error(path, decode_end(group, max_source_duration))
        for row in group:
            yield row, whole


def decode_end(rows: list[_Row], max_source_duration: float | None) -> float | None:
    """How far one file must be decoded for its ``rows``: to the last segment's end, and a
    whole-file row (no times) up to ``max_source_duration``; None: the whole file."""
    ends = []
    for row in rows:
        if pd.isna(row.start) and pd.isna(row.end):
            if max_source_duration is None:
                return None
            ends.append(max_source_duration)
        elif pd.isna(row.end) or not np.isfinite(row.end):
            return None  # to the file's end (a non-finite end is the row's own reject)
        else:
            ends.append(float(row.end))
    return max(ends) if ends else None


def _decode_or_error(path: str, end: float | None) -> tuple[np.ndarray | Exception, int | None]:
    """The decoded frames up to ``end`` seconds, or ``(error, None)`` for a known input failure
    (:data:`~crossemo.audio.decode.INPUT_ERRORS`): one bad file never fails a shard, while an
    unexpected error (a bug) does."""
    try:
        return load_frames(path, end=end)
    except INPUT_ERRORS as err:
        return err, None


def _segment(whole: tuple[np.ndarray, int], row: _Row) -> np.ndarray:
    """The row's ``[start, end)`` of its decoded file (the whole file without times)."""
    samples, sr = whole
    for name, value in (("start", row.start), ("end", row.end)):
        if np.isinf(value):  # ingest refuses them; a manifest of an older version may hold them
            raise Dropped(NON_FINITE_TIME, f"{name} {value}")
    if pd.isna(row.start):
        return samples
    first = int(round(row.start * sr))
    last = len(samples) if pd.isna(row.end) else int(round(row.end * sr))
    return samples[first:last]


def check_source_length(row: _Row, whole: tuple, settings: PreprocessSettings) -> None:
    """Raise :class:`Dropped` (``too_long``) for a whole-file row decoded only up to
    ``max_source_duration`` under ``max_policy: reject`` (the rest of it was never read, so its
    speech cannot be measured); under ``truncate`` such a file keeps its first part."""
    cap = settings.max_source_duration
    samples, sr = whole
    whole_file = pd.isna(row.start) and pd.isna(row.end)
    if cap is None or not whole_file or len(samples) < round(cap * sr):
        return
    if settings.max_policy == "reject":
        raise Dropped(TOO_LONG, f"source reaches max_source_duration {cap:g}s (read no further)")


def _process_row(row: _Row, whole: tuple, settings: PreprocessSettings) -> tuple[bool, dict]:
    """``(kept, record)`` of one row: a shard record, or a reject for a known input failure
    (the file's decode error, a :class:`Dropped` check); anything else raises."""
    samples, sr = whole
    if isinstance(samples, Exception):
        return False, _reject(row, *input_failure(samples))
    try:
        check_source_length(row, whole, settings)
        clip = _segment(whole, row)
        if len(clip) == 0:
            raise Dropped(SEGMENT_OUT_OF_RANGE, f"start {row.start}s")
        audio, info = process(clip, sr, settings)
    except Dropped as drop:
        return False, _reject(row, drop.reason, drop.detail)
    pcm, clipped = encode_pcm16(audio)
    return True, {"utt_id": row.utt_id, "samples": pcm, **info, "clipped": clipped}


def iter_processed(rows: pd.DataFrame, settings: PreprocessSettings) -> Iterator[tuple[bool, dict]]:
    """``(kept, record)`` for each of the manifest ``rows``: a shard record (``samples`` as
    16-bit PCM, int16, encoded as soon as the clip is processed) or a reject record.

    A known input failure of one row (a file that cannot be decoded or read, times that
    cannot cut it, a level, duration or clipping check) becomes that row's reject with its
    reason; an unexpected error (a bug in a step) propagates and fails the job.
    """
    for row, whole in _source_cache(rows, settings.max_source_duration):
        yield _process_row(row, whole, settings)


def preprocess_rows(
    rows: pd.DataFrame, settings: PreprocessSettings
) -> tuple[list[dict], list[dict]]:
    """Preprocess manifest ``rows``: (shard records with int16 ``samples``, reject records)."""
    records, rejects = [], []
    for kept, record in iter_processed(rows, settings):
        (records if kept else rejects).append(record)
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
_META_COLUMNS = [c for c in SHARD_COLUMNS if c != "samples"]
_SHARD_META_SCHEMA = AudioShard.to_schema().remove_columns(["samples"])


def _meta_plainly_valid(cols: dict[str, list]) -> bool:
    """True when the metadata columns meet :class:`AudioShard` as they are, without coercion.

    A sufficient check in plain numpy (``False`` never means invalid, only "ask pandera"): a
    pandera pass costs ~6 ms per job, whose shard is often worth 200 ms of decode + resample.
    """
    ids = cols["utt_id"]
    if not ids:
        return True
    if not all(type(u) is str for u in ids) or len(set(ids)) != len(ids):
        return False
    rate = np.asarray(cols["sample_rate"])
    floats = [np.asarray(cols[c]) for c in ("duration", "source_duration", "trimmed_s",
                                             "clipping_share")]  # fmt: skip
    if rate.dtype.kind not in "iu" or any(f.dtype.kind not in "fiu" for f in floats):
        return False
    if np.asarray(cols["denoised"]).dtype != np.bool_:
        return False
    duration, source, trimmed, clipping = floats
    return bool((rate > 0).all() and (duration > 0).all() and (source >= 0).all()
                and (trimmed >= 0).all() and (clipping >= 0).all()
                and (clipping <= 1).all())  # fmt: skip


class ShardWriter:
    """Writes shard records to a format-2 audio shard, one row group per ~8 MiB of PCM.

    Records (``samples`` float or int16) wait in memory only until their row group is full,
    so a job holds one row group of audio, not its whole shard, and reuses that memory instead
    of taking fresh pages from the system for every clip: holding a 620-clip shard to the end
    took ~23,000 page faults and 0.15-0.6 CPU s of system time (against 0.3-0.4 s of decode +
    resample), row groups of 8 MiB ~4,200. Each row group's metadata must meet
    :class:`AudioShard` (checked in numpy, pandera's report when not) and ``utt_id`` must be
    unique across the shard. The file appears at ``path`` only when :meth:`close` succeeds.
    """

    ROW_GROUP_BYTES = 8 << 20

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.tmp")
        self._writer = parquet_writer(self._tmp)
        self._batch: list[dict] = []
        self._bytes = 0
        self._ids: set[str] = set()
        self.rows = 0
        self.seconds = 0.0
        self.clipped = 0

    def add(self, record: dict) -> None:
        """Queue one record; writes a row group when enough audio is queued."""
        samples = record["samples"]
        if samples.dtype != np.int16:
            samples, clipped = encode_pcm16(samples)
            record = {**record, "samples": samples, "clipped": clipped}
        if "clipping_share" not in record:  # e.g. augmented copies: measured as stored
            record = {**record, "clipping_share": clipping_share(samples)}
        self.clipped += record.get("clipped", 0)
        if record["utt_id"] in self._ids:
            raise ValueError(f"{self.path}: utt_id {record['utt_id']!r} written twice")
        self._ids.add(record["utt_id"])
        self._batch.append(record)
        self._bytes += samples.nbytes
        if self._bytes >= self.ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        cols = {c: [r[c] for r in self._batch] for c in _META_COLUMNS}
        if not _meta_plainly_valid(cols):  # pandera explains (raises) or coerces
            frame = pd.DataFrame(cols, columns=_META_COLUMNS)
            valid = _SHARD_META_SCHEMA.validate(frame, lazy=True)
            cols = {c: valid[c].tolist() for c in _META_COLUMNS}
        samples, _ = samples_column([r["samples"] for r in self._batch])
        arrays = {c: pa.array(v, SHARD_SCHEMA.field(c).type) for c, v in cols.items()}
        table = pa.table({**arrays, "samples": samples}).select(SHARD_SCHEMA.names)
        self._writer.write_table(table.cast(SHARD_SCHEMA))
        self.rows += len(self._batch)
        self.seconds += float(sum(cols["duration"]))
        self._batch, self._bytes = [], 0

    def close(self) -> None:
        """Write what is queued, finish the file and move it to ``path``."""
        try:
            self._flush()
            self._writer.close()
        except BaseException:
            self.abort()
            raise
        self._tmp.replace(self.path)
        if self.clipped:
            log.warning("%s: %d samples beyond [-1, 1] clipped to PCM16 full scale",
                        self.path, self.clipped)  # fmt: skip

    def abort(self) -> None:
        """Drop the partial file (``path`` keeps whatever it held before)."""
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_shard(records: list[dict], path: str | Path) -> None:
    """Write shard records (float32 or int16 ``samples``) as a format-2 audio shard
    (:class:`ShardWriter`; samples clipped by the PCM16 encoding are logged)."""
    with ShardWriter(path) as writer:
        for record in records:
            writer.add(record)


def preprocess_shard(
    manifest_path: str | Path,
    shard: str | int,
    n_shards: int,
    settings: PreprocessSettings,
    output: str | Path,
    rejects_output: str | Path,
) -> tuple[int, int]:
    """Preprocess one shard of a manifest; returns (kept, dropped)."""
    began = time.process_time()
    rows = read_shard_rows(manifest_path, shard, n_shards)
    rejects = []
    with ShardWriter(output) as writer:  # kept clips stream into the shard, row group by group
        for kept, record in iter_processed(rows, settings):
            if kept:
                writer.add(record)
            else:
                rejects.append(record)
    write_rejects(rejects, rejects_output)
    log.info(
        "shard %s: %d kept (%.1f s audio), %d dropped in %.1f CPU s",
        shard,
        writer.rows,
        writer.seconds,
        len(rejects),
        time.process_time() - began,
    )
    return writer.rows, len(rejects)


_INPUT_COLUMNS = ["utt_id", "corpus", "path", "start", "end"]
_INPUT_SCHEMA = Manifest.to_schema().select_columns(_INPUT_COLUMNS)


def _rows_plainly_valid(rows: pd.DataFrame) -> bool:
    """True when ``rows`` meet :class:`Manifest` for the input columns as they are.

    A sufficient check (``False`` only means "ask pandera", which then coerces or raises
    with its report): string ids, corpus and path without nulls, unique ids prefixed by
    ``<corpus>/``, float ``start``/``end`` >= 0 with ``end > start`` where both are set.
    """
    text = ("utt_id", "corpus", "path")
    if not all(isinstance(rows[c].dtype, pd.StringDtype) for c in text):
        return False
    if not all(rows[c].dtype == np.float64 for c in ("start", "end")):
        return False
    if any(rows[c].isna().any() for c in text) or not rows["utt_id"].is_unique:
        return False
    ids, corpora = rows["utt_id"].tolist(), rows["corpus"].tolist()
    if not all(u.startswith(f"{c}/") for u, c in zip(ids, corpora, strict=True)):
        return False
    start, end = rows["start"].to_numpy(), rows["end"].to_numpy()
    with np.errstate(invalid="ignore"):
        return not ((start < 0).any() or (end < 0).any() or (end <= start).any())


def read_shard_rows(manifest_path: str | Path, shard: str | int, n_shards: int) -> pd.DataFrame:
    """The manifest rows of ``shard`` (the columns this job reads), validated.

    Only the shard's rows and the columns preprocessing uses are checked against
    :class:`Manifest` (types, ``utt_id`` unique and prefixed by ``corpus``, ``end > start``):
    the whole manifest was validated when ingest wrote it, and a duplicated ``utt_id`` always
    falls in one shard (membership is a hash of the id), so uniqueness is still checked where
    it matters. Rows that plainly meet the contract pass a numpy check; pandera validates
    (coerces, or raises with its report) the others. A pandera pass over the whole manifest
    cost ~20 ms per job, over these rows ~8 ms: 4-10 % of a 250-utterance shard's decode +
    resample time (measured; BENCHMARKS.md); the plain check costs well under 1 ms.
    """
    manifest = pd.read_parquet(manifest_path, columns=_INPUT_COLUMNS)
    rows = select_shard(manifest, shard, n_shards)
    return rows if _rows_plainly_valid(rows) else _INPUT_SCHEMA.validate(rows, lazy=True)


_REJECTS_ARROW = pa.schema([(c, pa.large_string()) for c in REJECT_COLUMNS])


def write_rejects(rejects: list[dict], path: str | Path) -> None:
    """Write the shard's reject records: the :class:`Rejects` contract, built here directly.

    Every record comes from :func:`_reject` (strings from validated manifest rows, a fixed
    stage and a reason slug), so only what could still go wrong is checked: a missing or empty
    ``reason``. A pandera pass over these few rows cost 8-19 ms per job (2-8 % of a shard's
    decode + resample time; measured, BENCHMARKS.md) and is left to readers
    (``read_table(path, Rejects)``), which tests/unit/test_preprocess.py does.
    """
    if any(not r["reason"] for r in rejects):
        raise ValueError(
            f"reject records without a reason: {[r for r in rejects if not r['reason']]}"
        )
    columns = {c: pa.array([r[c] for r in rejects], pa.large_string()) for c in REJECT_COLUMNS}
    with atomic_path(path) as tmp:
        pq.write_table(pa.table(columns, schema=_REJECTS_ARROW), tmp)
