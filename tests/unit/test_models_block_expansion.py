"""ExHuBERT block expansion: the expanded model computes the original function at init."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch")

from crossemo.models.block_expansion import (  # noqa: E402
    ExHubertForSequenceClassification,
    ZeroLinearBlock,
    expand,
)
from crossemo.models.encoder import feature_extractor, load_audio_classifier  # noqa: E402

CLASSES = ["a", "b", "c", "d"]


@pytest.mark.parametrize("stable", [True, False])  # hubert-large (pre-LN) and base (post-LN)
@pytest.mark.parametrize("copies", [1, 2])
def test_identity_at_init(stable, copies):
    spec = {"tiny": {"do_stable_layer_norm": stable,
                     "feat_extract_norm": "layer" if stable else "group"}, "seed": 3}  # fmt: skip
    base = load_audio_classifier(spec, CLASSES).eval()
    ex = expand(base, copies=copies).eval()
    x = torch.randn(3, 12000)
    mask = torch.ones(3, 12000, dtype=torch.long)
    mask[1, 7000:] = 0
    with torch.no_grad():
        y0 = base(x, attention_mask=mask, output_hidden_states=True)
        y1 = ex(x, attention_mask=mask, output_hidden_states=True)
    torch.testing.assert_close(y1.logits, y0.logits, atol=1e-6, rtol=1e-5)
    n = base.config.num_hidden_layers
    assert len(ex.hubert.encoder.layers) == n * (1 + copies)
    # every copy's output equals its input at init: hidden states repeat
    torch.testing.assert_close(y1.hidden_states[-1], y0.hidden_states[-1], atol=1e-6, rtol=1e-5)


def test_only_copies_and_head_train():
    base = load_audio_classifier({"tiny": {}}, CLASSES)
    ex = expand(base)
    for i, layer in enumerate(ex.hubert.encoder.layers):
        flags = {p.requires_grad for p in layer.parameters()}
        assert flags == ({True} if i % 2 else {False})
        assert isinstance(layer, ZeroLinearBlock) == bool(i % 2)
    assert all(p.requires_grad for p in ex.classifier.parameters())
    assert not any(p.requires_grad for p in ex.hubert.feature_extractor.parameters())
    # a training step moves the copies but not the originals
    orig = ex.hubert.encoder.layers[0].attention.k_proj.weight.clone()
    opt = torch.optim.AdamW([p for p in ex.parameters() if p.requires_grad], lr=1e-2)
    ex.train()
    loss = ex(torch.randn(2, 8000), labels=torch.tensor([0, 1])).loss
    loss.backward()
    opt.step()
    assert torch.equal(orig, ex.hubert.encoder.layers[0].attention.k_proj.weight)
    assert ex.hubert.encoder.layers[1].zll.weight.abs().sum() > 0


def test_save_load_and_pipeline(tmp_path):
    from transformers import AutoModelForAudioClassification, pipeline

    ex = expand(load_audio_classifier({"tiny": {}}, CLASSES)).eval()
    with torch.no_grad():
        ex.hubert.encoder.layers[1].zll.weight.normal_()  # non-trivial ZLL must round-trip
    ex.save_pretrained(tmp_path)
    feature_extractor({"tiny": {}}).save_pretrained(tmp_path)
    loaded = AutoModelForAudioClassification.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, ExHubertForSequenceClassification)
    x = torch.randn(1, 9000)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x).logits, ex(x).logits)
    clf = pipeline("audio-classification", model=str(tmp_path))
    out = clf(np.random.default_rng(0).standard_normal(9000).astype(np.float32), top_k=None)
    assert {r["label"] for r in out} == set(CLASSES)
