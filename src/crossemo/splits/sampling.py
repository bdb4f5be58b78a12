"""Seeded draws shared by the split protocols and the dev sets: the generator of a draw, the
natural order of group names, and label-stratified utterance draws."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd


def rng(seed: int, *keys: object) -> np.random.Generator:
    """A generator fixed by ``seed`` and the keys (same inputs, same draws, in any order)."""
    return np.random.default_rng([seed, *(zlib.crc32(str(k).encode()) for k in keys)])


def natural_key(text: str) -> list:
    """Sort key: ``Session10`` after ``Session9``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def stratified_utterances(
    df: pd.DataFrame, fraction: float, generator: np.random.Generator, keys: list[str]
) -> set[str]:
    """``round(fraction * n)`` utterance ids, shared out over the strata (``keys``) in proportion
    (largest remainders, so small strata do not round the total away), chosen at random."""
    parts = [part for _, part in df.sort_values("utt_id").groupby(keys, sort=True)]
    if not parts:
        return set()
    exact = np.array([fraction * len(p) for p in parts])
    quota = np.floor(exact).astype(int)
    extra = int(round(fraction * len(df))) - quota.sum()
    if extra > 0:
        order = np.lexsort((generator.random(len(parts)), -(exact - quota)))
        quota[order[:extra]] += 1
    chosen: set[str] = set()
    for part, n in zip(parts, quota, strict=True):
        if n:
            chosen.update(part["utt_id"].to_numpy()[generator.permutation(len(part))[:n]])
    return chosen
