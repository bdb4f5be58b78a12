"""Rule perturb_audio: one preprocessed audio shard under one stress condition, written as an
audio shard of the same contract (:mod:`crossemo.audio.shards`, the preprocessing writer).

Clips are perturbed in batches of about :data:`BATCH_S` seconds (a codec encodes a batch as one
ffmpeg stream), each with the generator of ``(seed, condition, utt_id)``; the metadata columns
are carried over (``duration`` measured again: ``speed`` changes it; ``clipping_share`` as
stored). Samples pushed beyond full scale are clipped and counted in the log, as preprocessing
does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import soxr

from crossemo.audio.preprocess import ShardWriter
from crossemo.audio.shards import iter_audio
from crossemo.stress.conditions import condition_name
from crossemo.stress.perturb import Babble, perturb_many, utterance_rng

log = logging.getLogger(__name__)
BATCH_S = 600.0  #: seconds of audio perturbed (and held) at once
_CARRIED = ["utt_id", "source_duration", "trimmed_s", "denoised"]


def babble_source(paths: Iterable[str | Path], sample_rate: int, talkers: int) -> Babble:
    """The babble corpus's utterances (all of its shards) at ``sample_rate``."""
    pool = []
    for _, samples, rate in iter_audio(paths):
        pool.append(samples if rate == sample_rate else soxr.resample(samples, rate, sample_rate))
    return Babble(pool=pool, talkers=talkers)


def perturb_shard(shard: str | Path, spec: Mapping[str, Any], seed: int, output: str | Path,
                  babble: Iterable[str | Path] = (), talkers: int = 4) -> None:  # fmt: skip
    """Write ``output``: every utterance of ``shard`` under condition ``spec`` (expanded)."""
    name = condition_name(spec)
    meta = pq.read_table(shard, columns=_CARRIED).to_pandas().set_index("utt_id")
    pool: dict[int, Babble] = {}
    batch: list[tuple[str, np.ndarray, int]] = []
    with ShardWriter(output) as writer:
        for clip in [*iter_audio([shard]), None]:  # None: the end, write what is left
            if clip is not None:
                batch.append(clip)
            if batch and (clip is None or sum(len(s) / r for _, s, r in batch) >= BATCH_S):
                noise = _babble(spec, batch[0][2], babble, talkers, pool)
                _write(writer, batch, spec, name, seed, meta, noise)
                batch = []
    log.info("%s: %d utterances (%.1f s) under %s", output, writer.rows, writer.seconds, name)


def _babble(spec: Mapping[str, Any], rate: int, paths: Iterable[str | Path], talkers: int,
            cache: dict[int, Babble]) -> Babble | None:  # fmt: skip
    if spec.get("color") != "babble":
        return None
    if rate not in cache:
        cache[rate] = babble_source(list(paths), rate, talkers)
    return cache[rate]


def _write(writer: ShardWriter, batch: list[tuple[str, np.ndarray, int]],
           spec: Mapping[str, Any], name: str, seed: int, meta, babble: Babble | None
           ) -> None:  # fmt: skip
    for rate in dict.fromkeys(r for _, _, r in batch):  # one call per sample rate
        rows = [(u, s) for u, s, r in batch if r == rate]
        rngs = [utterance_rng(seed, name, u) for u, _ in rows]
        for (utt_id, _), out in zip(rows, perturb_many([s for _, s in rows], rate, spec, rngs,
                                                       babble), strict=True):  # fmt: skip
            carried = meta.loc[utt_id]
            writer.add({
                "utt_id": utt_id,
                "samples": out,
                "sample_rate": rate,
                "duration": len(out) / rate,
                "source_duration": float(carried["source_duration"]),
                "trimmed_s": float(carried["trimmed_s"]),
                "denoised": bool(carried["denoised"]),
            })  # fmt: skip
