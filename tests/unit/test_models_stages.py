"""Two-stage training (ExHuBERT): stage 1 fine-tunes on the seen corpora with round-robin
batches, stage 2 block-expands the stage-1 model and fine-tunes it on an unseen corpus."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from crossemo.models.stages import (  # noqa: E402
    init_chain,
    init_model_config,
    init_run,
    parse_init_from,
)


def test_parse_init_from():
    assert parse_init_from(None) is None
    assert parse_init_from("stage1") == ("stage1", None)
    assert parse_init_from({"experiment": "stage1", "run": "fold2"}) == ("stage1", "fold2")
    with pytest.raises(ValueError, match="experiment"):
        parse_init_from({"run": "main"})


def test_init_run():
    assert init_run("a", None, ["main"]) == "main"
    assert init_run("a", None, ["fold0-lr1e-05", "final"]) == "final"
    assert init_run("a", "fold1", ["fold0", "fold1"]) == "fold1"
    with pytest.raises(ValueError, match="name one"):
        init_run("a", None, ["fold0", "fold1"])
    with pytest.raises(ValueError, match="no run"):
        init_run("a", "fold9", ["fold0", "fold1"])


def test_init_chain():
    exps = {
        "s1": {"model": {"family": "finetune"}},
        "s2": {"model": {"family": "block_expansion", "init_from": "s1"}},
        "s3": {"model": {"family": "finetune", "init_from": {"experiment": "s2"}}},
    }
    assert init_chain("s3", exps) == ["s3", "s2", "s1"]
    assert init_chain("s1", exps) == ["s1"]
    with pytest.raises(ValueError, match="cycle"):
        init_chain("a", {"a": {"model": {"family": "finetune", "init_from": "b"}},
                         "b": {"model": {"family": "finetune", "init_from": "a"}}})  # fmt: skip
    with pytest.raises(ValueError, match="no experiment"):
        init_chain("a", {"a": {"model": {"family": "finetune", "init_from": "zzz"}}})
    with pytest.raises(ValueError, match="family"):
        init_chain("a", {"a": {"model": {"family": "frozen_head", "init_from": "s1"}}, **exps})


def test_init_model_config_checks_classes(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "label_map.json").write_text(json.dumps({"classes": ["a", "b", "c"]}))
    cfg = {"family": "block_expansion", "encoder": "facebook/hubert-large-ls960-ft", "copies": 1}
    out = init_model_config(cfg, tmp_path, ["a", "b", "c"])
    assert (
        out["encoder"] == str(tmp_path) and out["copies"] == 1 and cfg["encoder"] != out["encoder"]
    )
    assert init_model_config(cfg, tmp_path, ["x", "y"])["encoder"] == str(tmp_path)  # new head
    with pytest.raises(ValueError, match="other classes"):
        init_model_config(cfg, tmp_path, ["a", "b", "x"])
    with pytest.raises(ValueError, match="family"):
        init_model_config({"family": "frozen_head"}, tmp_path, ["a", "b", "c"])
    with pytest.raises(FileNotFoundError):
        init_model_config(cfg, tmp_path / "missing", ["a", "b", "c"])


def test_two_stages_end_to_end(tmp_path):
    """Stage 1 (finetune, round robin over two corpora) -> stage 2 (block expansion of the
    stage-1 model): stage 2 starts from stage 1's function and weights, not the encoder's."""
    import torch
    from models_fixtures import CLASSES, TINY, make_view
    from transformers import AutoModelForAudioClassification

    from crossemo.models.finetune import build_classifier
    from crossemo.models.run import train_neural_run
    from crossemo.models.training import TrainSettings

    view = make_view(tmp_path, {"train": 6, "dev": 2, "test": 2}, min_s=0.3, max_s=0.6)
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(yaml.safe_dump({"classes": CLASSES}))
    inputs = {"view": str(view), "scheme": str(scheme)}
    fast = {"encoder": TINY, "lr": 3e-3, "epochs": 2, "batch_seconds": 8.0, "seed": 0}

    def run(name, model, extra=None):
        out = {"model": str(tmp_path / "models" / name / "main"),
               "predictions": str(tmp_path / "predictions" / name / "main.parquet")}  # fmt: skip
        train_neural_run(experiment={"scheme": "toy", "model": model}, name=name, run="main",
                         inputs={**inputs, **(extra or {})}, outputs=out,
                         scratch=str(tmp_path / "scratch" / name))  # fmt: skip
        return out

    stage1 = run("stage1", {"family": "finetune", **fast, "round_robin": True})
    stage2_cfg = {"family": "block_expansion", **fast, "copies": 1, "init_from": "stage1"}

    # the stage-2 model before training: the stage-1 model, expanded (same function)
    s1 = AutoModelForAudioClassification.from_pretrained(stage1["model"]).eval()
    cfg = init_model_config(stage2_cfg, stage1["model"], CLASSES)
    ex, _ = build_classifier(cfg, CLASSES, TrainSettings.from_config(cfg))
    ex.eval()
    x = torch.randn(2, 8000)
    with torch.no_grad():
        torch.testing.assert_close(ex(x).logits, s1(x).logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ex.hubert.encoder.layers[0].attention.k_proj.weight,
                               s1.hubert.encoder.layers[0].attention.k_proj.weight)  # fmt: skip
    torch.testing.assert_close(ex.classifier.weight, s1.classifier.weight)  # head kept

    stage2 = run("stage2", stage2_cfg, {"init_model": stage1["model"]})
    assert len(pd.read_parquet(stage2["predictions"])) == 6
    saved = json.loads((tmp_path / "models" / "stage2" / "main" / "crossemo_run.json").read_text())
    assert saved["init_model"] == stage1["model"]
    s2 = AutoModelForAudioClassification.from_pretrained(stage2["model"])
    assert s2.config.model_type == "exhubert"
    # stage 2 trained only copies (+ head etc.): the original layers still hold stage 1's weights
    torch.testing.assert_close(s2.hubert.encoder.layers[0].attention.k_proj.weight,
                               s1.hubert.encoder.layers[0].attention.k_proj.weight)  # fmt: skip
