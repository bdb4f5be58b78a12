"""Batching by audio seconds, round robin, collation."""

from __future__ import annotations

import numpy as np
import pytest

from crossemo.models.data import bucket_batches, collate, fixed_batches, make_batches, round_robin


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bucket_batches_respect_budget(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(8000, 16000 * 12, size=300)
    budget = 16000 * 40
    batches = bucket_batches(lengths, budget, max_batch_size=16, seed=seed)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(300))  # every item exactly once
    for b in batches:
        assert len(b) <= 16
        assert len(b) * max(lengths[b]) <= budget or len(b) == 1
    # little padding: bucketing wastes far less than random batches of the same count
    padded = sum(len(b) * max(lengths[b]) for b in batches)
    assert padded / lengths.sum() < 1.25


def test_item_longer_than_budget_is_alone():
    batches = bucket_batches([100, 5000, 120], budget=1000, shuffle=False)
    assert [5000] in [[[100, 5000, 120][i] for i in b] for b in batches]


def test_bucket_batches_reproducible_and_vary_by_seed():
    lengths = np.random.default_rng(0).integers(100, 1000, 100)
    assert bucket_batches(lengths, 3000, seed=3) == bucket_batches(lengths, 3000, seed=3)
    assert bucket_batches(lengths, 3000, seed=3) != bucket_batches(lengths, 3000, seed=4)


def test_fixed_batches():
    batches = fixed_batches(7, 2, seed=0)
    assert [len(b) for b in batches] == [2, 2, 2, 1]
    assert sorted(i for b in batches for i in b) == list(range(7))


def test_round_robin_alternates_corpora():
    groups = ["a"] * 6 + ["b"] * 2 + ["c"] * 4
    batches = make_batches(np.full(12, 100), bucketing=False, budget=0, batch_size=2,
                           max_batch_size=2, seed=0, groups=groups)  # fmt: skip
    owner = [groups[b[0]] for b in batches]
    assert owner == ["a", "b", "c"] * 3  # a has 3 batches; b and c are cycled
    assert round_robin([]) == []


def test_collate_pads_and_masks():
    values, mask = collate([np.ones(3, np.float32), np.arange(5, dtype=np.float32)])
    assert values.shape == (2, 5) and mask.tolist() == [[1, 1, 1, 0, 0], [1] * 5]
    assert values[0, 3:].abs().sum() == 0
    assert abs(float(values[1].mean())) < 1e-5  # normalised to zero mean
