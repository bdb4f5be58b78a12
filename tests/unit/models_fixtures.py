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


def write_wavs(folder: Path, view: Path, split: str = "test") -> dict[str, str]:
    """The ``split`` rows of a view's audio as 16 kHz float WAV files (the samples the shards
    hold, bit for bit): utt_id -> path."""
    import soundfile as sf

    from crossemo.audio.shards import iter_audio

    rows = pd.read_parquet(view)
    rows = rows[rows["split"] == split]
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for utt_id, samples, rate in iter_audio(sorted(set(rows["audio_shard"])), set(rows["utt_id"])):
        path = folder / f"{utt_id}.wav"
        sf.write(path, np.asarray(samples, dtype=np.float32), rate, subtype="FLOAT")
        out[utt_id] = str(path)
    return {u: out[u] for u in rows["utt_id"]}


def predicted_like_the_run(folder: Path, run_predictions: Path, wavs: dict[str, str],
                           texts: dict[str, str] | None = None,
                           atol: float = 1e-4) -> None:  # fmt: skip
    """``crossemo predict``'s probabilities of the run's test clips are the run's own."""
    from crossemo.models.predict import predict_files

    table = pd.read_parquet(run_predictions).set_index("utt_id")
    ids = [u for u in table.index if u in wavs]
    paths = [wavs[u] for u in ids]
    records = predict_files(folder, paths, min_seconds=0.0,
                            texts={wavs[u]: texts[u] for u in ids} if texts else None)  # fmt: skip
    classes = [c.removeprefix("prob_") for c in table.columns if c.startswith("prob_")]
    for utt_id, record in zip(ids, records, strict=True):
        assert record.error is None, record
        assert list(record.probs) == classes
        expected = table.loc[utt_id, [f"prob_{c}" for c in classes]].to_numpy(dtype=float)
        np.testing.assert_allclose(list(record.probs.values()), expected, atol=atol)
