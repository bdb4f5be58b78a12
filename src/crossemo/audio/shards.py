"""Audio shards (``results/audio/{corpus}/{shard}.parquet``): how samples are stored and read.

Format version 2 (the contract; :class:`crossemo.core.schemas.AudioShard` holds the other columns):

* ``samples`` is a ``large_binary`` column holding each utterance as headerless 16-bit
  little-endian PCM (``s16le``: what ``np.frombuffer(b, "<i2")``, soundfile's ``RAW``/``PCM_16``
  or ``ffmpeg -f s16le`` read), mono, at the row's ``sample_rate`` (16 kHz by default). A stored
  value ``q`` stands for ``q / 32768`` (:data:`PCM16_SCALE`), libsndfile's (soundfile's)
  convention for PCM_16, so float samples lie in ``[-1, 32767/32768]`` and a 16-bit source that
  needs no resampling or trimming is stored bit for bit.
* Encoding (:func:`encode_pcm16`) rounds to the nearest step: the round-trip error is at most
  ``0.5 / 32768`` inside ``[-1, 32767/32768]``. Samples beyond it are clipped first, so
  ``+1.0`` comes back as ``32767/32768`` (error ``1 / 32768``, the bound on ``[-1, 1]``) and
  ``1.2`` as ``32767/32768`` too. Clipping is never silent: :func:`encode_pcm16` counts the
  samples beyond ``[-1, 1]`` and the writers log the count (soxr overshoots full-scale input by
  a few percent: 10318 of 20.3 M demo samples; float WAV sources can exceed 1). NaN is stored
  as 0, +-inf as the extremes.
* Parquet: snappy, the column written as is (no dictionary, no statistics), in row groups of
  ~8 MiB of PCM (:class:`crossemo.audio.preprocess.ShardWriter`): 1.96 bytes per sample on
  the demo speech, 2.001 on noise-like audio (snappy finds nothing; the rest is row metadata);
  format 1 took 3.6. zstd level 1 would give 1.66 but costs ~50 ms more per 20 M samples
  (~15 % of their decode + resample; :data:`PARQUET_CODEC` is the one switch). A
  ``list<int16>`` column (Parquet stores a repetition level per sample) took 3-7x the write
  CPU of these bytes, FLAC per clip through soundfile ~5x the write and ~6x the read CPU; both
  cost more than the job's whole budget beyond decoding. Measured in BENCHMARKS.md.
* ``clipping_share`` (float64 in ``[0, 1]``): the share of the utterance's stored samples at
  full scale (``q`` = 32767 or -32768: clipped by the recording, or by the encoding above),
  :func:`clipping_share`. Shards written before it have no such column; readers take it when
  present (:func:`read_shard_meta`).
* The file's key-value metadata carries ``crossemo.audio_shard`` =
  ``{"version": 2, "samples": "pcm_s16le", "scale": 32768}``.

Readers never see the storage type: :func:`iter_audio` (and :func:`load_audio` built on it) is
the one reading function and always yields float32 in ``[-1, 1]``. It still reads format 1
shards (``list<float32>``/``list<double>``, and ``list<int16>``), so shards written before the
change, and test fixtures that write float lists, keep working.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

META_COLUMNS = ["utt_id", "sample_rate", "duration", "source_duration", "trimmed_s", "denoised",
                "clipping_share"]  # fmt: skip
#: metadata columns that shards written before them lack
OPTIONAL_META_COLUMNS = ["clipping_share"]
FORMAT_VERSION = 2
PCM16_SCALE = 32768  #: stored int16 ``q`` stands for ``q / PCM16_SCALE``
METADATA_KEY = b"crossemo.audio_shard"
METADATA = {"version": FORMAT_VERSION, "samples": "pcm_s16le", "scale": PCM16_SCALE}
PARQUET_CODEC = {"compression": "snappy"}
_TOP = np.float32(32767 / 32768)  # the largest float a PCM16 sample can hold
_SCALE = np.float32(PCM16_SCALE)
_INV_SCALE = np.float32(1 / PCM16_SCALE)  # a power of two: q * _INV_SCALE is exact
# floats that encode_pcm16 stores at full scale: rint rounds half to even, so 32766.5 -> 32766
# and -32767.5 -> -32768
_FULL_HIGH = np.float32(32766.5 / PCM16_SCALE)  # above it: 32767
_FULL_LOW = np.float32(-32767.5 / PCM16_SCALE)  # at or below it: -32768


def clipping_share(samples: np.ndarray) -> float:
    """Share of ``samples`` stored at full scale (PCM16 32767 or -32768): int16 PCM as is,
    float samples as :func:`encode_pcm16` would store them (the same count, tested). Clips
    that stay inside full scale (nearly all) cost a ``min`` and a ``max``."""
    if samples.size == 0:
        return 0.0
    if samples.dtype == np.int16:
        high, low = np.int16(32767), np.int16(-32768)
        if samples.max() < high and samples.min() > low:
            return 0.0
        return float(np.count_nonzero(samples >= high) + np.count_nonzero(samples <= low)) / (
            samples.size
        )
    x = np.asarray(samples, dtype=np.float32)
    if x.max() <= _FULL_HIGH and x.min() > _FULL_LOW:  # False for NaN: counted below
        return 0.0
    return float(np.count_nonzero(x > _FULL_HIGH) + np.count_nonzero(x <= _FULL_LOW)) / x.size


def encode_pcm16(samples: np.ndarray) -> tuple[np.ndarray, int]:
    """``(int16 PCM, number of samples beyond [-1, 1] that were clipped)`` of float samples.

    ``q = rint(clip(x, -1, 32767/32768) * 32768)``, in float32 (exact: the scale is a power of
    two). NaN is stored as 0, +-inf as the extremes (and counted as clipped). Clips within
    range (the usual case) skip the clipping pass: min, max, scale, round, cast.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.size == 0:
        return np.zeros(0, dtype=np.int16), 0
    if x.min() >= -1.0 and x.max() <= _TOP:  # False for NaN too
        scaled = np.multiply(x, _SCALE)
        return np.rint(scaled, out=scaled).astype(np.int16), 0
    clipped = int(np.count_nonzero(np.isinf(x)))
    x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    clipped += int(np.count_nonzero((x < -1.0) | (x > 1.0)))
    scaled = np.clip(x, -1.0, _TOP)
    scaled *= _SCALE
    return np.rint(scaled, out=scaled).astype(np.int16), clipped


