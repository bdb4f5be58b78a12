"""Data-parallel training (model.gpus) on the CPU with gloo: 2 processes train what 1 does."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models_fixtures import CLASSES, TINY, make_view  # noqa: E402

from crossemo.models import distributed  # noqa: E402
from crossemo.models.finetune import finetune_view  # noqa: E402
from crossemo.models.training import TrainingInterrupted  # noqa: E402

# fixed batches of 5 (odd: the 2 slices are uneven) in 2-batch accumulation; no dropout in TINY
CFG = {"family": "finetune", "encoder": TINY, "lr": 3e-3, "epochs": 3, "bucketing": False,
       "batch_size": 5, "grad_accum": 2, "checkpoint_steps": 2, "round_robin": True,
       "early_stopping_patience": None, "seed": 1}  # fmt: skip
#: 2 processes against 1 (measured: probabilities 3e-8, weights 3e-7 apart: sums in another order)
ATOL = 1e-4


def _outputs(folder: Path) -> dict:
    return dict(output_dir=folder / "model", predictions=folder / "pred.parquet",
                scratch=folder / "scratch", dev_predictions=folder / "pred.dev.parquet",
                threads=1)  # fmt: skip


def _runs(view: Path, root: Path) -> None:
    """In each process: a whole run, and one killed after 5 steps (mid-epoch 2), resumed."""
    finetune_view(view, CLASSES, CFG, **_outputs(root / "full"))
    with pytest.raises(TrainingInterrupted):
        finetune_view(view, CLASSES, CFG, interrupt_after=5, **_outputs(root / "killed"))
    resumed = finetune_view(view, CLASSES, CFG, **_outputs(root / "killed"))
    assert resumed.resumed_from == 4, resumed  # the mid-epoch checkpoint before the kill


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    view = make_view(root / "data", {"train": 7, "dev": 3, "test": 3}, min_s=0.3, max_s=0.8)
    finetune_view(view, CLASSES, CFG, **_outputs(root / "one"))
    distributed.launch(2, _runs, view, root)
    return root


def _probs(path: Path) -> np.ndarray:
    return pd.read_parquet(path).filter(like="prob_").to_numpy()


@pytest.mark.parametrize("run", ["full", "killed"])
def test_two_processes_train_what_one_does(runs, run):
    for name in ("pred.parquet", "pred.dev.parquet"):
        one, two = pd.read_parquet(runs / "one" / name), pd.read_parquet(runs / run / name)
        assert list(two.columns) == list(one.columns)
        assert two["utt_id"].tolist() == one["utt_id"].tolist()
        assert np.abs(_probs(runs / run / name) - _probs(runs / "one" / name)).max() < ATOL
    a = pd.read_csv(runs / "one" / "model" / "training_curve.csv")
    b = pd.read_csv(runs / run / "model" / "training_curve.csv")
    assert b["step"].tolist() == a["step"].tolist()
    np.testing.assert_allclose(b["dev_loss"], a["dev_loss"], atol=ATOL)
    if run == "full":  # a resumed run's curve averages the training loss since the resume
        np.testing.assert_allclose(b["train_loss"], a["train_loss"], atol=ATOL)


def test_the_model_folder_is_a_single_process_one(runs):
    import torch
    from transformers import AutoModelForAudioClassification

    one, two = runs / "one" / "model", runs / "full" / "model"
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())
    a = AutoModelForAudioClassification.from_pretrained(one).state_dict()
    b = AutoModelForAudioClassification.from_pretrained(two).state_dict()
    assert max(float((a[k] - b[k]).abs().max()) for k in a) < ATOL
    assert not (runs / "full" / "scratch").exists()
    assert all(isinstance(v, torch.Tensor) for v in b.values())


def test_slices_cover_each_batch_once_even_when_smaller_than_the_processes():
    for n_items in (0, 1, 5, 8):
        slices = [distributed.shard(list(range(n_items)), r, 3) for r in range(3)]
        assert sum(slices, []) == list(range(n_items))
        assert max(map(len, slices)) - min(map(len, slices)) <= 1


def test_more_processes_than_visible_gpus_is_refused(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match="model.gpus: 2 processes but CUDA shows 1"):
        distributed.backend(2)
    assert distributed.gpus({}) == 1
    with pytest.raises(ValueError, match="model.gpus"):
        distributed.gpus({"gpus": 0})
