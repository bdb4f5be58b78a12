"""Fine-tuning of a Hugging Face audio encoder with a mean-pooling classification head.

The model is an ``AutoModelForAudioClassification`` (``HubertForSequenceClassification`` for
HuBERT): mean pooling over the non-padded frames, projector, linear classifier. The CNN feature
encoder is frozen; the transformer is fine-tuned fully or in its top N layers. The saved
directory is ``save_pretrained`` output (with ``id2label``) + the feature extractor, so
``transformers.pipeline("audio-classification", model=dir)`` loads it, plus ``label_map.json``,
``crossemo_run.json`` (the configuration used) and ``training_curve.{csv,png}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossemo.models.data import SAMPLE_RATE, AudioSet, collate, load_view
from crossemo.models.training import (
    Split,
    TrainResult,
    TrainSettings,
    clear_scratch,
    configure_device,
    fit,
    predict_proba,
    seed_everything,
    write_curve,
)

log = logging.getLogger(__name__)

RUN_FILE = "crossemo_run.json"
LABEL_MAP_FILE = "label_map.json"


def read_classes(scheme_path: str | Path | None, fallback: Sequence[str] = ()) -> list[str]:
    """Class names in label order from a label scheme YAML (``classes:`` list or mapping)."""
    if scheme_path and Path(scheme_path).exists():
        import yaml

        data = yaml.safe_load(Path(scheme_path).read_text()) or {}
        classes = data.get("classes")
        if isinstance(classes, Mapping):
            classes = list(classes)
        if classes:
            return [str(c) for c in classes]
    if not fallback:
        raise ValueError(f"no classes: {scheme_path} missing or without `classes:`")
    return sorted({str(c) for c in fallback})


def set_trainable(model, finetune_layers: int | str = "all", freeze_feature_encoder: bool = True
                  ) -> dict[str, int]:  # fmt: skip
    """Freeze what must not train. ``finetune_layers``: "all" or the number N of top transformer
    layers to train (0: only the head). Returns counts of trainable/total parameters."""
    for p in model.parameters():
        p.requires_grad = True
    base = model.base_model
    if finetune_layers != "all":
        n = int(finetune_layers)
        for p in base.parameters():
            p.requires_grad = False
        layers = base.encoder.layers
        for layer in list(layers)[len(layers) - n :] if n > 0 else []:
            for p in layer.parameters():
                p.requires_grad = True
        stable = getattr(model.config, "do_stable_layer_norm", False)
        if n > 0 and stable:  # the final layer norm follows the top layer
            for p in base.encoder.layer_norm.parameters():
                p.requires_grad = True
    if freeze_feature_encoder and hasattr(model, "freeze_feature_encoder"):
        model.freeze_feature_encoder()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("trainable parameters: %d of %d", trainable, total)
    return {"trainable": trainable, "total": total}


def audio_split(aset: AudioSet) -> Split:
    lengths = np.array([len(w) for w in aset.waves], dtype=np.int64)
    return Split(labels=aset.labels, lengths=lengths, weights=aset.weights,
                 groups=aset.corpora, unit_per_second=SAMPLE_RATE)  # fmt: skip


def audio_forward(sets: Mapping[str, AudioSet], device, do_normalize: bool = True,
                  use_attention_mask: bool = True):  # fmt: skip
    """``forward(model, split, idx) -> logits`` for an HF audio classifier."""

    def forward(model, split: str, idx: list[int]):
        waves = [sets[split].waves[i] for i in idx]
        values, mask = collate(waves, do_normalize=do_normalize)
        values = values.to(device, non_blocking=True)
        kwargs = {"attention_mask": mask.to(device)} if use_attention_mask else {}
        return model(input_values=values, **kwargs).logits

    return forward


def predictions_frame(aset: AudioSet, probs: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    """The contract's predictions table: utt_id corpus label pred prob_<class>..."""
    frame = pd.DataFrame({
        "utt_id": aset.utt_ids,
        "corpus": aset.corpora,
        "label": [classes[i] if i >= 0 else None for i in aset.labels],
        "pred": [classes[i] for i in probs.argmax(1)] if len(probs) else [],
    })  # fmt: skip
    for k, c in enumerate(classes):
        frame[f"prob_{c}"] = probs[:, k].astype(np.float64) if len(probs) else []
    return frame


