"""A tiny linear classifier on separable 2-D points: a training run of a second or two."""

from __future__ import annotations

import numpy as np
import torch

from crossemo.models.training import Split, TrainSettings

N = 48
_rng = np.random.default_rng(0)
LABELS = np.repeat([0, 1, 2], N // 3)
X = torch.from_numpy((_rng.standard_normal((N, 2)) * 0.3 + np.eye(3, 2)[LABELS] * 2).astype("f4"))
SETTINGS = TrainSettings(
    lr=0.05, epochs=4, bucketing=False, batch_size=8, warmup_steps=0, checkpoint_steps=2,
    early_stopping_patience=None, bf16=False, seed=3,
)  # fmt: skip


def split() -> Split:
    return Split(labels=LABELS, lengths=np.ones(N, dtype=np.int64), unit_per_second=1.0)


def model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Linear(2, 3)


def forward(m, _split, idx):
    return m(X[idx])
