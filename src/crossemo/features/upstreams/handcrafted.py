"""The multimodal paper's 94 hand-crafted features (librosa), averaged over frames.

Chromagram (12 pitch classes), mel spectrogram with 60 filters, 20 MFCCs, zero-crossing rate and
spectral centroid; each frame-level descriptor is averaged over the utterance (12 + 60 + 20 + 1 +
1 = 94). Standard scaling is applied later, at training time (see :mod:`crossemo.features`).

The upstream of the named set ``handcrafted94``; light at import (numpy and librosa are
imported where features are computed).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossemo.core.jit_cache import serialised
from crossemo.features.upstreams.named import (  # noqa: F401  (the upstream contract of a named set)
    CLASSIC,
    ENV,
    NEURAL,
    POOLED,
    SEQUENCES,
    SETTINGS_KEYS,
    folder,
    resources,
    settings,
)

if TYPE_CHECKING:
    import numpy as np

N_CHROMA, N_MELS, N_MFCC = 12, 60, 20
N_FFT, HOP = 2048, 512

HANDCRAFTED_NAMES = (
    [f"chroma_{i:02d}" for i in range(N_CHROMA)]
    + [f"mel_{i:02d}" for i in range(N_MELS)]
    + [f"mfcc_{i:02d}" for i in range(N_MFCC)]
    + ["zcr", "spectral_centroid"]
)


def extract_shard(name: str, _settings: Any, audio_paths: Sequence[str | Path], output: str | Path,
                  utt_ids: set[str] | None = None, threads: int = 0) -> Any:  # fmt: skip
    """The 94 features of every (or the selected) utterance, written as one feature shard."""
    from crossemo.features.shards import vector_frame, write_features

    return write_features(vector_frame(HandcraftedExtractor(), audio_paths, utt_ids, name), output)


def extractor(featureset: str):
    """The per-utterance callable ``(samples, sample_rate) -> float32 vector`` (``names``)."""
    return HandcraftedExtractor()


class HandcraftedExtractor:
    """``__call__(samples, sr)`` -> 94 float32 values named :data:`HANDCRAFTED_NAMES`."""

    featureset = "handcrafted94"
    names = HANDCRAFTED_NAMES

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        compile_kernels(sample_rate)
        return _describe(samples, sample_rate)


@functools.cache
def compile_kernels(sample_rate: int = 16_000) -> None:
    """A first call under the numba cache lock, so that later calls only load compiled code
    (once per process; ``make setup`` runs it to fill the environment's cache)."""
    import numpy as np

    with serialised():
        noise = np.random.default_rng(0).standard_normal(4 * N_FFT).astype(np.float32)
        _describe(0.1 * noise, sample_rate)


def _describe(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    import librosa
    import numpy as np

    y = np.asarray(samples, dtype=np.float32)
    if len(y) < N_FFT:  # very short clip: pad so that every descriptor has a frame
        y = np.pad(y, (0, N_FFT - len(y)))
    stft = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    chroma = librosa.feature.chroma_stft(S=stft, sr=sample_rate, n_chroma=N_CHROMA)
    mel = librosa.feature.melspectrogram(
        S=stft**2, sr=sample_rate, n_mels=N_MELS, n_fft=N_FFT, hop_length=HOP
    )
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=N_MFCC)
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP)
    centroid = librosa.feature.spectral_centroid(S=stft, sr=sample_rate)
    parts = [chroma, mel, mfcc, zcr, centroid]
    out = np.concatenate([np.nan_to_num(p).mean(axis=1) for p in parts])
    return out.astype(np.float32)
