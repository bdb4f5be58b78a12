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

from crossemo.audio.checks import signal_problem
from crossemo.audio.decode import INPUT_ERRORS, downmix, input_failure, load_frames
from crossemo.audio.sharding import select_shard
from crossemo.audio.shards import (
    SHARD_SCHEMA,
    clipping_share,
    encode_pcm16,
    parquet_writer,
    samples_column,
)
from crossemo.audio.steps import DenoiseSettings, TrimSettings, denoise, remove_silence, resample
from crossemo.core.atomic import atomic_path
from crossemo.core.reasons import (
    CLIPPING,
    NON_FINITE_TIME,
    SEGMENT_OUT_OF_RANGE,
    TOO_LONG,
    TOO_SHORT,
)
from crossemo.core.schemas import REJECT_COLUMNS, AudioShard, Manifest

log = logging.getLogger(__name__)


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
