"""Absolute-level checks of decoded audio: what no clip may be, whatever its own peak.

Silence trimming is relative to a clip's loudest frame, so an all-zero clip survives it and a
NaN clip confuses it; these checks come first. :func:`signal_problem` is shared by
preprocessing and anything else that must refuse such audio (``crossemo predict``).
"""

from __future__ import annotations

import numpy as np

from crossemo.reasons import NON_FINITE_SAMPLES, SILENT

#: a clip whose peak stays below this level (dB re full scale, 1.0) is silent: -60 dBFS is
#: ~33 steps of 16-bit PCM, far below any usable speech recording
SILENT_PEAK_DBFS = -60.0


def signal_problem(samples: np.ndarray) -> tuple[str, str] | None:
    """``(reason, detail)`` when ``samples`` hold NaN/inf or no sound at all, else None.

    ``samples`` are mono ``[n]`` or frames ``[n, channels]``, checked per channel before any
    downmix (inverted channels average to silence), and each channel's level is its peak
    distance from its own mean: a constant (DC) offset is no sound. The means are summed in
    float64, the peaks subtracted in float64, so huge finite float samples (1e30) cannot
    overflow. Per channel: one ``max``, one ``min`` and one ``mean`` pass, no copy.
    """
    if samples.size == 0:
        return SILENT, "no samples"
    frames = samples.reshape(len(samples), -1)
    high, low = frames.max(axis=0), frames.min(axis=0)
    if not (np.isfinite(high).all() and np.isfinite(low).all()):
        bad = int(samples.size - np.count_nonzero(np.isfinite(samples)))
        return NON_FINITE_SAMPLES, f"{bad} of {samples.size} samples are NaN or infinite"
    dc = frames.mean(axis=0, dtype=np.float64)
    peak = float(np.maximum(high - dc, dc - low).max())  # the loudest channel, DC removed
    if peak >= 10 ** (SILENT_PEAK_DBFS / 20):
        return None
    where = "every channel" if frames.shape[1] > 1 else "the clip"
    if peak == 0:
        return SILENT, f"constant samples in {where} (no sound once DC is removed)"
    level = 20 * np.log10(peak)
    return SILENT, f"peak {level:.1f} dBFS in {where} (DC removed) < {SILENT_PEAK_DBFS:g} dBFS"
