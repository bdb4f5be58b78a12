"""Fine-tuning on synthetic tones: learns, resumes exactly, saves a pipeline-loadable model."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models_fixtures import CLASSES, TINY, make_view  # noqa: E402

from crossemo.models.finetune import finetune_view  # noqa: E402
from crossemo.models.training import TrainingInterrupted  # noqa: E402

CFG = {"family": "finetune", "encoder": TINY, "lr": 3e-3, "epochs": 4, "batch_seconds": 6.0,
       "warmup_ratio": 0.1, "checkpoint_steps": 2, "early_stopping_patience": None,
       "seed": 1}  # fmt: skip


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    return make_view(tmp_path_factory.mktemp("toy"), {"train": 10, "dev": 3, "test": 4},
                     min_s=0.3, max_s=0.8)  # fmt: skip


@pytest.fixture(scope="module")
def trained(view, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = finetune_view(view, CLASSES, CFG, output_dir=out / "model",
                           predictions=out / "pred.parquet", scratch=out / "scratch",
                           threads=2, dev_predictions=out / "pred.dev.parquet")  # fmt: skip
    return out, result


def test_dev_predictions_are_the_dev_split_s(view, trained):
    out, _ = trained
    rows = pd.read_parquet(view)
    dev = pd.read_parquet(out / "pred.dev.parquet")
    test = pd.read_parquet(out / "pred.parquet")
    assert list(dev.columns) == list(test.columns)
    assert sorted(dev["utt_id"]) == sorted(rows.loc[rows["split"] == "dev", "utt_id"])
    truth = rows.set_index("utt_id")["label"]
    assert (dev["label"] == dev["utt_id"].map(truth)).all()
    np.testing.assert_allclose(dev.filter(like="prob_").sum(axis=1), 1.0, atol=1e-5)


def test_learns_above_chance(trained):
    out, result = trained
    pred = pd.read_parquet(out / "pred.parquet")
    assert list(pred.columns) == ["utt_id", "corpus", "label", "pred",
                                  *[f"prob_{c}" for c in CLASSES]]  # fmt: skip
    np.testing.assert_allclose(pred.filter(like="prob_").sum(axis=1), 1.0, atol=1e-5)
    recalls = [np.mean(pred.pred[pred.label == c] == c) for c in CLASSES]
    assert np.mean(recalls) > 0.5  # chance is 1/3
    assert result.best_metric is not None and result.best_metric > 0.5


def test_saved_directory(trained):
    out, _ = trained
    model_dir = out / "model"
    for name in ("config.json", "preprocessor_config.json", "label_map.json",
                 "crossemo_run.json", "training_curve.csv", "training_curve.png"):  # fmt: skip
        assert (model_dir / name).exists(), name
    label_map = json.loads((model_dir / "label_map.json").read_text())
    assert label_map["classes"] == CLASSES
    curve = pd.read_csv(model_dir / "training_curve.csv")
    assert {"step", "train_loss", "dev_uar"} <= set(curve.columns)
    assert not (out / "scratch").exists()  # scratch removed after success


def test_pipeline_loads_and_matches_predictions(trained):
    from models_fixtures import tone
    from transformers import pipeline

    out, _ = trained
    clf = pipeline("audio-classification", model=str(out / "model"))
    wave = tone("positive", 0.6, np.random.default_rng(5))
    result = clf(wave, top_k=None)
    assert {r["label"] for r in result} == set(CLASSES)
    assert abs(sum(r["score"] for r in result) - 1) < 1e-4


def test_resume_after_kill_gives_same_result(view, trained, tmp_path):
    out_ref, ref = trained
    out = tmp_path
    kwargs = dict(output_dir=out / "model", predictions=out / "pred.parquet",
                  scratch=out / "scratch", threads=2)  # fmt: skip
    with pytest.raises(TrainingInterrupted):
        finetune_view(view, CLASSES, CFG, interrupt_after=5, **kwargs)  # killed after step 5
    assert (out / "scratch" / "state.pt").exists()
    assert not (out / "pred.parquet").exists()
    resumed = finetune_view(view, CLASSES, CFG, **kwargs)
    assert resumed.resumed_from == 4  # last checkpoint (every 2 steps) before the kill
    assert resumed.steps == ref.steps
    assert resumed.best_metric == pytest.approx(ref.best_metric)
    a = pd.read_parquet(out_ref / "pred.parquet")
    b = pd.read_parquet(out / "pred.parquet")
    assert a["pred"].tolist() == b["pred"].tolist()
    np.testing.assert_allclose(a.filter(like="prob_"), b.filter(like="prob_"), atol=1e-5)