def decode_pcm16(q: np.ndarray) -> np.ndarray:
    """float32 samples (``q / 32768``) of stored int16 PCM."""
    return np.multiply(q, _INV_SCALE, dtype=np.float32)


def samples_column(arrays: list[np.ndarray]) -> tuple[pa.ChunkedArray, int]:
    """The samples column (one PCM16 byte string per utterance) of float or int16 arrays, and
    the count of samples clipped while encoding float ones.

    Each utterance's int16 array becomes one chunk without a copy (a concatenated column cost
    a copy of the shard's audio and its memory for nothing: the writer copies into pages).
    """
    clipped = 0
    chunks = []
    for a in arrays:
        if a.dtype != np.int16:
            a, n = encode_pcm16(a)
            clipped += n
        a = np.ascontiguousarray(a, dtype="<i2")
        offsets = pa.py_buffer(np.array([0, a.nbytes], dtype=np.int64))
        chunks.append(pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(a)]))
    return pa.chunked_array(chunks, type=pa.large_binary()), clipped


SHARD_SCHEMA = pa.schema(
    [
        ("utt_id", pa.string()),
        ("samples", pa.large_binary()),
        ("sample_rate", pa.int32()),
        ("duration", pa.float64()),
        ("source_duration", pa.float64()),
        ("trimmed_s", pa.float64()),
        ("denoised", pa.bool_()),
        ("clipping_share", pa.float64()),
    ],
    metadata={METADATA_KEY: json.dumps(METADATA).encode()},
)


