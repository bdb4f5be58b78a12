"""Feature shards: extraction of a feature set over audio shards, writing and reading them.

A feature shard (``results/features/{featureset}/{corpus}/{shard}.parquet``) has one row per
utterance of the matching audio shard: ``utt_id`` plus one float32 column per feature, named as
the extractor names them (openSMILE's names; ``chroma_00`` ... for the hand-crafted set;
``whisper_l4_mean_000`` ... for Whisper encoder statistics). Feature sets are named or configured
(:mod:`crossemo.features.settings`).
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
from crossemo.features.settings import CONFIGURED
from crossemo.names import FEATURESETS

log = logging.getLogger(__name__)


class FeatureShard(pa.DataFrameModel):
    """``utt_id`` + float32 feature columns (any names)."""

    utt_id: Series[str] = pa.Field(unique=True)

    class Config:
        strict = False


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
