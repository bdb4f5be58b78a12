"""Fine-tuning of a Hugging Face audio encoder with a mean-pooling classification head: the
engine of the families that train an audio classifier (``finetune``, ``block_expansion``:
:mod:`crossemo.models.families`; each gives :func:`build_classifier` its ``build_model``).

The model is an ``AutoModelForAudioClassification`` (``HubertForSequenceClassification`` for
HuBERT, ``WhisperForAudioClassification`` for a Whisper encoder, fed as
:mod:`crossemo.models.whisper_classifier` says): mean pooling over the non-padded frames,
projector, linear classifier. The CNN feature encoder is frozen; the transformer is fine-tuned
fully or in its top N layers. The saved
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

from crossemo.features.upstreams.whisper import inputs as whisper_inputs
from crossemo.models import whisper_classifier
from crossemo.models.data import SAMPLE_RATE, AudioSet, collate, load_view
from crossemo.models.skeleton import Job, train_and_predict
from crossemo.models.training import Split, TrainResult, TrainSettings, seed_everything

log = logging.getLogger(__name__)


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


def classifier_forward(model, feature_extractor, sets: Mapping[str, AudioSet], device,
                       seed: int = 0):  # fmt: skip
    """``forward(model, split, idx) -> logits``: waveforms for wav2vec2-style encoders (HuBERT,
    WavLM ...), cropped or packed log-mel for Whisper (crossemo.models.whisper_classifier)."""
    if whisper_classifier.is_whisper(model):
        mode = getattr(model.config, whisper_inputs.INPUT_ATTRIBUTE, "cropped")
        model_input = whisper_inputs.WhisperInput.from_extractor(feature_extractor, mode, seed)
        return whisper_classifier.forward_fn(model_input, sets, device)
    return audio_forward(
        sets, device, do_normalize=getattr(feature_extractor, "do_normalize", True),
        use_attention_mask=getattr(feature_extractor, "return_attention_mask", True),
    )  # fmt: skip


def audio_job(model, feature_extractor, sets: Mapping[str, AudioSet], device,
              fingerprint: str, seed: int = 0) -> Job:  # fmt: skip
    """The training job of an HF audio classifier on ``sets`` (train, dev, test)."""
    forward = classifier_forward(model, feature_extractor, sets, device, seed)
    test, dev = sets["test"], sets["dev"]

    def save(trained, out: Path) -> None:
        trained.save_pretrained(out)
        feature_extractor.save_pretrained(out)

    return Job(model, forward, audio_split(sets["train"]), audio_split(dev), audio_split(test),
               test.utt_ids, test.corpora, save, fingerprint, dev.utt_ids,
               dev.corpora)  # fmt: skip


def train_audio_classifier(model, feature_extractor, sets: Mapping[str, AudioSet],
                           classes: Sequence[str], settings: TrainSettings, *,
                           output_dir: str | Path, predictions: str | Path | None,
                           scratch: str | Path, run_config: Mapping[str, Any],
                           threads: int | None = None, interrupt_after: int | None = None,
                           dev_predictions: str | Path | None = None
                           ) -> TrainResult:  # fmt: skip
    """Train an HF audio classifier on ``sets["train"]`` (early stopping on ``sets["dev"]``),
    save it to ``output_dir`` and write predictions of ``sets["test"]`` (and of
    ``sets["dev"]`` to ``dev_predictions``)."""
    if len(sets["train"]) == 0:
        raise ValueError("no training utterances")
    ids = "|".join(sets["train"].utt_ids[:50])
    fingerprint = json.dumps([run_config, ids], default=str)
    return train_and_predict(
        lambda device: audio_job(model, feature_extractor, sets, device, fingerprint,
                                 settings.seed),
        settings, classes, output_dir=output_dir, predictions=predictions, scratch=scratch,
        run_config=run_config, threads=threads, interrupt_after=interrupt_after,
        dev_predictions=dev_predictions,
    )  # fmt: skip


def build_classifier(model_cfg: Mapping[str, Any], classes: Sequence[str],
                     settings: TrainSettings):  # fmt: skip
    """``(model, feature_extractor)`` of a family that trains an HF audio classifier: its
    module's ``build_model(model_cfg, classes, settings)`` after seeding."""
    from crossemo.models import encoder as enc
    from crossemo.models import families

    family = families.get(model_cfg.get("family", "finetune"))
    seed_everything(settings.seed)
    model = family.impl.build_model(model_cfg, classes, settings)
    return model, enc.feature_extractor(model_cfg.get("encoder"))


def build_finetuned(model_cfg: Mapping[str, Any], classes: Sequence[str],
                    settings: TrainSettings):  # fmt: skip
    """The ``finetune`` family's model: the encoder with a new head for ``classes``, trainable
    in its top ``finetune_layers`` (a Whisper encoder fed as ``whisper_input`` says)."""
    from crossemo.models import encoder as enc

    updates = dict(model_cfg.get("config_overrides") or {})
    model = enc.load_audio_classifier(model_cfg.get("encoder"), list(classes), **updates)
    if whisper_classifier.is_whisper(model):
        mode = whisper_inputs.checked_input(model_cfg.get("whisper_input", "cropped"))
        setattr(model.config, whisper_inputs.INPUT_ATTRIBUTE, mode)
        whisper_classifier.set_trainable(model, settings.finetune_layers)
    else:
        set_trainable(model, settings.finetune_layers, settings.freeze_feature_encoder)
    return model


def finetune_view(view: str | Path, classes: Sequence[str], model_cfg: Mapping[str, Any], *,
                  output_dir: str | Path, predictions: str | Path, scratch: str | Path,
                  threads: int | None = None, lr: float | None = None,
                  run_info: Mapping[str, Any] | None = None,
                  interrupt_after: int | None = None,
                  dev_predictions: str | Path | None = None) -> TrainResult:  # fmt: skip
    """One run of the finetune/block_expansion families: train on the view's train rows,
    early-stop on its dev rows, predict its test rows (and its dev rows)."""
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
                                  interrupt_after=interrupt_after,
                                  dev_predictions=dev_predictions)  # fmt: skip
