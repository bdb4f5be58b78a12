"""Audio fingerprints of preprocessed clips: one exact, one tolerant of re-encoding.

* ``pcm_sha256`` -- SHA-256 of the clip's 16-bit PCM bytes as stored in its audio shard
  (``s16le``, 16 kHz mono after resampling, denoising and trimming): two rows with one value
  are the same samples, bit for bit.
* ``near_print`` -- a coarse spectral-contour print (hex of :data:`NEAR_BITS` bits) that survives
  what a second copy of a recording usually went through (MP3/AAC re-encoding, another sample
  rate, a gain change of a few dB) and differs between two takes of one sentence by one
  speaker. The clip's log energies in :data:`N_BANDS` bands (100-4000 Hz, spaced on the mel
  scale) over consecutive 64 ms frames (overlapping ones in a clip too short for
  :data:`N_SEGMENTS` of them) are averaged over :data:`N_SEGMENTS` equal stretches of the
  clip; each bit is the sign of the change, from one stretch to the next, of the energy
  difference between two neighbouring bands (Haitsma & Kalker's robust hash, on a
  duration-normalised time axis). A gain change shifts every log energy alike and cancels;
  codecs and resampling disturb a few bits near zero. Prints are compared by the share of
  differing bits (:func:`bit_error_rate`): copies stay under :data:`NEAR_THRESHOLD`, other
  recordings, even the same words by the same voice, lie above it (tests/unit/test_duplicates.py
  checks both on demo speech and ffmpeg copies). Measured on 62 demo RAVDESS clips
  (``benchmarks/fingerprint_robustness.py``): every MP3 copy at 64-128 kbit/s (-4 dB) and
  22.05 kHz copy (+3 dB) is caught (at most 10.5 % of the bits differ), 96.8 % of AAC
  96 kbit/s copies, 98.4 % of 8 kHz copies, 95.2 % of MP3 32 kbit/s copies; of 1322 pairs of
  takes of one statement by one demo voice none matches (at least 16.3 % of the bits differ,
  median 48 %). The print costs 0.06 CPU ms per second of audio: 50 ms frames at a 25 ms hop
  in float64 cost 14x that (0.85 ms, a third more than decoding and resampling the audio)
  and caught fewer MP3 32 kbit/s copies (91.9 %).

The duration axis is normalised, so a print is only compared with clips of nearly the same
duration (:func:`near_pairs`), which also keeps the search far below all pairs.

Rule ``fingerprint_audio`` (:func:`fingerprint_shard`) reads one audio shard and writes its prints
beside it (``results/audio/{corpus}/{shard}.prints.parquet``), a job of its own: inside the
preprocessing job they cost about half of its decode + resample floor (BENCHMARKS.md,
Preprocessing), and on their own they can be remade (``snakemake -R fingerprint_audio``, e.g.
after a change to how prints are made) without decoding any corpus again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.fft

from crossemo.audio.shards import encode_pcm16, iter_audio
from crossemo.core.atomic import atomic_path

log = logging.getLogger(__name__)

N_BANDS = 20
N_SEGMENTS = 32
NEAR_BITS = (N_BANDS - 1) * (N_SEGMENTS - 1)
FRAME_S = 0.064
LOW_HZ, HIGH_HZ = 100.0, 4000.0
#: largest share of differing bits between two prints of one recording
NEAR_THRESHOLD = 0.15
#: clips compared for near duplicates differ in duration by at most this many seconds, or
#: this share of the longer one when that is more (re-encoding and trimming move the ends)
DURATION_TOLERANCE_S = 0.25
DURATION_TOLERANCE = 0.05


def exact_print(pcm: np.ndarray) -> str:
    """SHA-256 (hex) of int16 samples as little-endian bytes (the shard's stored form)."""
    return hashlib.sha256(np.ascontiguousarray(pcm, dtype="<i2")).hexdigest()  # no bytes copy


def _mel(hz: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _band_edges(sr: int, n_fft: int) -> np.ndarray:
    mels = np.linspace(_mel(np.array(LOW_HZ)), _mel(np.array(min(HIGH_HZ, sr / 2))), N_BANDS + 1)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    return np.clip(np.round(hz * n_fft / sr).astype(int), 1, n_fft // 2)


@functools.cache
def _analysis(sr: int) -> tuple[int, np.ndarray, np.ndarray]:
    """(frame length, Hann window, band matrix) at ``sr``, float32. The band matrix sums the
    squared real and imaginary parts of an FFT's bins (interleaved, as ``complex64`` lies in
    memory) into :data:`N_BANDS` band energies."""
    frame = int(round(FRAME_S * sr))
    edges = _band_edges(sr, frame)
    hi = np.maximum(edges[1:], edges[:-1] + 1)
    bands = np.zeros((frame // 2 + 1, N_BANDS), dtype=np.float32)
    for band, (lo, top) in enumerate(zip(edges[:-1], hi, strict=True)):
        bands[lo:top, band] = 1.0
    return frame, np.hanning(frame).astype(np.float32), np.repeat(bands, 2, axis=0)


def band_energies(samples: np.ndarray, sr: int) -> np.ndarray:
    """(frames, N_BANDS) log10 band energies of ``samples`` (float, mono) over consecutive
    :data:`FRAME_S` frames; a clip too short for :data:`N_SEGMENTS` of them gets as many
    overlapping frames instead, so every stretch of the print averages its own frames (a
    clip shorter than one frame is zero-padded to it).

    In float32: the frames are a strided view of the clip, one batched real FFT (scipy's:
    ~2.5x numpy's on float32 frames, measured), squared in place, the band sums one matrix
    product, so a clip costs a handful of numpy calls (BENCHMARKS.md, Preprocessing).
    """
    frame, window, bands = _analysis(sr)
    x = np.ascontiguousarray(samples, dtype=np.float32)
    if len(x) < frame:
        x = np.pad(x, (0, frame - len(x)))
    hop = min(frame, max(1, (len(x) - frame) // (N_SEGMENTS - 1)))
    n = 1 + (len(x) - frame) // hop
    frames = np.lib.stride_tricks.as_strided(x, (n, frame), (hop * 4, 4), writeable=False)
    spectrum = scipy.fft.rfft(frames * window, axis=1)
    parts = spectrum.view(np.float32)  # (frames, 2 x bins): real, imaginary, real, ...
    np.square(parts, out=parts)
    return np.log10(parts @ bands + np.float32(1e-10))


def _segment_means(energies: np.ndarray) -> np.ndarray:
    """(N_SEGMENTS, N_BANDS): the mean of each of N_SEGMENTS equal stretches of frames (as
    ``np.array_split`` cuts them; a clip of fewer frames repeats its last frame)."""
    n = len(energies)
    if n < N_SEGMENTS:
        parts = np.array_split(np.arange(n), N_SEGMENTS)
        return np.stack([energies[p].mean(axis=0) if len(p) else energies[-1] for p in parts])
    size, extra = divmod(n, N_SEGMENTS)
    sizes = np.full(N_SEGMENTS, size)
    sizes[:extra] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.add.reduceat(energies, starts, axis=0) / sizes[:, None]


def near_print(samples: np.ndarray, sr: int) -> str:
    """The tolerant print of a clip (hex string of :data:`NEAR_BITS` bits)."""
    coarse = _segment_means(band_energies(samples, sr))
    contour = np.diff(coarse, axis=1)  # band differences: gain cancels
    bits = np.diff(contour, axis=0) > 0
    return np.packbits(bits.ravel()).tobytes().hex()


def print_bits(prints: list[str]) -> np.ndarray:
    """(n, bytes) uint8 array of hex prints."""
    return np.array([np.frombuffer(bytes.fromhex(p), dtype=np.uint8) for p in prints])


def bit_error_rate(a: str, b: str) -> float:
    """Share of the :data:`NEAR_BITS` bits in which two prints differ."""
    bits = print_bits([a, b])
    return float(np.unpackbits(bits[0] ^ bits[1])[:NEAR_BITS].sum() / NEAR_BITS)


def near_pairs(
    prints: list[str], durations: np.ndarray, threshold: float = NEAR_THRESHOLD
) -> list[tuple[int, int, float]]:
    """``(i, j, bit error rate)`` of every pair ``i < j`` of prints within ``threshold`` whose
    durations are close (:data:`DURATION_TOLERANCE_S`, :data:`DURATION_TOLERANCE`).

    Clips are sorted by duration and each is compared with the clips after it in its window, so
    the cost grows with the pairs of similar duration, not with all pairs.
    """
    if len(prints) < 2:
        return []
    bits = print_bits(prints)
    durations = np.asarray(durations, dtype=float)
    order = np.argsort(durations, kind="stable")
    sorted_d = durations[order]
    sorted_bits = bits[order]
    limit = threshold * NEAR_BITS
    found = []
    for k in range(len(order) - 1):
        reach = max(DURATION_TOLERANCE_S, DURATION_TOLERANCE * sorted_d[k])
        end = np.searchsorted(sorted_d, sorted_d[k] + reach, side="right")
        if end <= k + 1:
            continue
        diff = np.bitwise_count(sorted_bits[k + 1 : end] ^ sorted_bits[k]).sum(axis=1)
        for offset in np.flatnonzero(diff <= limit):
            i, j = order[k], order[k + 1 + offset]
            found.append((min(i, j), max(i, j), float(diff[offset] / NEAR_BITS)))
    return found


#: the :class:`crossemo.core.schemas.AudioPrints` contract as Arrow types (a unit test holds the two
#: equal; the job writes it without importing pandera)
PRINTS_ARROW = pa.schema(
    [("utt_id", pa.large_string()), ("duration", pa.float64()),
     ("pcm_sha256", pa.large_string()), ("near_print", pa.large_string())]
)  # fmt: skip


def clip_prints(utt_id: str, duration: float, samples: np.ndarray, sample_rate: int) -> dict:
    """One row of a prints table: the exact print of the clip's 16-bit PCM as its shard stores
    it (``samples`` as :func:`crossemo.audio.shards.iter_audio` yields them, re-encoded, which
    is exact) and the tolerant print of the samples."""
    pcm, _ = encode_pcm16(samples)
    return {
        "utt_id": utt_id,
        "duration": duration,
        "pcm_sha256": exact_print(pcm),
        "near_print": near_print(samples, sample_rate),
    }


def write_prints(prints: list[dict], path: str | Path) -> None:
    """Write prints rows as a table of :data:`PRINTS_ARROW`.

    The rows come from one shard, whose writer already held ``utt_id`` unique and ``duration``
    > 0, and :func:`clip_prints` made both prints, so nothing is left to check here; readers
    validate (:func:`crossemo.splits.duplicates.read_prints`).
    """
    columns = {f.name: pa.array([r[f.name] for r in prints], f.type) for f in PRINTS_ARROW}
    with atomic_path(path) as tmp:
        pq.write_table(pa.table(columns, schema=PRINTS_ARROW), tmp)


def fingerprint_shard(shard_path: str | Path, output: str | Path) -> int:
    """Rule fingerprint_audio: the prints of every clip of one audio shard, written to
    ``output``; returns the number of clips."""
    began = time.process_time()
    meta = pq.read_table(shard_path, columns=["utt_id", "duration"]).to_pydict()
    durations = dict(zip(meta["utt_id"], meta["duration"], strict=True))
    prints = [
        clip_prints(utt_id, durations[utt_id], samples, rate)
        for utt_id, samples, rate in iter_audio([shard_path])
    ]
    write_prints(prints, output)
    log.info(
        "%s: prints of %d clips (%.1f s audio) in %.1f CPU s",
        shard_path,
        len(prints),
        sum(durations.values()),
        time.process_time() - began,
    )
    return len(prints)
