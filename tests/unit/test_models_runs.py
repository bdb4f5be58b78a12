"""Each neural family end to end through the rule's entry point (train_neural_run) on tiny
models: LR CV runs + table + final, frozen features + head, speech+text, each writing its
test and dev predictions; ``crossemo predict`` on each saved folder answers the run's test clips
as the run did."""

from __future__ import annotations

import os

import pandas as pd
import pytest
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models_fixtures import (  # noqa: E402
    CLASSES,
    TINY,
    make_view,
    predicted_like_the_run,
    write_wavs,
)

from crossemo.models import lr_cv  # noqa: E402
from crossemo.models.run import train_neural_run  # noqa: E402

FAST = {"encoder": TINY, "lr": 3e-3, "epochs": 2, "batch_seconds": 8.0, "seed": 0}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    view = make_view(root, {"train": 6, "dev": 2, "test": 2}, min_s=0.3, max_s=0.6)
    scheme = root / "scheme.yaml"
    scheme.write_text(yaml.safe_dump({"classes": CLASSES}))
    rows = pd.read_parquet(view)
    split = rows[["utt_id", "corpus"]].assign(group=rows["utt_id"], speaker=rows["utt_id"],
                                               label=rows["label"], fold=0,
                                               split=rows["split"])  # fmt: skip
    split.to_parquet(root / "split.parquet")
    wavs = write_wavs(root / "wav", view)
    return root, {"view": str(view), "scheme": str(scheme), "split": str(root / "split.parquet"),
                  "wavs": wavs}  # fmt: skip


def _run(root, model, run, inputs):
    inputs = {k: v for k, v in inputs.items() if k != "wavs"}
    stem = root / "pred" / model["family"] / run
    out = {"model": str(root / model["family"] / run), "predictions": f"{stem}.parquet",
           "dev_predictions": f"{stem}.dev.parquet"}  # fmt: skip
    train_neural_run(experiment={"scheme": "toy", "model": model}, name="toy", run=run,
                     inputs=inputs, outputs=out, scratch=str(root / "scratch" / run))  # fmt: skip
    # dev predictions: the view's dev rows; none (header only) for a CV fold without early stopping
    rows = pd.read_parquet(inputs["view"])
    dev = set(rows.loc[rows["split"] == "dev", "utt_id"]) if lr_cv.parse_run(run) is None else set()
    assert set(pd.read_parquet(out["dev_predictions"])["utt_id"]) == dev
    return pd.read_parquet(out["predictions"])


def test_lr_cv_then_final(data):
    root, inputs = data
    model = {"family": "finetune", **FAST, "lr_grid": [1e-2, 1e-3], "cv_folds": 2}
    preds = {}
    for run in lr_cv.cv_run_names(model["lr_grid"], 2):
        pred = _run(root, model, run, inputs)
        preds[run] = root / "pred" / "finetune" / f"{run}.parquet"
        assert set(pred["label"]) <= set(CLASSES) and len(pred) > 0
    # the two held-out folds of one LR cover the training rows exactly once
    a = pd.read_parquet(preds["fold0-lr0.01"])["utt_id"]
    b = pd.read_parquet(preds["fold1-lr0.01"])["utt_id"]
    assert not set(a) & set(b) and len(a) + len(b) == 24
    table = lr_cv.aggregate_files(preds, root / "lr_cv.csv", "uar")
    assert list(table.columns[:3]) == ["lr", "K1", "K2"] and table["chosen"].sum() == 1
    chosen = lr_cv.chosen_lr(root / "lr_cv.csv")
    assert chosen in (1e-2, 1e-3)
    final = _run(root, model, "final", {**inputs, "lr_table": str(root / "lr_cv.csv")})
    assert len(final) == 6  # the view's test rows
    run_cfg = yaml.safe_load((root / "finetune" / "final" / "crossemo_run.json").read_text())
    assert run_cfg["settings"]["lr"] == chosen
    final = root / "pred" / "finetune" / "final.parquet"
    predicted_like_the_run(root / "finetune" / "final", final, inputs["wavs"])


@pytest.mark.parametrize(
    "head, options",
    [("ct_transformer", {"d_model": 24}), ("superb_base", {"hidden": 16, "input_norm": True})],
)
def test_frozen_head_run(data, head, options):
    from crossemo.models.frozen import extract_shard

    root, inputs = data
    feats = []
    for corpus in ("toyA", "toyB"):
        out = root / "ssl" / f"{corpus}.parquet"
        if not out.exists():
            extract_shard(TINY, root / "audio" / corpus / "0000.parquet", out, layer="all",
                          pooling="sequence")  # fmt: skip
        feats.append(str(out))
    model = {"family": "frozen_head", **FAST, "head": head, "layer": "all",
             "pooling": "sequence", "head_options": options, "epochs": 3}  # fmt: skip
    out = root / head
    pred = _run(out, model, "main", {**inputs, "features": feats})
    assert len(pred) == 6 and (out / "frozen_head" / "main" / "layer_weights.json").exists()
    # predict rebuilds the encoder from the run's settings and extracts each clip's features
    run_predictions = out / "pred" / "frozen_head" / "main.parquet"
    predicted_like_the_run(out / "frozen_head" / "main", run_predictions, inputs["wavs"])


def test_multimodal_run(data):
    root, inputs = data
    rows = pd.read_parquet(inputs["view"])
    transcripts = root / "transcripts.parquet"
    pd.DataFrame({"utt_id": rows["utt_id"], "text": rows["label"] + " words"}).to_parquet(
        transcripts
    )
    model = {"family": "multimodal", **FAST, "text_encoder": {"tiny": {}}}
    pred = _run(root, model, "main", {**inputs, "transcripts": [str(transcripts)]})
    assert len(pred) == 6
    saved = root / "multimodal" / "main"
    assert (saved / "audio" / "config.json").exists() and (saved / "text" / "config.json").exists()
    # the text says the label: the model should get most test rows right
    assert (pred["label"] == pred["pred"]).mean() > 0.5
    texts = dict(zip(rows["utt_id"], rows["label"] + " words", strict=True))
    predicted_like_the_run(saved, root / "pred" / "multimodal" / "main.parquet", inputs["wavs"],
                           texts)  # fmt: skip


def test_block_expansion_run_round_robin(data):
    from transformers import AutoModelForAudioClassification

    root, inputs = data
    model = {"family": "block_expansion", **FAST, "round_robin": True}
    pred = _run(root, model, "main", inputs)
    assert len(pred) == 6
    loaded = AutoModelForAudioClassification.from_pretrained(root / "block_expansion" / "main")
    assert loaded.config.model_type == "exhubert"
    assert len(loaded.hubert.encoder.layers) == 2 * TINY["tiny"]["num_hidden_layers"]
    run_predictions = root / "pred" / "block_expansion" / "main.parquet"
    predicted_like_the_run(root / "block_expansion" / "main", run_predictions, inputs["wavs"])
