"""Synthetic data for the neural-model tests: tones whose pitch encodes the class, written as
audio shards and a training view exactly as the workflow stages write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SR = 16000
CLASSES = ["negative", "neutral", "positive"]
PITCH = {"negative": 150.0, "neutral": 450.0, "positive": 1200.0}
TINY = {"tiny": {"hidden_size": 32, "num_hidden_layers": 2}, "seed": 0}


def tone(label: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    f = PITCH[label] * rng.uniform(0.9, 1.1)
    wave = 0.5 * np.sin(2 * np.pi * f * t) + 0.05 * rng.standard_normal(len(t))
    return wave.astype(np.float32)


def write_shard(path: Path, ids: list[str], waves: list[np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({
        "utt_id": ids,
        "samples": pa.array([w.tolist() for w in waves], type=pa.list_(pa.float32())),
        "sample_rate": [SR] * len(ids),
        "duration": [len(w) / SR for w in waves],
        "source_duration": [len(w) / SR for w in waves],
        "trimmed_s": [0.0] * len(ids),
        "denoised": [False] * len(ids),
    })  # fmt: skip
    pq.write_table(table, path)


def make_view(root: Path, n_per_class: dict[str, int] | None = None, seed: int = 0,
              corpora: tuple[str, ...] = ("toyA", "toyB"), min_s: float = 0.4,
              max_s: float = 1.2) -> Path:  # fmt: skip
    """Shards under ``root/audio/{corpus}/0000.parquet`` and a view ``root/view.parquet``;
    70 % train, 15 % dev, 15 % test, stratified by class."""
    rng = np.random.default_rng(seed)
    n_per_class = n_per_class or {"train": 14, "dev": 4, "test": 4}
    rows = []
    per_corpus: dict[str, tuple[list[str], list[np.ndarray]]] = {c: ([], []) for c in corpora}
    k = 0
    for split, n in n_per_class.items():
        for label in CLASSES:
            for _ in range(n):
                corpus = corpora[k % len(corpora)]
                utt = f"{corpus}_{k:04d}"
                k += 1
                wave = tone(label, rng.uniform(min_s, max_s), rng)
                per_corpus[corpus][0].append(utt)
                per_corpus[corpus][1].append(wave)
                shard = root / "audio" / corpus / "0000.parquet"
                rows.append({"utt_id": utt, "corpus": corpus, "label": label, "split": split,
                             "weight": 1.0, "audio_shard": str(shard)})  # fmt: skip
    for corpus, (ids, waves) in per_corpus.items():
        write_shard(root / "audio" / corpus / "0000.parquet", ids, waves)
    view = pd.DataFrame(rows)
    path = root / "view.parquet"
    view.to_parquet(path, index=False)
    return path