def write_predictions(frame: pd.DataFrame, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.parquet")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def save_run_files(out_dir: str | Path, classes: Sequence[str], run_config: Mapping[str, Any],
                   result: TrainResult) -> None:  # fmt: skip
    """label_map.json, crossemo_run.json and the training curve next to a saved model."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / LABEL_MAP_FILE).write_text(
        json.dumps(
            {"classes": list(classes), "label2id": {c: i for i, c in enumerate(classes)}}, indent=2
        )
    )
    summary = {"best_dev_uar": result.best_metric, "best_step": result.best_step,
               "steps": result.steps, "resumed_from": result.resumed_from}  # fmt: skip
    (out / RUN_FILE).write_text(json.dumps({**run_config, "result": summary}, indent=2,
                                           default=str))  # fmt: skip
    write_curve(result.history, out / "training_curve.csv", out / "training_curve.png")


def train_audio_classifier(model, feature_extractor, sets: Mapping[str, AudioSet],
                           classes: Sequence[str], settings: TrainSettings, *,
                           output_dir: str | Path, predictions: str | Path | None,
                           scratch: str | Path, run_config: Mapping[str, Any],
                           predict_split: str = "test", threads: int | None = None,
                           interrupt_after: int | None = None) -> TrainResult:  # fmt: skip
    """Train an HF audio classifier on ``sets["train"]`` (early stopping on ``sets["dev"]``),
    save it to ``output_dir`` and write predictions of ``sets[predict_split]``."""
    device = configure_device(settings, threads)
    train, dev = audio_split(sets["train"]), audio_split(sets["dev"])
    if len(train) == 0:
        raise ValueError("no training utterances")
    forward = audio_forward(
        sets, device, do_normalize=getattr(feature_extractor, "do_normalize", True),
        use_attention_mask=getattr(feature_extractor, "return_attention_mask", True),
    )  # fmt: skip
    ids = "|".join(sets["train"].utt_ids[:50])
    result = fit(model, forward, train, dev if len(dev) else None, settings, scratch, device,
                 n_classes=len(classes), run_fingerprint=json.dumps([run_config, ids],
                                                                   default=str),
                 interrupt_after=interrupt_after)  # fmt: skip
    model.to("cpu")
    out = Path(output_dir)
    model.save_pretrained(out)
    feature_extractor.save_pretrained(out)
    save_run_files(out, classes, {**run_config, "settings": settings.to_dict()}, result)
    if predictions is not None:
        target = sets[predict_split]
        model.to(device)
        probs = predict_proba(model, forward, predict_split, audio_split(target), settings,
                              device)  # fmt: skip
        write_predictions(predictions_frame(target, probs, classes), predictions)
        model.to("cpu")
    if not settings.keep_scratch:
        clear_scratch(scratch)
    return result


def build_classifier(model_cfg: Mapping[str, Any], classes: Sequence[str],
                     settings: TrainSettings):  # fmt: skip
    """``(model, feature_extractor)`` of a family that trains an HF audio classifier."""
    from crossemo.models import encoder as enc

    family = model_cfg.get("family", "finetune")
    spec = model_cfg.get("encoder")
    updates = dict(model_cfg.get("config_overrides") or {})
    seed_everything(settings.seed)
    if family == "block_expansion":
        from crossemo.models.block_expansion import build_expanded_classifier

        model = build_expanded_classifier(spec, classes, copies=int(model_cfg.get("copies", 1)),
                                          **updates)  # fmt: skip
    else:
        model = enc.load_audio_classifier(spec, list(classes), **updates)
        set_trainable(model, settings.finetune_layers, settings.freeze_feature_encoder)
    return model, enc.feature_extractor(spec)


def finetune_view(view: str | Path, classes: Sequence[str], model_cfg: Mapping[str, Any], *,
                  output_dir: str | Path, predictions: str | Path, scratch: str | Path,
                  threads: int | None = None, lr: float | None = None,
                  run_info: Mapping[str, Any] | None = None,
                  interrupt_after: int | None = None) -> TrainResult:  # fmt: skip
    """One run of the finetune/block_expansion families: train on the view's train rows,
    early-stop on its dev rows, predict its test rows."""
    overrides = {"lr": lr} if lr is not None else {}
    settings = TrainSettings.from_config(model_cfg, **overrides)
    sets = load_view(view, classes, settings.max_seconds)
    log.info("view %s: %s", view, {k: len(v) for k, v in sets.items()})
    model, fe = build_classifier(model_cfg, classes, settings)
    run_config = {"model": dict(model_cfg), "classes": list(classes), "view": str(view),
                  **dict(run_info or {})}  # fmt: skip
    return train_audio_classifier(model, fe, sets, classes, settings, output_dir=output_dir,
                                  predictions=predictions, scratch=scratch,
                                  run_config=run_config, threads=threads,
                                  interrupt_after=interrupt_after)  # fmt: skip
