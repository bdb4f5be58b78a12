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

    One ``max`` and one ``min`` pass and no copy (both propagate NaN and reach inf), so the
    check costs little beside decoding.
    """
    if samples.size == 0:
        return SILENT, "no samples"
    high, low = float(samples.max()), float(samples.min())
    if not (np.isfinite(high) and np.isfinite(low)):
        bad = int(samples.size - np.count_nonzero(np.isfinite(samples)))
        return NON_FINITE_SAMPLES, f"{bad} of {samples.size} samples are NaN or infinite"
    peak = max(high, -low)
    if peak < 10 ** (SILENT_PEAK_DBFS / 20):
        level = f"{20 * np.log10(peak):.1f} dBFS" if peak > 0 else "all zero"
        return SILENT, f"peak {level} < {SILENT_PEAK_DBFS:g} dBFS"
    return None
