"""The training skeleton: prepare -> fit -> save -> predict -> clean up, and after a failure
no half-written model folder but the checkpoints to resume from."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import tiny_fit
import torch

from crossemo.models.checkpoint import STATE
from crossemo.models.skeleton import LABEL_MAP_FILE, RUN_FILE, Job, train_and_predict

CLASSES = ["a", "b", "c"]


class Recorder:
    """A family whose steps write down when they run; ``fail_in`` makes one of them fail."""

    def __init__(self, fail_in: str | None = None, dev: bool = True):
        self.steps: list[str] = []
        self.fail_in = fail_in
        self.dev = dev

    def step(self, name: str) -> None:
        self.steps.append(name)
        if name == self.fail_in:
            raise RuntimeError(f"{name} failed")

    def prepare(self, device) -> Job:
        self.step("prepare")
        split = tiny_fit.split()

        def forward(m, split_name, idx):
            if split_name == "test" and self.steps[-1] != "predict":
                self.step("predict")
            return tiny_fit.forward(m, split_name, idx)

        def save(model, out):
            self.step("save")
            out.mkdir(parents=True, exist_ok=True)
            torch.save(model.state_dict(), out / "weights.pt")

        ids = [f"u{i}" for i in range(len(split))]
        dev_ids = [f"d{i}" for i in range(len(split))] if self.dev else []
        return Job(tiny_fit.model(), forward, split, split if self.dev else None, split, ids,
                   ["toy"] * len(split), save, "recorder", dev_ids,
                   ["dv"] * len(dev_ids))  # fmt: skip


def run(tmp_path, family: Recorder, dev_predictions=None):
    return train_and_predict(
        family.prepare, tiny_fit.SETTINGS, CLASSES, output_dir=tmp_path / "model",
        predictions=tmp_path / "pred.parquet", scratch=tmp_path / "scratch",
        run_config={"experiment": "toy"}, dev_predictions=dev_predictions,
    )  # fmt: skip


@pytest.mark.parametrize("has_dev", [True, False])
def test_dev_predictions_are_written_header_only_without_dev(tmp_path, has_dev):
    run(tmp_path, Recorder(dev=has_dev), dev_predictions=tmp_path / "pred.dev.parquet")
    dev = pd.read_parquet(tmp_path / "pred.dev.parquet")
    assert list(dev.columns) == list(pd.read_parquet(tmp_path / "pred.parquet").columns)
    assert dev["utt_id"].tolist() == ([f"d{i}" for i in range(len(tiny_fit.LABELS))]
                                      if has_dev else [])  # fmt: skip
    assert (dev["corpus"] == "dv").all()


def test_steps_run_in_order_and_scratch_is_removed(tmp_path):
    family = Recorder()
    result = run(tmp_path, family)
    assert family.steps == ["prepare", "save", "predict"]
    out = tmp_path / "model"
    assert (out / "weights.pt").exists()
    assert json.loads((out / LABEL_MAP_FILE).read_text())["classes"] == CLASSES
    saved = json.loads((out / RUN_FILE).read_text())
    assert saved["experiment"] == "toy" and saved["result"]["steps"] == result.steps
    assert saved["settings"]["lr"] == tiny_fit.SETTINGS.lr
    pred = pd.read_parquet(tmp_path / "pred.parquet")
    assert list(pred.columns) == ["utt_id", "corpus", "label", "pred", "prob_a", "prob_b", "prob_c"]
    np.testing.assert_allclose(pred.filter(like="prob_").sum(axis=1), 1.0, atol=1e-5)
    assert (pred["label"] == [CLASSES[i] for i in tiny_fit.LABELS]).all()
    assert not (tmp_path / "scratch").exists()


@pytest.mark.parametrize("step", ["save", "predict"])
def test_failure_removes_the_model_folder_and_keeps_the_checkpoints(tmp_path, step):
    with pytest.raises(RuntimeError, match=f"{step} failed"):
        run(tmp_path, Recorder(fail_in=step))
    assert not (tmp_path / "model").exists()
    assert not (tmp_path / "pred.parquet").exists()
    assert (tmp_path / "scratch" / STATE).exists()
    family = Recorder()
    result = run(tmp_path, family)  # the rerun resumes from the final checkpoint
    assert result.resumed_from == result.steps
    assert family.steps == ["prepare", "save", "predict"]


def test_failure_in_prepare_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="prepare failed"):
        run(tmp_path, Recorder(fail_in="prepare"))
    assert not (tmp_path / "model").exists() and not (tmp_path / "scratch").exists()
