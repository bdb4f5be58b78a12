"""Training data for neural models, read straight from the audio shards.

- :func:`load_view` reads a training view (``results/views/{experiment}/{fold}.parquet``:
  utt_id corpus label split weight audio_shard) and the samples of its rows from their shards.
- :func:`bucket_batches` packs length-sorted utterances into batches whose *padded* audio
  (batch size x longest utterance) stays within a budget of seconds; :func:`fixed_batches` is
  the papers' setup (fixed batch size, random order, padding to the longest).
- :func:`round_robin` interleaves per-corpus batches (ExHuBERT: each step the next corpus).
- :func:`collate` normalises, pads and builds attention masks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
VIEW_COLUMNS = ["utt_id", "corpus", "label", "split", "weight", "audio_shard"]


@dataclass
class AudioSet:
    """Utterances in memory: ids, corpora, integer labels, sample weights and waveforms."""

    utt_ids: list[str]
    corpora: list[str]
    labels: np.ndarray  # int64, -1 where unknown
    weights: np.ndarray  # float32
    waves: list[np.ndarray]  # float32, 16 kHz mono
    classes: list[str]
    texts: list[str] | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.utt_ids)

    @property
    def durations(self) -> np.ndarray:
        return np.array([len(w) / SAMPLE_RATE for w in self.waves], dtype=np.float64)

    def subset(self, index: Sequence[int]) -> AudioSet:
        index = list(index)
        return AudioSet(
            utt_ids=[self.utt_ids[i] for i in index],
            corpora=[self.corpora[i] for i in index],
            labels=self.labels[index],
            weights=self.weights[index],
            waves=[self.waves[i] for i in index],
            classes=self.classes,
            texts=None if self.texts is None else [self.texts[i] for i in index],
        )


def read_view(path: str | Path, splits: Iterable[str] | None = None) -> pd.DataFrame:
    """The rows of a training view, optionally only some splits."""
    view = pd.read_parquet(path)
    missing = set(VIEW_COLUMNS) - set(view.columns)
    if missing:
        raise ValueError(f"{path}: training view lacks columns {sorted(missing)}")
    if splits is not None:
        view = view[view["split"].isin(list(splits))]
    return view.reset_index(drop=True)


def load_audio_rows(rows: pd.DataFrame, max_seconds: float | None = None
                    ) -> dict[str, np.ndarray]:  # fmt: skip
    """Samples of ``rows`` (utt_id, audio_shard) from their shards, cropped to ``max_seconds``."""
    from crossemo.audio.shards import iter_audio

    out: dict[str, np.ndarray] = {}
    limit = None if not max_seconds else int(max_seconds * SAMPLE_RATE)
    for shard, group in rows.groupby("audio_shard", sort=True):
        wanted = set(group["utt_id"])
        for utt_id, samples, rate in iter_audio([shard], wanted):
            if rate != SAMPLE_RATE:
                raise ValueError(f"{shard}: {utt_id} has sample rate {rate}, expected 16000")
            out[utt_id] = np.ascontiguousarray(samples[:limit], dtype=np.float32)
    missing = set(rows["utt_id"]) - set(out)
    if missing:
        raise ValueError(f"{len(missing)} utterances missing from their shards, e.g. "
                         f"{sorted(missing)[:3]}")  # fmt: skip
    return out


def to_audio_set(rows: pd.DataFrame, classes: Sequence[str], waves: dict[str, np.ndarray],
                 texts: dict[str, str] | None = None) -> AudioSet:  # fmt: skip
    """An :class:`AudioSet` of ``rows`` (label strings mapped to indices of ``classes``)."""
    index = {c: i for i, c in enumerate(classes)}
    labels = np.array([index.get(lab, -1) for lab in rows["label"]], dtype=np.int64)
    weights = (rows["weight"].fillna(1.0).to_numpy(np.float32) if "weight" in rows
               else np.ones(len(rows), np.float32))  # fmt: skip
    return AudioSet(
        utt_ids=rows["utt_id"].tolist(),
        corpora=rows["corpus"].astype(str).tolist(),
        labels=labels,
        weights=weights,
        waves=[waves[u] for u in rows["utt_id"]],
        classes=list(classes),
        texts=None if texts is None else [texts.get(u, "") for u in rows["utt_id"]],
    )


def load_view(path: str | Path, classes: Sequence[str], max_seconds: float | None = None
              ) -> dict[str, AudioSet]:  # fmt: skip
    """Train/dev/test :class:`AudioSet` of a view (a split with no rows is an empty set)."""
    view = read_view(path)
    unknown = sorted(set(view["label"]) - set(classes))
    if unknown:
        raise ValueError(f"{path}: labels {unknown} are not in the classes {list(classes)}")
    waves = load_audio_rows(view, max_seconds)
    return {s: to_audio_set(view[view["split"] == s], classes, waves)
            for s in ("train", "dev", "test")}  # fmt: skip


# -- batching ---------------------------------------------------------------------------------


def bucket_batches(lengths: Sequence[int] | np.ndarray, budget: int, max_batch_size: int = 256,
                   seed: int = 0, shuffle: bool = True, jitter: float = 0.1
                   ) -> list[list[int]]:  # fmt: skip
    """Length-bucketed batches: indices sorted by length (with a little multiplicative jitter so
    batches differ between epochs), packed greedily so that ``len(batch) * max(length) <= budget``
    (the padded size); an item longer than the budget forms a batch of its own. The order of the
    batches is shuffled. Lengths and budget in the same unit (samples, or frames)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if len(lengths) == 0:
        return []
    rng = np.random.default_rng(seed)
    key = lengths.astype(np.float64)
    if shuffle and jitter:
        key = key * np.exp(rng.uniform(-jitter, jitter, len(lengths)))
    order = np.argsort(key, kind="stable")
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        n = int(lengths[i])
        new_longest = max(longest, n)
        if current and ((len(current) + 1) * new_longest > budget
                        or len(current) >= max_batch_size):  # fmt: skip
            batches.append(current)
            current, new_longest = [], n
        current.append(int(i))
        longest = new_longest
    if current:
        batches.append(current)
    if shuffle:
        perm = rng.permutation(len(batches))
        batches = [batches[j] for j in perm]
    return batches


