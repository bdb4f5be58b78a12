"""Stress perturbations: one function per condition type of
:data:`crossemo.stress.conditions.TYPES` (:data:`PERTURBATIONS`).

Every function has the signature of :func:`perturb`: ``(samples float32, sample_rate, spec,
rng, babble) -> float32`` at the same sample rate (the same length, except ``speed``). The
randomness of a condition (noise, the room impulse response, the babble talkers) comes only
from ``rng``, which :func:`utterance_rng` derives from ``(stress.seed, condition name,
utt_id)``, so a perturbation is the same bytes on every run and machine, and another
utterance gets other noise.

Definitions (config/README.md, section ``stress``, documents them for users):

* **SNR** of additive noise: ``10 log10(P_speech / P_noise)``, both mean squares over the
  utterance's *active* samples: those of 20 ms frames whose mean square is within
  :data:`ACTIVE_RANGE_DB` of the loudest frame (pauses and leading silence do not dilute the
  speech power). The noise is scaled to the exact ratio over those samples.
* A mix (noise, reverberation) whose peak exceeds full scale is scaled down as a whole to
  :data:`PEAK` (the SNR is kept; PCM16 clipping would add a distortion the condition does not
  name). Gain and tilt are not rescaled: what they push beyond full scale is clipped when the
  shard is written, and counted in the job's log, as preprocessing counts it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import soxr
from scipy import signal

from crossemo.stress import codecs

ACTIVE_RANGE_DB = 40.0  #: active frames: within this many dB of the loudest 20 ms frame
PEAK = 0.99  #: a louder mix (noise, reverberation) is scaled down to this peak
TELEPHONE_BAND = (300.0, 3400.0)  #: Hz, ITU-T G.712's pass band
TELEPHONE_RATE = 8000
TILT_PIVOT_HZ = 1000.0  #: spectral tilt leaves this frequency unchanged
TILT_FLOOR_HZ = 50.0  #: below it the tilt's gain is that of 50 Hz (no boost towards DC)
REVERB_ONSET_S = 0.0025  #: the reverberant tail starts this long after the direct path


@dataclass(frozen=True)
class Babble:
    """The babble source: preprocessed utterances of the babble corpus (float32, at the
    stressed shard's rate) and how many talkers one babble mixes."""

    pool: Sequence[np.ndarray]
    talkers: int = 4


Perturbation = Callable[[np.ndarray, int, Mapping[str, Any], np.random.Generator, Any],
                        np.ndarray]  # fmt: skip


def utterance_rng(seed: int, condition: str, utt_id: str) -> np.random.Generator:
    """The generator of one utterance under one condition: SHA-256 of the three (Python's
    ``hash`` changes per process), so the same inputs give the same noise anywhere."""
    digest = hashlib.sha256(f"{int(seed)}\0{condition}\0{utt_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def active_mask(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Samples of the 20 ms frames within :data:`ACTIVE_RANGE_DB` of the loudest frame (all
    samples of a silent clip)."""
    n = len(samples)
    frame = max(1, sample_rate // 50)
    count = -(-n // frame)
    padded = np.zeros(count * frame, dtype=np.float64)
    padded[:n] = samples
    energy = np.mean(padded.reshape(count, frame) ** 2, axis=1)
    top = energy.max() if count else 0.0
    if top <= 0:
        return np.ones(n, dtype=bool)
    active = energy >= top * 10 ** (-ACTIVE_RANGE_DB / 10)
    return np.repeat(active, frame)[:n]


def snr_db(speech: np.ndarray, noise: np.ndarray, sample_rate: int) -> float:
    """The SNR of ``noise`` added to ``speech`` as defined above (over speech's active samples)."""
    mask = active_mask(speech, sample_rate)
    p_speech = np.mean(np.square(speech[mask], dtype=np.float64))
    p_noise = np.mean(np.square(noise[mask], dtype=np.float64))
    return float(10 * np.log10(p_speech / p_noise))


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, sample_rate: int, snr: float
               ) -> np.ndarray:  # fmt: skip
    """``speech`` plus ``noise`` scaled to ``snr`` dB (peak-limited to :data:`PEAK`)."""
    x = speech.astype(np.float64)
    mask = active_mask(x, sample_rate)
    p_speech = np.mean(x[mask] ** 2)
    p_noise = np.mean(noise[mask].astype(np.float64) ** 2)
    if p_speech <= 0 or p_noise <= 0:
        return speech.copy()
    return _limited(x + noise * np.sqrt(p_speech / p_noise / 10 ** (snr / 10)))


def _limited(x: np.ndarray) -> np.ndarray:
    peak = np.max(np.abs(x)) if x.size else 0.0
    if peak > 1.0:
        x = x * (PEAK / peak)
    return x.astype(np.float32)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f power) Gaussian noise: white noise shaped in the FFT domain, no DC."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = np.inf
    return np.fft.irfft(spectrum / np.sqrt(f), n)


