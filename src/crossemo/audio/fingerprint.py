"""Audio fingerprints of preprocessed clips: one exact, one tolerant of re-encoding.

* ``pcm_sha256`` -- SHA-256 of the clip's 16-bit PCM bytes as stored in its audio shard
  (``s16le``, 16 kHz mono after resampling, denoising and trimming): two rows with one value
  are the same samples, bit for bit.
* ``near_print`` -- a coarse spectral-contour print (hex of :data:`NEAR_BITS` bits) that survives
  what a second copy of a recording usually went through (MP3/AAC re-encoding, another sample
  rate, a gain change of a few dB) and differs between two takes of one sentence by one
  speaker. The clip's log energies in :data:`N_BANDS` bands (100-6000 Hz, spaced on the mel
  scale) over 50 ms frames (25 ms hop) are averaged over :data:`N_SEGMENTS` equal stretches of
  the clip; each bit is the sign of the change, from one stretch to the next, of the energy
  difference between two neighbouring bands (Haitsma & Kalker's robust hash, on a
  duration-normalised time axis). A gain change shifts every log energy alike and cancels;
  codecs and resampling disturb a few bits near zero. Prints are compared by the share of
  differing bits (:func:`bit_error_rate`): copies stay under :data:`NEAR_THRESHOLD`, other
  recordings, even the same words by the same voice, lie above it (tests/unit/test_duplicates.py
  checks both on demo speech and ffmpeg copies). Measured on 20 demo RAVDESS clips: MP3 at
  64-128 kbit/s, AAC at 96 kbit/s with +3 dB, 22.05 kHz with -4 dB and 8 kHz copies differ in at
  most 8.3 % of the bits (MP3 at 32 kbit/s: up to 16 %, 80 % of them caught); two takes of one
  statement by one demo voice in at least 19.5 %, unrelated clips 31 %.

The duration axis is normalised, so a print is only compared with clips of nearly the same
duration (:func:`near_pairs`), which also keeps the search far below all pairs.
"""

from __future__ import annotations

import hashlib

import numpy as np

N_BANDS = 20
N_SEGMENTS = 32
NEAR_BITS = (N_BANDS - 1) * (N_SEGMENTS - 1)
FRAME_S = 0.05
HOP_S = 0.025
LOW_HZ, HIGH_HZ = 100.0, 4000.0
#: largest share of differing bits between two prints of one recording
NEAR_THRESHOLD = 0.15
#: clips compared for near duplicates differ in duration by at most this many seconds, or
#: this share of the longer one when that is more (re-encoding and trimming move the ends)
DURATION_TOLERANCE_S = 0.25
DURATION_TOLERANCE = 0.05


def exact_print(pcm: np.ndarray) -> str:
    """SHA-256 (hex) of int16 samples as little-endian bytes (the shard's stored form)."""
    return hashlib.sha256(np.ascontiguousarray(pcm, dtype="<i2").tobytes()).hexdigest()


def _mel(hz: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _band_edges(sr: int, n_fft: int) -> np.ndarray:
    mels = np.linspace(_mel(np.array(LOW_HZ)), _mel(np.array(min(HIGH_HZ, sr / 2))), N_BANDS + 1)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    return np.clip(np.round(hz * n_fft / sr).astype(int), 1, n_fft // 2)


def band_energies(samples: np.ndarray, sr: int) -> np.ndarray:
    """(frames, N_BANDS) log10 band energies of ``samples`` (float, mono)."""
    frame, hop = int(FRAME_S * sr), int(HOP_S * sr)
    x = np.asarray(samples, dtype=np.float64)
    if len(x) < frame:
        x = np.pad(x, (0, frame - len(x)))
    n = 1 + (len(x) - frame) // hop
    idx = np.arange(frame)[None, :] + hop * np.arange(n)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * np.hanning(frame), axis=1)) ** 2
    edges = _band_edges(sr, frame)
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(spec, axis=1)], axis=1)
    hi = np.maximum(edges[1:], edges[:-1] + 1)
    energy = cum[:, hi] - cum[:, edges[:-1]]
    return np.log10(energy + 1e-10)


def near_print(samples: np.ndarray, sr: int) -> str:
    """The tolerant print of a clip (hex string of :data:`NEAR_BITS` bits)."""
    energies = band_energies(samples, sr)
    parts = np.array_split(np.arange(len(energies)), N_SEGMENTS)
    coarse = np.stack([energies[p].mean(axis=0) if len(p) else energies[-1] for p in parts])
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