def parquet_writer(path: str | Path) -> pq.ParquetWriter:
    """A Parquet writer of format-2 shards (row groups of :data:`SHARD_SCHEMA` tables)."""
    return pq.ParquetWriter(
        path,
        SHARD_SCHEMA,
        use_dictionary=["utt_id"],
        write_statistics=[name for name in SHARD_SCHEMA.names if name != "samples"],
        **PARQUET_CODEC,
    )


def read_shard_meta(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Shard metadata without the samples (cheap: the samples column is not read); a column of
    :data:`OPTIONAL_META_COLUMNS` that an older shard lacks is null."""
    frames = [_read_meta(p) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=META_COLUMNS)


def _read_meta(path: str | Path) -> pd.DataFrame:
    names = set(pq.read_schema(path).names)
    have = [c for c in META_COLUMNS if c in names or c not in OPTIONAL_META_COLUMNS]
    return pq.read_table(path, columns=have).to_pandas().reindex(columns=META_COLUMNS)


def _column_values(column: pa.Array) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(offsets, values, is_pcm16)`` of a samples column: PCM16 bytes (format 2) or a list of
    floats (format 1); offsets index ``values``."""
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        width = 8 if pa.types.is_large_binary(column.type) else 4
        _, offsets, data = column.buffers()
        first = column.offset
        offsets = np.frombuffer(
            offsets, dtype=f"<i{width}", count=len(column) + 1, offset=first * width
        )
        values = (
            np.frombuffer(data, dtype="<i2", count=int(offsets[-1]) // 2)
            if data
            else np.zeros(0, "<i2")
        )
        return offsets // 2, values, True
    offsets = column.offsets.to_numpy()
    values = column.values.to_numpy(zero_copy_only=False)
    if values.dtype == np.int16:
        return offsets, values, True
    return offsets, values.astype(np.float32, copy=False), False


def count_utterances(paths: Iterable[str | Path], utt_ids: set[str] | None = None) -> int:
    """Utterances :func:`iter_audio` will yield, from the shards' metadata (no samples read):
    at most ``len(utt_ids)`` when a selection is given."""
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    return rows if utt_ids is None else min(rows, len(utt_ids))


def iter_audio(
    paths: Iterable[str | Path], utt_ids: set[str] | None = None
) -> Iterator[tuple[str, np.ndarray, int]]:
    """Yield ``(utt_id, float32 samples in [-1, 1], sample_rate)`` from shards, optionally
    filtered: the one way to read shard samples (PCM16 format 2 and float format 1 alike).

    Each PCM16 utterance is converted when it is yielded, so only the selected ones cost float
    memory; float (format 1) samples are views into the shard's column. A shard is read one row
    group (~8 MiB of PCM) at a time, so a reader holds one row group, not the shard: the
    fingerprint job of a 1240-clip demo shard peaked at 459 MB reading it whole, 277 MB by row
    group (BENCHMARKS.md, Preprocessing).
    """
    for path in paths:
        shard = pq.ParquetFile(path)
        for group in range(shard.num_row_groups):
            table = shard.read_row_group(group, columns=["utt_id", "samples", "sample_rate"])
            ids = table.column("utt_id").to_pylist()
            rates = table.column("sample_rate").to_pylist()
            row = 0
            for chunk in table.column("samples").chunks:
                offsets, values, pcm = _column_values(chunk)
                for i in range(len(chunk)):
                    utt_id, rate = ids[row], rates[row]
                    row += 1
                    if utt_ids is not None and utt_id not in utt_ids:
                        continue
                    clip = values[offsets[i] : offsets[i + 1]]
                    yield utt_id, (decode_pcm16(clip) if pcm else clip), rate


def load_audio(
    paths: Iterable[str | Path], utt_ids: set[str] | None = None
) -> dict[str, np.ndarray]:
    """All (or the selected) utterances of the shards in memory (float32), keyed by ``utt_id``."""
    return {u: s if s.base is None else s.copy() for u, s, _ in iter_audio(paths, utt_ids)}
