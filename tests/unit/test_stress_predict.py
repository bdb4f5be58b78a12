"""Trained runs on stressed inputs: an identity copy of the test inputs reproduces each run's
own test predictions bit for bit (a classic run and a tiny fine-tuned one)."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models_fixtures import CLASSES, TINY, make_view  # noqa: E402

from crossemo.stress.predict import StressPredictionError, predict_stressed  # noqa: E402


def _contract(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["run", "condition"]).reset_index(drop=True)


def _classic_inputs(tmp_path, standardize: str):
    from crossemo.models.classic_engine import train_classic_run

    rng = np.random.default_rng(0)
    n = 90
    labels = np.array(CLASSES)[np.arange(n) % 3]
    utt = [f"toy_{i:03d}" for i in range(n)]
    split = pd.DataFrame({"utt_id": utt, "corpus": "toy", "label": labels,
                          "split": np.where(np.arange(n) < 60, "train", "test"),
                          "fold": 0, "speaker": [f"toy_s{i % 6}" for i in range(n)],
                          "group": [f"toy_s{i % 6}" for i in range(n)]})  # fmt: skip
    feats = pd.DataFrame(rng.normal(size=(n, 5)) + (np.arange(n) % 3)[:, None],
                         columns=[f"f{j}" for j in range(5)]).astype(np.float32)  # fmt: skip
    feats.insert(0, "utt_id", utt)
    clean = tmp_path / "features" / "toy" / "0000.parquet"
    stressed = tmp_path / "stress" / "identity" / "toy" / "0000.parquet"
    for path in (clean, stressed):
        path.parent.mkdir(parents=True, exist_ok=True)
    feats.to_parquet(clean, index=False)
    shutil.copyfile(clean, stressed)
    (tmp_path / "scheme.yaml").write_text(json.dumps({"classes": CLASSES}))
    view = split[split["split"] == "train"][["utt_id", "corpus", "label", "split"]]
    view.assign(weight=1.0).to_parquet(tmp_path / "view.parquet", index=False)
    split.to_parquet(tmp_path / "split.parquet", index=False)
    run = tmp_path / "models" / "fold0"
    outputs = {"model": run / "model.joblib", "label_map": run / "label_map.json",
               "config": run / "config.json",
               "predictions": tmp_path / "fold0.parquet"}  # fmt: skip
    train_classic_run(
        view_path=tmp_path / "view.parquet", split_path=tmp_path / "split.parquet",
        scheme_path=tmp_path / "scheme.yaml", feature_paths=[clean], augmented_path=None,
        experiment={"model": {"family": "svm", "grid": {"C": [0.1, 1.0]}},
                    "standardize": standardize, "seed": 0},
        family="svm", name="toy", run="fold0", outputs=outputs,
    )  # fmt: skip
    return {"split": str(tmp_path / "split.parquet"), "features": [str(stressed)],
            "model_fold0": str(run), "predictions_fold0": str(outputs["predictions"])}  # fmt: skip


@pytest.mark.parametrize("standardize", ["global", "speaker"])
def test_identity_reproduces_a_classic_run_bit_for_bit(tmp_path, standardize):
    inputs = _classic_inputs(tmp_path, standardize)
    out = predict_stressed(inputs, tmp_path / "out.parquet", experiment="toy",
                           condition="identity", runs={"fold0": "svm"})  # fmt: skip
    assert (out["run"] == "fold0").all() and (out["condition"] == "identity").all()
    own = pd.read_parquet(inputs["predictions_fold0"])
    pd.testing.assert_frame_equal(_contract(pd.read_parquet(tmp_path / "out.parquet")), own,
                                  check_exact=True)  # fmt: skip


def test_a_changed_feature_changes_the_predictions_and_missing_rows_are_named(tmp_path):
    inputs = _classic_inputs(tmp_path, "global")
    feats = pd.read_parquet(inputs["features"][0])
    feats.loc[:, "f0"] = feats["f0"] + 50.0  # a harsh perturbation
    feats.to_parquet(inputs["features"][0], index=False)
    out = predict_stressed(inputs, tmp_path / "out.parquet", experiment="toy",
                           condition="gain_+20dB", runs={"fold0": "svm"})  # fmt: skip
    own = pd.read_parquet(inputs["predictions_fold0"])
    assert not np.array_equal(out.filter(like="prob_").to_numpy(),
                              own.filter(like="prob_").to_numpy())  # fmt: skip
    feats.iloc[:80].to_parquet(inputs["features"][0], index=False)
    with pytest.raises(StressPredictionError, match="missing from the stressed features"):
        predict_stressed(inputs, tmp_path / "out.parquet", experiment="toy",
                         condition="gain_+20dB", runs={"fold0": "svm"})  # fmt: skip


def test_identity_reproduces_a_fine_tuned_run_bit_for_bit(tmp_path):
    from crossemo.models.finetune import finetune_view

    view = make_view(tmp_path / "toy", {"train": 4, "dev": 2, "test": 4}, min_s=0.3, max_s=0.8)
    cfg = {"family": "finetune", "encoder": TINY, "lr": 3e-3, "epochs": 1, "batch_seconds": 2.0,
           "early_stopping_patience": None, "seed": 1}  # fmt: skip
    finetune_view(view, CLASSES, cfg, output_dir=tmp_path / "model",
                  predictions=tmp_path / "pred.parquet", scratch=tmp_path / "scratch",
                  threads=2)  # fmt: skip
    stressed = []
    for shard in sorted(set(pd.read_parquet(view)["audio_shard"])):
        copy = tmp_path / "stress" / "identity" / shard.split("/")[-2] / shard.split("/")[-1]
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shard, copy)
        stressed.append(str(copy))
    split = pd.read_parquet(view).assign(speaker=lambda t: t["utt_id"])
    split.to_parquet(tmp_path / "split.parquet", index=False)
    inputs = {"split": str(tmp_path / "split.parquet"), "audio": stressed,
              "model_main": str(tmp_path / "model"), "view_main": str(view)}  # fmt: skip
    out = predict_stressed(inputs, tmp_path / "out.parquet", experiment="toy",
                           condition="identity", runs={"main": "finetune"}, threads=2)  # fmt: skip
    own = pd.read_parquet(tmp_path / "pred.parquet")
    pd.testing.assert_frame_equal(_contract(out), own, check_exact=True)
    with pytest.raises(StressPredictionError, match="no stressed shard"):
        predict_stressed(inputs | {"audio": stressed[:1]}, tmp_path / "o2.parquet",
                         experiment="toy", condition="identity",
                         runs={"main": "finetune"})  # fmt: skip
