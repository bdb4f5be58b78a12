"""Rendering: espeak-ng speech, then a numpy pitch contour and voice quality per emotion.

Every random draw comes from a generator seeded by ``(seed, job key)``, so a clip depends on
nothing but its job and the seed (and the espeak-ng, soxr and scipy builds).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .prosody import PROSODY, Prosody, Speaker, scaled

#: espeak-ng's native output rate.
ESPEAK_SR = 22050

#: Shortest padded clip, seconds.
MIN_CLIP_S = 1.5


@dataclass(frozen=True)
class Job:
    """One utterance to render. ``key`` seeds its random draws and must be unique."""

    key: str
    text: str
    speaker: Speaker
    emotion: str
    sr: int
    intensity: float = 1.0
    pad: bool = True  # leading/trailing silence and MIN_CLIP_S


@dataclass
class Clip:
    """A rendered utterance."""

    audio: np.ndarray  # float32 mono at job.sr
    sr: int
    lead: float  # seconds of silence before the speech
    speech: float  # seconds of speech


def rng_for(seed: int, key: str) -> np.random.Generator:
    """The generator of one utterance (or other keyed item) under ``seed``."""
    digest = hashlib.sha256(f"{seed}/{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _espeak(text: str, voice: str, speed: int, pitch: int, amp: int) -> np.ndarray:
    """espeak-ng's rendering of ``text`` as float32 at ``ESPEAK_SR``."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory(prefix="crossemo-espeak-") as tmp:
        wav = Path(tmp) / "out.wav"
        cmd = [exe, "-w", str(wav), "-v", voice, "-s", str(speed), "-p", str(pitch),
               "-a", str(amp)]  # fmt: skip
        # text on stdin: no quoting issues and nothing read as an option
        subprocess.run(cmd, input=text.encode(), check=True, capture_output=True, timeout=60)
        audio, sr = sf.read(wav, dtype="float32")
    if sr != ESPEAK_SR or audio.ndim != 1 or audio.size == 0:
        raise RuntimeError(f"unexpected espeak-ng output for {text!r}: sr={sr} {audio.shape}")
    return audio


def _espeak_settings(spk: Speaker, p: Prosody, jitter: np.ndarray) -> tuple[int, int, int]:
    """espeak-ng's speed (words/min), pitch (0-99) and amplitude (10-200) for one take."""
    speed = int(round(165 * spk.rate * p.rate * (1 + 0.04 * jitter[0])))
    pitch = int(np.clip(round(50 + spk.pitch + p.pitch + 2.5 * jitter[1]), 0, 99))
    amp = int(np.clip(round(p.amp * (1 + 0.05 * jitter[2])), 10, 200))
    return speed, pitch, amp


def _warp_pitch(y: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """Tape-style pitch contour: read ``y`` at a time-varying speed of 2**(cents/1200)."""
    speed = np.exp2(cents / 1200.0)
    pos = np.concatenate(([0.0], np.cumsum(speed[:-1])))
    pos = pos[pos <= len(y) - 1]
    return np.interp(pos, np.arange(len(y)), y).astype(np.float32)


def _one_pole(y: np.ndarray, a: float) -> np.ndarray:
    """One-pole low-pass filter with coefficient ``a``."""
    from scipy.signal import lfilter

    return lfilter([1.0 - a], [1.0, -a], y).astype(np.float32)


def _trim(y: np.ndarray, thresh: float = 1e-3) -> np.ndarray:
    """``y`` without leading and trailing samples below ``thresh``."""
    idx = np.flatnonzero(np.abs(y) > thresh)
    return y[idx[0] : idx[-1] + 1] if idx.size else y


def _contour(p: Prosody, n: int, rng: np.random.Generator) -> np.ndarray:
    """The pitch contour (cents per sample at ``ESPEAK_SR``): swing, glide and vibrato."""
    t = np.arange(n) / ESPEAK_SR
    cents = np.zeros(n)
    if p.swing:
        f = rng.uniform(1.8, 3.0)
        cents += p.swing * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    if p.glide:
        cents += p.glide * (t / max(t[-1], 1e-3)) ** 2
    if p.vibrato:
        cents += p.vibrato * np.sin(2 * np.pi * rng.uniform(6.0, 7.5) * t)
    return cents


def _voice_quality(y: np.ndarray, p: Prosody, rng: np.random.Generator) -> np.ndarray:
    """Tremolo, drive (tanh saturation) and low-pass, in that order."""
    t = np.arange(len(y)) / ESPEAK_SR
    if p.tremolo:
        y = y * (1 - p.tremolo * 0.5 * (1 + np.sin(2 * np.pi * rng.uniform(8, 10) * t)))
    if p.drive:
        y = np.tanh(p.drive * y / (np.max(np.abs(y)) + 1e-9))
    if p.lowpass:
        y = _one_pole(y, p.lowpass)
    return y


def _pad(y: np.ndarray, job: Job, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """``y`` with silences (when ``job.pad``) and a room noise floor; returns it and the lead."""
    lead = tail = 0
    if job.pad:
        lead = int(rng.uniform(0.12, 0.35) * job.sr)
        tail = int(rng.uniform(0.15, 0.4) * job.sr)
        tail = max(tail, int(MIN_CLIP_S * job.sr) - lead - len(y))
    out = np.concatenate([np.zeros(lead), y, np.zeros(tail)])
    out += rng.normal(scale=3e-4, size=out.size)  # room noise floor, about -70 dBFS
    return np.clip(out, -1, 1).astype(np.float32), lead


def _render(job: Job, seed: int) -> Clip:
    """One clip: espeak-ng take, pitch contour, voice quality, level, resampling, padding."""
    rng = rng_for(seed, job.key)
    p = scaled(PROSODY[job.emotion], job.intensity)
    jitter = rng.normal(size=4)
    y = _trim(_espeak(job.text, job.speaker.voice, *_espeak_settings(job.speaker, p, jitter)))
    cents = _contour(p, len(y), rng)
    if cents.any():
        y = _warp_pitch(y, cents)
    y = _voice_quality(y, p, rng)
    y = y / (np.max(np.abs(y)) + 1e-9) * p.gain * (1 + 0.06 * jitter[3])
    y = soxr.resample(y.astype(np.float32), ESPEAK_SR, job.sr, quality="HQ")
    audio, lead = _pad(y, job, rng)
    return Clip(audio, job.sr, lead / job.sr, len(y) / job.sr)


def workers() -> int:
    """Threads that run the demo's subprocesses (espeak-ng, ffmpeg) at once."""
    return max(1, min(8, os.cpu_count() or 1))


def render_all(jobs: Sequence[Job], seed: int) -> list[Clip]:
    """Render ``jobs`` in parallel (espeak-ng runs in subprocesses); order is kept."""
    keys = [j.key for j in jobs]
    if len(set(keys)) != len(keys):
        raise ValueError("job keys must be unique")
    with ThreadPoolExecutor(max_workers=workers()) as pool:
        return list(pool.map(lambda j: _render(j, seed), jobs))