def fixed_batches(n: int, batch_size: int, seed: int = 0, shuffle: bool = True
                  ) -> list[list[int]]:  # fmt: skip
    """The papers' batching: a random permutation cut into batches of ``batch_size``."""
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    return [order[i : i + batch_size].tolist() for i in range(0, n, batch_size)]


def round_robin(groups: Sequence[Sequence[list[int]]], seed: int = 0) -> list[list[int]]:
    """Interleave per-group (per-corpus) batch lists: each step one batch from the next group.
    Groups with fewer batches are cycled (reshuffled) so every group contributes equally; an
    epoch ends when the group with the most batches has been consumed once."""
    groups = [list(g) for g in groups if len(g)]
    if not groups:
        return []
    rng = np.random.default_rng(seed)
    longest = max(len(g) for g in groups)
    streams = []
    for g in groups:
        stream = list(g)
        while len(stream) < longest:
            stream += [g[j] for j in rng.permutation(len(g))]
        streams.append(stream[:longest])
    return [streams[k][step] for step in range(longest) for k in range(len(streams))]


def make_batches(lengths: Sequence[int], *, bucketing: bool, budget: int, batch_size: int,
                 max_batch_size: int, seed: int, shuffle: bool = True,
                 groups: Sequence[str] | None = None) -> list[list[int]]:  # fmt: skip
    """Batches of one epoch: bucketed or fixed, optionally round-robin over ``groups``."""

    def batches_of(index: np.ndarray, sub_seed: int) -> list[list[int]]:
        if bucketing:
            local = bucket_batches(np.asarray(lengths)[index], budget, max_batch_size,
                                   seed=sub_seed, shuffle=shuffle)  # fmt: skip
        else:
            local = fixed_batches(len(index), batch_size, seed=sub_seed, shuffle=shuffle)
        return [[int(index[j]) for j in b] for b in local]

    if groups is None:
        return batches_of(np.arange(len(lengths)), seed)
    names = sorted(set(groups))
    arr = np.asarray(groups)
    per_group = [batches_of(np.flatnonzero(arr == g), seed + 7919 * (k + 1))
                 for k, g in enumerate(names)]  # fmt: skip
    return round_robin(per_group, seed=seed)


# -- collation --------------------------------------------------------------------------------


def normalize(wave: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance (as Wav2Vec2FeatureExtractor(do_normalize=True))."""
    return (wave - wave.mean()) / np.sqrt(wave.var() + 1e-7)


def collate(waves: Sequence[np.ndarray], do_normalize: bool = True, pad_to: int | None = None,
            pad_multiple: int = 1):  # fmt: skip
    """``(input_values [B, T] float32, attention_mask [B, T] int64)`` as torch tensors, padded
    with zeros to the longest wave (or ``pad_to``), rounded up to ``pad_multiple`` samples."""
    import torch

    longest = max(len(w) for w in waves) if pad_to is None else pad_to
    longest = -(-longest // pad_multiple) * pad_multiple
    values = np.zeros((len(waves), longest), dtype=np.float32)
    mask = np.zeros((len(waves), longest), dtype=np.int64)
    for i, w in enumerate(waves):
        w = normalize(w) if do_normalize and len(w) else w
        values[i, : len(w)] = w
        mask[i, : len(w)] = 1
    return torch.from_numpy(values), torch.from_numpy(mask)
