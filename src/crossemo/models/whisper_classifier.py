"""Fine-tuning a Whisper encoder: ``WhisperForAudioClassification`` on cropped or packed input.

Whisper's encoder was trained on 30 s windows (3000 log-mel frames, 1500 encoder frames of
20 ms), and ``transformers`` runs it on nothing else: a 3 s utterance costs a whole window, and
its classifier averages the projected frames of the whole window, padding included. Here the
same modules (convolutions, sinusoidal positions, layers, projector, classifier) run on one of
two inputs, set by ``model.whisper_input`` and stored in the saved model's config
(``crossemo_whisper_input``) so that ``crossemo predict`` feeds the exported model as it was
trained:

- ``cropped`` (default): each utterance alone, its log-mel cut after its own frames (batch padded
  to its longest utterance, at most one window; attention masked to the utterance's frames),
  positions ``0 .. T-1``; the pooled vector is the mean over the utterance's own frames. An
  utterance gets the same logits in any batch as alone, so one-file prediction matches
  training. The encoder sees the first T positions of a window, as it does for any utterance
  at the start of one.
- ``packed``: the batch's utterances laid into shared 30 s windows in an order fixed by their
  ids and a seed (:func:`crossemo.features.upstreams.whisper.features.pack`, never by label),
  each utterance's frames sliced back out and averaged. The encoder sees full windows, as in
  pre-training, but attends across utterances of one window.

Cropped costs less (BENCHMARKS.md, Whisper fine-tuning); both keep the conv front-end frozen
and train the top ``finetune_layers`` layers with the projector and classifier.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from crossemo.features.upstreams.whisper.cropped import encoder_states
from crossemo.features.upstreams.whisper.inputs import (
    WhisperBatch,
    WhisperInput,
)

log = logging.getLogger(__name__)


def is_whisper(model) -> bool:
    """Whether ``model`` (or its config) is a Whisper model."""
    config = getattr(model, "config", model)
    return getattr(config, "model_type", None) == "whisper"


def encode(model, mel, lengths=None):
    """Last hidden state ``[rows, frames, d_model]`` of the model's encoder on log-mel ``mel``
    of any length up to a window (:func:`~crossemo.features.upstreams.whisper.cropped.
    encoder_states`). With ``lengths`` (valid encoder frames per row), no frame attends to a
    row's padding."""
    encoder = model.encoder
    return encoder_states(encoder, mel, lengths, keep=[len(encoder.layers)])[0]


def logits(model, batch: WhisperBatch, device=None):
    """Class logits ``[utterances, labels]``: projected frames averaged over each segment
    (cropped rows: attention kept inside each utterance's own frames)."""
    import torch

    mel = torch.from_numpy(batch.mel)
    if device is not None:
        mel = mel.to(device, non_blocking=True)
    projected = model.projector(encode(model, mel, batch.lengths))
    pooled = torch.stack([projected[s.row, s.start : s.stop].mean(0) for s in batch.segments])
    return model.classifier(pooled)


def set_trainable(model, finetune_layers: int | str = "all") -> dict[str, int]:
    """Conv front-end and positions frozen; the top ``finetune_layers`` encoder layers ("all":
    every one) with the final layer norm, projector and classifier trained."""
    encoder = model.encoder
    for p in model.parameters():
        p.requires_grad = True
    for module in (encoder.conv1, encoder.conv2, encoder.embed_positions):
        for p in module.parameters():
            p.requires_grad = False
    layers = list(encoder.layers)
    n = len(layers) if finetune_layers == "all" else int(finetune_layers)
    for layer in layers[: len(layers) - n]:
        for p in layer.parameters():
            p.requires_grad = False
    if n == 0:
        for p in encoder.layer_norm.parameters():
            p.requires_grad = False
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("whisper: trainable parameters %d of %d (top %d of %d layers)", trainable, total,
             n, len(layers))  # fmt: skip
    return {"trainable": trainable, "total": total}


def forward_fn(model_input: WhisperInput, sets: Mapping[str, Any], device) -> Callable:
    """``forward(model, split, idx) -> logits`` of the training skeleton for a Whisper model;
    ``sets``: split name -> an ``AudioSet`` (``waves``, ``utt_ids``)."""

    def forward(model, split: str, idx: list[int]):
        data = sets[split]
        batch = model_input([data.waves[i] for i in idx], [data.utt_ids[i] for i in idx])
        return logits(model, batch, device)

    return forward
