"""Utterance-level acoustic features as Parquet shards, and standardisation at training time.

A feature shard (``results/features/{featureset}/{corpus}/{shard}.parquet``) has one row per
utterance of the matching audio shard: ``utt_id`` plus one float32 column per feature, named as
the extractor names them (openSMILE's names; ``chroma_00`` ... for the hand-crafted set;
``whisper_l4_mean_000`` ... for Whisper encoder statistics).

Feature sets are named (:data:`crossemo.names.FEATURESETS`) or given by a config mapping whose
``name`` is in :data:`CONFIGURED`: ``{name: whisper, model: ..., backend: ..., layers: ...,
packing: ...}`` (:class:`crossemo.features.whisper.WhisperSettings`; its output folder name is
:func:`crossemo.features.whisper.featureset_name`).

Standardisation is never baked into the shards: :class:`Standardizer` is fitted at training time
on the training rows only. ``by="global"`` applies the training mean/std to everything;
``by="corpus"`` / ``by="speaker"`` z-normalise each corpus/speaker with its own statistics (the
usual remedy for cross-corpus shift). Those statistics come from the group's features alone, never
from labels, and a training group's statistics never depend on test rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.atomic import atomic_path
from crossemo.audio.shards import iter_audio
from crossemo.names import FEATURESETS

log = logging.getLogger(__name__)

STANDARDIZE = ("none", "global", "corpus", "speaker")
#: feature sets given by a config mapping (``{name: whisper, ...}``) instead of a name
CONFIGURED = ("whisper",)


class FeatureShard(pa.DataFrameModel):
    """``utt_id`` + float32 feature columns (any names)."""

    utt_id: Series[str] = pa.Field(unique=True)

    class Config:
        strict = False


def featureset_settings(featureset: str | Mapping) -> str | dict:
    """A feature set as its extraction job reads it: a named set as its name, a configured one
    (``{name: whisper, ...}``) as its full settings, defaults filled in (so writing a default
    out or leaving it implicit is the same feature set)."""
    if not isinstance(featureset, Mapping):
        if featureset not in FEATURESETS:
            raise ValueError(f"unknown feature set {featureset!r}; known: {', '.join(FEATURESETS)}")
        return featureset
    name = featureset.get("name")
    if name != "whisper":
        raise ValueError(f"unknown configured feature set {name!r}; known: {', '.join(CONFIGURED)}")
    from dataclasses import asdict

    from crossemo.features import whisper

    settings = asdict(whisper.WhisperSettings.from_config(featureset))
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
    return {"name": name, **plain}


def featureset_name(featureset: str | Mapping) -> str:
    """Folder of a feature set under ``results/features/``: a named set's name, or for a Whisper
    mapping :func:`crossemo.features.whisper.featureset_name` (one folder per distinct
    extraction: experiments with the same settings share its shards)."""
    settings = featureset_settings(featureset)
    if isinstance(settings, str):
        return settings
    from crossemo.features import whisper

    return whisper.featureset_name(whisper.WhisperSettings.from_config(settings))


def extractor(featureset: str):
    """A callable ``(samples, sample_rate) -> float32 vector`` with a ``names`` list."""
    if featureset == "handcrafted94":
        from crossemo.features.handcrafted import HandcraftedExtractor

        return HandcraftedExtractor()
    from crossemo.features.opensmile_features import OPENSMILE_SETS, OpenSmileExtractor

    if featureset in OPENSMILE_SETS:
        return OpenSmileExtractor(featureset)
    raise ValueError(f"unknown feature set {featureset!r}; known: {', '.join(FEATURESETS)}")


def extract(
    audio_paths: Iterable[str | Path], featureset: str | Mapping, utt_ids: set[str] | None = None,
    threads: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """Features of every (or the selected) utterance of the audio shards, one row each."""
    if isinstance(featureset, Mapping):
        return _extract_configured(audio_paths, featureset, utt_ids, threads)
    fx = extractor(featureset)
    ids, rows = [], []
    for utt_id, samples, rate in iter_audio(audio_paths, utt_ids):
        ids.append(utt_id)
        rows.append(fx(samples, rate))
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, len(fx.names)), "f4")
    frame = pd.DataFrame(matrix, columns=list(fx.names))
    frame.insert(0, "utt_id", pd.Series(ids, dtype=str))
    log.info("%s: %d utterances x %d features", featureset, len(ids), matrix.shape[1])
    return frame


def _extract_configured(audio_paths, featureset: Mapping, utt_ids, threads: int) -> pd.DataFrame:
    """A :data:`CONFIGURED` feature set (whole shards at once: Whisper packs utterances)."""
    name = featureset.get("name")
    if name != "whisper":
        raise ValueError(f"unknown configured feature set {name!r}; known: {', '.join(CONFIGURED)}")
    from crossemo.features import whisper

    return whisper.extract(audio_paths, featureset, utt_ids, threads)


def write_features(frame: pd.DataFrame, output: str | Path) -> None:
    valid = FeatureShard.validate(frame)
    with atomic_path(output) as tmp:
        valid.to_parquet(tmp, index=False)


def extract_shard(audio_paths, featureset: str | Mapping, output: str | Path, utt_ids=None,
                  threads: int = 0) -> pd.DataFrame:  # fmt: skip
    """Extract and write one feature shard."""
    frame = extract([audio_paths] if isinstance(audio_paths, str | Path) else audio_paths,
                    featureset, utt_ids, threads)  # fmt: skip
    write_features(frame, output)
    return frame


def read_features(paths: Iterable[str | Path], utt_ids: Iterable[str] | None = None
                  ) -> pd.DataFrame:  # fmt: skip
    """Concatenate feature shards, indexed by ``utt_id`` (optionally only ``utt_ids``, in order)."""
    frames = [pd.read_parquet(p) for p in paths]
    frame = pd.concat(frames, ignore_index=True).set_index("utt_id")
    if utt_ids is not None:
        utt_ids = list(utt_ids)
        missing = sorted(set(utt_ids) - set(frame.index))
        if missing:
            raise KeyError(f"{len(missing)} utterances have no features, e.g. {missing[:3]}")
        frame = frame.loc[utt_ids]
    return frame


class Standardizer:
    """z-normalisation fitted on training rows only (see the module docstring).

    ``fit(X, groups)`` learns the global mean/std of the training rows; ``transform(X, groups)``
    applies them (``by="global"``), or normalises every group of ``X`` with its own statistics
    (``by="corpus"``/``"speaker"``; ``groups`` then names each row's corpus/speaker). Constant
    features get a std of 1. ``by="none"`` passes features through.
    """

    def __init__(self, by: str = "global", eps: float = 1e-8):
        if by not in STANDARDIZE:
            raise ValueError(f"standardize must be one of {STANDARDIZE}, not {by!r}")
        self.by, self.eps = by, eps
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def _stats(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        return mean, np.where(std > self.eps, std, 1.0)

    def fit(self, X: np.ndarray, groups: Iterable[str] | None = None) -> Standardizer:
        X = np.asarray(X, dtype=np.float64)
        self.mean_, self.std_ = self._stats(X)
        return self

    def transform(self, X: np.ndarray, groups: Iterable[str] | None = None) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if self.by == "none":
            out = X
        elif self.by == "global":
            if self.mean_ is None:
                raise RuntimeError("Standardizer.transform before fit")
            out = (X - self.mean_) / self.std_
        else:
            if groups is None:
                raise ValueError(f"standardize by {self.by} needs the group of every row")
            groups = np.asarray(list(groups))
            out = np.empty_like(X)
            for g in pd.unique(groups):
                rows = groups == g
                mean, std = self._stats(X[rows])
                out[rows] = (X[rows] - mean) / std
        return np.nan_to_num(out).astype(np.float32)

    def fit_transform(self, X, groups=None) -> np.ndarray:
        return self.fit(X, groups).transform(X, groups)
