"""Stable assignment of utterances to a fixed number of shards."""

from __future__ import annotations

import hashlib

import pandas as pd


def shard_of(utt_id: str, n_shards: int) -> int:
    """Shard index of ``utt_id``: a stable hash (independent of Python's hash seed)."""
    digest = hashlib.blake2b(utt_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n_shards


def shard_name(index: int) -> str:
    """File stem of shard ``index`` (``0003``)."""
    return f"{index:04d}"


def shard_names(n_shards: int) -> list[str]:
    """All shard stems for a corpus with ``n_shards`` shards."""
    return [shard_name(i) for i in range(n_shards)]


def select_shard(manifest: pd.DataFrame, shard: str | int, n_shards: int) -> pd.DataFrame:
    """Rows of ``manifest`` that belong to ``shard``."""
    index = int(shard)
    mask = manifest["utt_id"].map(lambda u: shard_of(u, n_shards) == index)
    return manifest[mask.astype(bool)]
