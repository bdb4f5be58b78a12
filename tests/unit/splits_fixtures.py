"""Synthetic labelled tables for the split tests: corpora of speakers whose labels cycle."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossemo.splits.experiment import Experiment

REPO = Path(__file__).resolve().parents[2]
LABELS = ("a", "b", "c")


def corpus(name, n_groups, per_group=12, genders=("unknown",), prefix="s", uneven=False):
    """A labelled table: ``n_groups`` groups, labels cycling, genders alternating."""
    rows = []
    for g in range(n_groups):
        size = per_group + (g % 3) * 4 if uneven else per_group
        for i in range(size):
            rows.append({
                "utt_id": f"{name}/{prefix}{g:02d}_{i:03d}", "corpus": name,
                "speaker": f"{name}/{prefix}{g:02d}", "gender": genders[g % len(genders)],
                "group": f"{name}/{prefix}{g:02d}", "emotion": "x",
                "label": LABELS[(i + g) % len(LABELS)], "duration": 1.0, "audio_shard": "x",
            })  # fmt: skip
    return pd.DataFrame(rows)


def experiment(**kw) -> Experiment:
    cfg = {"scheme": "s", "protocol": "cross_corpus", "train": ["a"], **kw}
    return Experiment.from_config("exp", cfg)


def groups_of(split: pd.DataFrame, fold: int, which: str) -> set[str]:
    part = split[(split["fold"] == fold) & (split["split"] == which)]
    return set(part["group"])


def assert_disjoint(
    split: pd.DataFrame, pairs=(("train", "test"), ("dev", "test"), ("train", "dev"))
):
    for fold in split["fold"].unique():
        for a, b in pairs:
            assert not groups_of(split, fold, a) & groups_of(split, fold, b), (fold, a, b)


def make_pool() -> pd.DataFrame:
    """Four corpora: ``a`` (10 speakers, both genders), ``b`` (6 men), ``m`` (30 uneven
    groups, MOSEI-like) and ``t`` (4 speakers, a test corpus)."""
    return pd.concat([
        corpus("a", 10, genders=("female", "male")),
        corpus("b", 6, genders=("male",)),
        corpus("m", 30, per_group=5, uneven=True),
        corpus("t", 4),
    ], ignore_index=True)  # fmt: skip
