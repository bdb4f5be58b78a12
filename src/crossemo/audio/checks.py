"""Absolute-level checks of decoded audio: what no clip may be, whatever its own peak.

Silence trimming is relative to a clip's loudest frame, so an all-zero clip survives it and a
NaN clip confuses it; these checks come first. :func:`signal_problem` is shared by
preprocessing and anything else that must refuse such audio (``crossemo predict``).
"""

from __future__ import annotations

import numpy as np

from crossemo.core.reasons import NON_FINITE_SAMPLES, SILENT

#: a clip whose peak stays below this level (dB re full scale, 1.0) is silent: -60 dBFS is
#: ~33 steps of 16-bit PCM, far below any usable speech recording
SILENT_PEAK_DBFS = -60.0


def signal_problem(samples: np.ndarray) -> tuple[str, str] | None:
    """``(reason, detail)`` when ``samples`` hold NaN/inf or no sound at all, else None.

    ``samples`` are mono ``[n]`` or frames ``[n, channels]``, checked per channel before any
    downmix (inverted channels average to silence), and each channel's level is its peak
    distance from its own mean: a constant (DC) offset is no sound. Levels are compared in
    float64, so huge finite float samples (1e30) cannot overflow. Per channel one ``max`` and
    one ``min`` pass, no copy: the peak distance from the mean lies between half the
    peak-to-peak range and the whole of it, so the mean (a costlier pass) is needed only when
    the threshold falls between the two.
    """
    if samples.size == 0:
        return SILENT, "no samples"
    frames = samples.reshape(len(samples), -1)
    high, low = frames.max(axis=0), frames.min(axis=0)
    if not (np.isfinite(high).all() and np.isfinite(low).all()):
        bad = int(samples.size - np.count_nonzero(np.isfinite(samples)))
        return NON_FINITE_SAMPLES, f"{bad} of {samples.size} samples are NaN or infinite"
    span = float((high.astype(np.float64) - low).max())  # the widest channel's peak-to-peak
    threshold = 10 ** (SILENT_PEAK_DBFS / 20)
    if span / 2 >= threshold:
        return None
    peak = span if span < threshold else _peak_about_mean(frames, high, low)
    if peak >= threshold:
        return None
    where = "every channel" if frames.shape[1] > 1 else "the clip"
    if peak == 0:
        return SILENT, f"constant samples in {where} (no sound once DC is removed)"
    level = 20 * np.log10(peak)
    return SILENT, f"peak (DC removed) at most {level:.1f} dBFS in {where}, below " \
                   f"{SILENT_PEAK_DBFS:g} dBFS"  # fmt: skip


def _peak_about_mean(frames: np.ndarray, high: np.ndarray, low: np.ndarray) -> float:
    """The loudest channel's largest distance from its own mean (float64)."""
    dc = frames.mean(axis=0, dtype=np.float64)
    return float(np.maximum(high - dc, dc - low).max())
