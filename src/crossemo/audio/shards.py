"""Reading preprocessed audio shards (``results/audio/{corpus}/{shard}.parquet``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

META_COLUMNS = ["utt_id", "sample_rate", "duration", "source_duration", "trimmed_s", "denoised"]


def read_shard_meta(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Shard metadata without the samples (cheap: the samples column is not read)."""
    frames = [pq.read_table(p, columns=META_COLUMNS).to_pandas() for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=META_COLUMNS)


def iter_audio(
    paths: Iterable[str | Path], utt_ids: set[str] | None = None
) -> Iterator[tuple[str, np.ndarray, int]]:
    """Yield ``(utt_id, float32 samples, sample_rate)`` from shards, optionally filtered."""
    for path in paths:
        table = pq.read_table(path, columns=["utt_id", "samples", "sample_rate"])
        ids = table.column("utt_id").to_pylist()
        rates = table.column("sample_rate").to_pylist()
        samples = table.column("samples").combine_chunks()
        offsets = samples.offsets.to_numpy()
        values = samples.values.to_numpy(zero_copy_only=False)
        for i, utt_id in enumerate(ids):
            if utt_ids is not None and utt_id not in utt_ids:
                continue
            yield utt_id, values[offsets[i] : offsets[i + 1]], rates[i]


def load_audio(
    paths: Iterable[str | Path], utt_ids: set[str] | None = None
) -> dict[str, np.ndarray]:
    """All (or the selected) utterances of the shards in memory, keyed by ``utt_id``."""
    return {u: s.copy() for u, s, _ in iter_audio(paths, utt_ids)}