def babble_noise(n: int, sample_rate: int, babble: Babble, rng: np.random.Generator
                 ) -> np.ndarray:  # fmt: skip
    """The sum of ``babble.talkers`` pool utterances chosen by ``rng``, each looped or
    cropped to ``n`` samples from a random start and brought to the same active power."""
    if not babble.pool:
        raise ValueError("babble noise needs utterances of the babble corpus (stress.babble)")
    talkers = min(babble.talkers, len(babble.pool))
    out = np.zeros(n, dtype=np.float64)
    for i in rng.choice(len(babble.pool), size=talkers, replace=False):
        clip = np.asarray(babble.pool[i], dtype=np.float64)
        if not clip.size:
            continue
        start = int(rng.integers(len(clip)))
        looped = np.resize(np.roll(clip, -start), n)
        power = np.mean(looped[active_mask(looped, sample_rate)] ** 2)
        if power > 0:
            out += looped / np.sqrt(power)
    return out


def add_noise(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
              babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """White, pink or babble noise at ``snr_db`` (over the active samples)."""
    color = spec["color"]
    if color == "white":
        noise = rng.standard_normal(len(x))
    elif color == "pink":
        noise = pink(len(x), rng)
    else:
        if babble is None:
            raise ValueError("noise color babble needs the babble corpus (stress.babble)")
        noise = babble_noise(len(x), sr, babble, rng)
    return mix_at_snr(x, noise, sr, float(spec["snr_db"]))


def identity(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
             babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """The input unchanged (the stored PCM16 bit for bit)."""
    return x


def gain(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
         babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """``x`` times ``10^(db/20)``; samples pushed beyond full scale clip when stored."""
    return (x.astype(np.float64) * 10 ** (float(spec["db"]) / 20)).astype(np.float32)


def clipping(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
             babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """Hard clipping at ``level`` x full scale (1.0), not rescaled afterwards."""
    level = np.float32(spec["level"])
    return np.clip(x, -level, level).astype(np.float32)


def speed(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
          babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """Played ``factor`` times faster, as a tape: resampled (soxr HQ) from ``sr x factor`` to
    ``sr``, so the length is divided and the pitch multiplied by ``factor``."""
    return soxr.resample(x, sr * float(spec["factor"]), sr).astype(np.float32)


def pitch(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
          babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """Pitch shifted by ``semitones`` at the same length and tempo (audiomentations'
    PitchShift, Signalsmith Stretch)."""
    from audiomentations import PitchShift

    s = float(spec["semitones"])
    shift = PitchShift(min_semitones=s, max_semitones=s, p=1.0)
    return np.asarray(shift(np.ascontiguousarray(x, dtype=np.float32), sr), dtype=np.float32)


def tilt(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
         babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """Spectral tilt: gain ``db_per_octave x log2(f / 1 kHz)`` dB in the FFT domain (1 kHz
    unchanged; frequencies under 50 Hz get the gain of 50 Hz)."""
    spectrum = np.fft.rfft(x.astype(np.float64))
    f = np.maximum(np.fft.rfftfreq(len(x), 1 / sr), TILT_FLOOR_HZ)
    db = float(spec["db_per_octave"]) * np.log2(f / TILT_PIVOT_HZ)
    return np.fft.irfft(spectrum * 10 ** (db / 20), len(x)).astype(np.float32)


def telephone(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
              babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """Telephone band: resampled to 8 kHz (soxr HQ), band-passed to 300-3400 Hz (8th-order
    Butterworth, zero phase) and resampled back to ``sr`` (same length and alignment)."""
    narrow = soxr.resample(x, sr, TELEPHONE_RATE).astype(np.float64)
    sos = signal.butter(4, TELEPHONE_BAND, btype="bandpass", fs=TELEPHONE_RATE, output="sos")
    if len(narrow) > 3 * (2 * len(sos) + 1):
        narrow = signal.sosfiltfilt(sos, narrow)
    back = soxr.resample(narrow, TELEPHONE_RATE, sr)
    return _fit(back, len(x)).astype(np.float32)


def _fit(x: np.ndarray, n: int) -> np.ndarray:
    return x[:n] if len(x) >= n else np.pad(x, (0, n - len(x)))


def room_impulse_response(rt60: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Polack's statistical room model: a unit direct path, then Gaussian noise under an
    exponential envelope that decays 60 dB in ``rt60`` s, from 2.5 ms after it, with as much
    energy as the direct path (0 dB direct-to-reverberant ratio); ``1.2 x rt60`` long."""
    n = max(2, int(round(1.2 * rt60 * sr)))
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-3 * np.log(10) * t / rt60)
    tail[: int(round(REVERB_ONSET_S * sr))] = 0.0
    energy = np.sum(tail**2)
    rir = tail / np.sqrt(energy) if energy > 0 else tail
    rir[0] = 1.0
    return rir


def reverb(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
           babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """Convolved with a :func:`room_impulse_response` of ``rt60_s`` (one room per utterance,
    from its rng), cut to the input's length (direct path at lag 0) and brought back to the
    input's RMS (the condition is the room, not a level change), peak-limited."""
    rir = room_impulse_response(float(spec["rt60_s"]), sr, rng)
    y = signal.oaconvolve(x.astype(np.float64), rir)[: len(x)]
    rms_in, rms_out = np.sqrt(np.mean(x.astype(np.float64) ** 2)), np.sqrt(np.mean(y**2))
    if rms_out > 0:
        y *= rms_in / rms_out
    return _limited(y)


def codec(x: np.ndarray, sr: int, spec: Mapping[str, Any], rng: np.random.Generator,
          babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """Encoded and decoded by ffmpeg (:mod:`crossemo.stress.codecs`), aligned, same length."""
    return codecs.round_trip([x], sr, spec["codec"], int(spec["bitrate_kbps"]))[0]


#: condition type -> its perturbation
PERTURBATIONS: dict[str, Perturbation] = {
    "identity": identity,
    "noise": add_noise,
    "telephone": telephone,
    "codec": codec,
    "reverb": reverb,
    "gain": gain,
    "clipping": clipping,
    "speed": speed,
    "pitch": pitch,
    "tilt": tilt,
}


def perturb(samples: np.ndarray, sample_rate: int, spec: Mapping[str, Any],
            rng: np.random.Generator, babble: Babble | None = None) -> np.ndarray:  # fmt: skip
    """``samples`` (float32) under the single condition ``spec`` (an expanded one)."""
    return PERTURBATIONS[spec["type"]](samples, sample_rate, spec, rng, babble)


def perturb_many(clips: Sequence[np.ndarray], sample_rate: int, spec: Mapping[str, Any],
                 rngs: Sequence[np.random.Generator], babble: Babble | None = None
                 ) -> list[np.ndarray]:  # fmt: skip
    """Each clip under ``spec``; a codec encodes all clips as one ffmpeg stream (two ffmpeg
    processes per batch, not per clip)."""
    if spec["type"] == "codec":
        return codecs.round_trip(clips, sample_rate, spec["codec"], int(spec["bitrate_kbps"]))
    return [perturb(x, sample_rate, spec, rng, babble) for x, rng in zip(clips, rngs, strict=True)]
