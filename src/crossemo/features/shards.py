"""Feature shards: extraction of a feature set over audio shards, writing and reading them.

A feature shard (``results/features/{featureset}/{corpus}/{shard}.parquet``) has one row per
utterance of the matching audio shard: ``utt_id`` plus one float32 column per feature, named as
the extractor names them (openSMILE's names; ``chroma_00`` ... for the hand-crafted set;
``whisper_l4_mean_000`` ... for Whisper encoder statistics). Feature sets are named or configured
(the registry :mod:`crossemo.features.upstreams`).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.audio.shards import count_utterances, iter_audio
from crossemo.core.atomic import atomic_path
from crossemo.core.progress import Progress
from crossemo.features import upstreams

log = logging.getLogger(__name__)


class FeatureShard(pa.DataFrameModel):
    """``utt_id`` + float32 feature columns (any names)."""

    utt_id: Series[str] = pa.Field(unique=True)

    class Config:
        strict = False


def extractor(featureset: str):
    """A callable ``(samples, sample_rate) -> float32 vector`` with a ``names`` list, of a
    per-utterance upstream (openSMILE sets, the hand-crafted set: their ``extractor``)."""
    module = upstreams.upstream(featureset)
    if not hasattr(module, "extractor"):
        raise ValueError(f"{featureset!r} is not a per-utterance feature set")
    return module.extractor(featureset)


def vector_frame(fx, audio_paths: Iterable[str | Path], utt_ids: set[str] | None = None,
                 label: str = "") -> pd.DataFrame:  # fmt: skip
    """``utt_id`` + one float32 column per ``fx.names`` of every (or the selected) utterance of
    the shards: ``fx(samples, sample_rate)`` is one utterance's vector (an upstream's helper)."""
    audio_paths = list(audio_paths)
    progress = Progress(label or "features", count_utterances(audio_paths, utt_ids),
                        "utterances", log)  # fmt: skip
    ids, rows = [], []
    for utt_id, samples, rate in iter_audio(audio_paths, utt_ids):
        ids.append(utt_id)
        rows.append(fx(samples, rate))
        progress.advance()
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, len(fx.names)), "f4")
    frame = pd.DataFrame(matrix, columns=list(fx.names))
    frame.insert(0, "utt_id", pd.Series(ids, dtype=str))
    log.info("%s: %d utterances x %d features", label, len(ids), matrix.shape[1])
    return frame


def extract(
    audio_paths: Iterable[str | Path], featureset: str | Mapping, utt_ids: set[str] | None = None,
    threads: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """Features of every (or the selected) utterance of the audio shards, one row each (a
    pooled upstream's shard, read back)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "features.parquet"
        rows = extract_shard(list(_paths(audio_paths)), featureset, out, utt_ids, threads)
        return rows if isinstance(rows, pd.DataFrame) else pd.read_parquet(out)


def _paths(audio_paths) -> list[str | Path]:
    return [audio_paths] if isinstance(audio_paths, str | Path) else list(audio_paths)


def write_features(frame: pd.DataFrame, output: str | Path) -> pd.DataFrame:
    """Validate and write a pooled feature shard; returns the frame written."""
    valid = FeatureShard.validate(frame)
    with atomic_path(output) as tmp:
        valid.to_parquet(tmp, index=False)
    return valid


def extract_shard(audio_paths, featureset: str | Mapping, output: str | Path, utt_ids=None,
                  threads: int = 0) -> Any:  # fmt: skip
    """Extract and write one feature shard: the one extraction function of every upstream
    (``featureset``: a name, or a mapping ``{name: <upstream>, <settings>}``, as rule
    ``extract_features`` passes it), dispatched to the upstream's module; returns what the
    upstream returns (a pooled upstream: the frame it wrote)."""
    full = upstreams.settings(featureset)
    name = upstreams.spec_name(full)
    return upstreams.upstream(name).extract_shard(name, full, _paths(audio_paths), output,
                                                  utt_ids, threads)  # fmt: skip


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
