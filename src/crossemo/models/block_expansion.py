"""Backbone block expansion (ExHuBERT, after LLaMA Pro).

After every encoder layer a copy of it is inserted whose output passes a zero-initialised
linear layer (ZLL) and a skip connection: ``h -> h + ZLL(copy(h))``. With the ZLL at zero the
expanded model computes exactly the original function. The CNN feature encoder ("We freeze the
CNN encoder during the entire training process") and the original layers ("we freeze the
original layers [...] permitting only the copied layers to undergo training") are frozen; the
copies with their ZLLs, the head and the parts between CNN and layers (feature projection,
positional convolution, encoder layer norm, mask embedding) train. That is the paper's count,
Table 2: HuBERT Large with the CNN frozen has 311.49 M trainable parameters, ExHuBERT Large
336.68 M = 311.49 M + 24 ZLLs of 1024 x 1024 + 1024 (25.19 M), ExHuBERT XLarge (two copies)
664.18 M; freezing the projection and positional convolution too would give 327.76 M
(tests/unit/test_models_block_expansion.py builds HuBERT Large without weights and checks).

The expanded model is a registered ``transformers`` class (model_type ``exhubert``): importing
this module makes ``AutoModelForAudioClassification`` and ``pipeline("audio-classification")``
load saved directories (``crossemo predict`` imports it for you).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import torch
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForAudioClassification,
    HubertConfig,
    HubertForSequenceClassification,
    HubertModel,
)
from transformers.models.hubert import modeling_hubert

try:  # hidden-state capture of transformers 5: keep a copy's inner layer out of hidden_states
    from transformers.utils.output_capturing import _active_collector
except ImportError:  # pragma: no cover - other transformers versions
    _active_collector = None

log = logging.getLogger(__name__)


class ExHubertConfig(HubertConfig):
    """HuBERT config whose encoder has ``base_num_hidden_layers * (1 + expansion_copies)``
    layers; every layer at a position not divisible by ``1 + expansion_copies`` is a copy."""

    model_type = "exhubert"

    def __init__(self, base_num_hidden_layers: int | None = None, expansion_copies: int = 1,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.expansion_copies = int(expansion_copies)
        self.base_num_hidden_layers = (
            int(base_num_hidden_layers)
            if base_num_hidden_layers
            else self.num_hidden_layers // (1 + self.expansion_copies)
        )

    def is_copy(self, index: int) -> bool:
        return index % (1 + self.expansion_copies) != 0


class ZeroLinearBlock(nn.Module):
    """A copied encoder layer followed by a zero-initialised linear layer and a skip connection."""

    def __init__(self, layer: nn.Module, hidden_size: int):
        super().__init__()
        self.layer = layer
        self.zll = nn.Linear(hidden_size, hidden_size)
        nn.init.zeros_(self.zll.weight)
        nn.init.zeros_(self.zll.bias)

    def forward(self, hidden_states, attention_mask=None, **kwargs):
        token = _active_collector.set(None) if _active_collector is not None else None
        try:
            out = self.layer(hidden_states, attention_mask=attention_mask, **kwargs)
        finally:
            if _active_collector is not None:
                _active_collector.reset(token)
        if isinstance(out, tuple):
            out = out[0]
        return hidden_states + self.zll(out)


class ExHubertModel(HubertModel):
    """HuBERT whose hidden states are the outputs of the original layers and the expanded
    blocks (one per layer of the expanded encoder), not of the copies inside the blocks."""

    config_class = ExHubertConfig
    _can_record_outputs = {
        "hidden_states": [modeling_hubert.HubertEncoderLayer,
                          modeling_hubert.HubertEncoderLayerStableLayerNorm, ZeroLinearBlock],
        "attentions": modeling_hubert.HubertPreTrainedModel._can_record_outputs["attentions"],
    }  # fmt: skip


class ExHubertForSequenceClassification(HubertForSequenceClassification):
    config_class = ExHubertConfig

    def __init__(self, config: ExHubertConfig):
        super().__init__(config)
        self.hubert = ExHubertModel(config)
        layers = self.hubert.encoder.layers
        for i in range(len(layers)):
            if config.is_copy(i):
                layers[i] = ZeroLinearBlock(layers[i], config.hidden_size)

    def _init_weights(self, module):
        if isinstance(module, ZeroLinearBlock):
            nn.init.zeros_(module.zll.weight)
            nn.init.zeros_(module.zll.bias)
            return
        super()._init_weights(module)


AutoConfig.register("exhubert", ExHubertConfig, exist_ok=True)
AutoModelForAudioClassification.register(ExHubertConfig, ExHubertForSequenceClassification,
                                         exist_ok=True)  # fmt: skip

_LAYER_KEY = re.compile(r"^(hubert\.encoder\.layers\.)(\d+)\.(.*)$")


def expand(model: HubertForSequenceClassification, copies: int = 1
           ) -> ExHubertForSequenceClassification:  # fmt: skip
    """The block-expanded version of ``model`` (same function at initialisation) with the
    CNN and original layers frozen (see :func:`freeze_original`)."""
    if not isinstance(model, HubertForSequenceClassification):
        raise TypeError(f"block expansion supports HuBERT classifiers, not {type(model).__name__}")
    if isinstance(model, ExHubertForSequenceClassification):
        raise TypeError("the model is block-expanded already (model_type exhubert)")
    base_cfg = model.config.to_dict()
    n = model.config.num_hidden_layers
    for key in ("model_type", "transformers_version", "architectures"):
        base_cfg.pop(key, None)
    base_cfg["num_hidden_layers"] = n * (1 + copies)
    config = ExHubertConfig(base_num_hidden_layers=n, expansion_copies=copies, **base_cfg)
    config.architectures = ["ExHubertForSequenceClassification"]
    expanded = ExHubertForSequenceClassification(config)
    target = expanded.state_dict()
    source = model.state_dict()
    new_state = {}
    for key, value in source.items():
        m = _LAYER_KEY.match(key)
        if not m:
            new_state[key] = value
            continue
        prefix, i, rest = m.group(1), int(m.group(2)), m.group(3)
        new_state[f"{prefix}{i * (1 + copies)}.{rest}"] = value
        for j in range(1, copies + 1):
            new_state[f"{prefix}{i * (1 + copies) + j}.layer.{rest}"] = value.clone()
    for key, value in target.items():
        if ".zll." in key:
            new_state[key] = torch.zeros_like(value)
    if "layer_weights" in target and "layer_weights" in source:  # weighted sum: new layer count
        new_state["layer_weights"] = target["layer_weights"]
    expanded.load_state_dict(new_state, strict=True)
    freeze_original(expanded)
    return expanded


def freeze_original(model: ExHubertForSequenceClassification) -> dict[str, int]:
    """Freeze the CNN feature encoder and the original layers; everything else (the copies with
    their ZLLs, feature projection, positional convolution, layer norm, head) trains."""
    for p in model.parameters():
        p.requires_grad = True
    for p in model.hubert.feature_extractor.parameters():
        p.requires_grad = False
    for i, layer in enumerate(model.hubert.encoder.layers):
        if not model.config.is_copy(i):
            for p in layer.parameters():
                p.requires_grad = False
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("block expansion: %d of %d parameters trainable", trainable, total)
    return {"trainable": trainable, "total": total}


def build_expanded_classifier(spec, classes: Sequence[str], copies: int = 1, **config_updates):
    """Load (or build tiny) a HuBERT classifier for ``classes`` and expand it."""
    from crossemo.models.encoder import load_audio_classifier

    base = load_audio_classifier(spec, list(classes), **config_updates)
    return expand(base, copies=copies)
