"""Whisper's classification input: log-mel batches of utterances for a Whisper classifier,
``cropped`` (each utterance alone, encoder cut after its frames) or ``packed`` (utterances laid
into shared 30 s windows). The fine-tuning (:mod:`crossemo.models.whisper_classifier`) and
``crossemo predict`` feed the encoder with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crossemo.features.upstreams.whisper.cropped import cropped_log_mel
from crossemo.features.upstreams.whisper.features import (
    WINDOW_SAMPLES,
    log_mel,
    pack,
    window_audio,
)
from crossemo.models.families.keys import WHISPER_INPUTS as WHISPER_INPUTS_OF

WHISPER_INPUTS = WHISPER_INPUTS_OF["finetune"]
#: config attribute of a saved classifier that names its input (read by ``crossemo predict``)
INPUT_ATTRIBUTE = "crossemo_whisper_input"


def checked_input(mode: str) -> str:
    """``mode`` when it is one of :data:`WHISPER_INPUTS` (else ValueError naming the key)."""
    if mode not in WHISPER_INPUTS:
        raise ValueError(f"model.whisper_input {mode!r}: one of {', '.join(WHISPER_INPUTS)}")
    return mode


@dataclass(frozen=True)
class Segment:
    """Encoder frames ``[start, stop)`` of row ``row`` of the batch: one utterance."""

    row: int
    start: int
    stop: int


@dataclass(frozen=True)
class WhisperBatch:
    """Log-mel ``[rows, n_mels, 2 * frames]``, one :class:`Segment` per utterance and, for
    cropped rows, each row's valid encoder frames (attention stays inside them)."""

    mel: np.ndarray
    segments: tuple[Segment, ...]
    lengths: tuple[int, ...] | None = None


class WhisperInput:
    """Log-mel batches of utterances for a Whisper classifier (``cropped`` or ``packed``)."""

    def __init__(self, mel_filters: np.ndarray, mode: str = "cropped", seed: int = 0) -> None:
        self.filters = np.ascontiguousarray(mel_filters, dtype=np.float32)
        self.mode, self.seed = checked_input(mode), seed

    @classmethod
    def from_extractor(cls, feature_extractor, mode: str = "cropped", seed: int = 0):
        """From a ``WhisperFeatureExtractor`` (its ``[201, n_mels]`` filters)."""
        return cls(np.asarray(feature_extractor.mel_filters).T, mode, seed)

    def __call__(self, waves: Sequence[np.ndarray], keys: Sequence[str] | None = None
                 ) -> WhisperBatch:  # fmt: skip
        waves = [np.asarray(w, dtype=np.float32)[:WINDOW_SAMPLES] for w in waves]
        if self.mode == "cropped":
            return self._cropped(waves)
        return self._packed(waves, keys)

    def _cropped(self, waves: list[np.ndarray]) -> WhisperBatch:
        """Each utterance's log-mel computed alone (its own peak and edges), zero beyond it:
        the convolutions see there what they see at the end of a lone utterance."""
        mel, frames = cropped_log_mel(waves, self.filters)
        segments = tuple(Segment(i, 0, n) for i, n in enumerate(frames))
        return WhisperBatch(mel, segments, tuple(frames))

    def _packed(self, waves: list[np.ndarray], keys: Sequence[str] | None) -> WhisperBatch:
        windows = pack([len(w) for w in waves], keys, packing="packed", seed=self.seed)
        where: dict[int, Segment] = {}
        for row, window in enumerate(windows):
            for pl in window:  # one piece per utterance: waves are at most one window long
                where[pl.piece.utt] = Segment(row, pl.frame, pl.frame + pl.piece.frames)
        audio = [window_audio(window, waves) for window in windows]
        segments = tuple(where[i] for i in range(len(waves)))
        return WhisperBatch(log_mel(audio, self.filters), segments)
