"""Heads on frozen features, weighted layer sum, SSL feature shards, speech+text forward."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch")

from crossemo.models.heads import HEADS, WeightedLayerSum, build_head  # noqa: E402


@pytest.mark.parametrize("name", sorted(HEADS))
@pytest.mark.parametrize("n_layers", [1, 3])
def test_head_output_shapes(name, n_layers):
    head = build_head(name, dim=24, n_classes=4, n_layers=n_layers).eval()
    x = torch.randn(5, n_layers, 17, 24)
    mask = torch.ones(5, 17, dtype=torch.bool)
    mask[2, 9:] = False
    logits = head(x, mask)
    assert logits.shape == (5, 4)
    assert torch.isfinite(logits).all()
    # padding does not leak: frames beyond the mask do not change the output
    x2 = x.clone()
    x2[2, :, 9:] = 100.0
    torch.testing.assert_close(head(x2, mask)[2], logits[2], atol=1e-4, rtol=1e-4)


def test_ct_transformer_is_two_layers_six_heads():
    head = build_head("ct_transformer", dim=32, n_classes=3)
    assert len(head.encoder.layers) == 2
    assert head.encoder.layers[0].self_attn.num_heads == 6


def test_weighted_layer_sum():
    wls = WeightedLayerSum(3)
    x = torch.stack([torch.full((2, 4, 5), float(v)) for v in (1, 2, 3)], dim=1)
    torch.testing.assert_close(wls(x), torch.full((2, 4, 5), 2.0))  # uniform at init
    with torch.no_grad():
        wls.weights[:] = torch.tensor([0.0, 0.0, 50.0])
    torch.testing.assert_close(wls(x), torch.full((2, 4, 5), 3.0))
    assert wls.weights.requires_grad


def test_extract_and_load_feature_shard(tmp_path):
    from models_fixtures import TINY, tone, write_shard

    from crossemo.models.frozen import extract_shard, load_features

    rng = np.random.default_rng(0)
    waves = [tone("neutral", s, rng) for s in (0.5, 1.0, 0.7)]
    write_shard(tmp_path / "a.parquet", ["u0", "u1", "u2"], waves)
    for layer, pooling, shape in [("all", "mean", (3, 1, 32)), (-1, "sequence", (1, None, 32))]:
        out = tmp_path / f"f_{layer}_{pooling}.parquet"
        stats = extract_shard(TINY, tmp_path / "a.parquet", out, layer=layer, pooling=pooling)
        assert stats["utterances"] == 3 and stats["x_real_time"] > 0
        feats = load_features([out])
        assert set(feats) == {"u0", "u1", "u2"}
        for arr in feats.values():
            assert arr.shape[0] == shape[0] and arr.shape[2] == shape[2]
            if shape[1]:
                assert arr.shape[1] == 1
        if pooling == "sequence":  # ~50 frames per second
            assert feats["u1"].shape[1] > feats["u0"].shape[1]
            assert abs(feats["u1"].shape[1] - 50) <= 2


def test_multimodal_forward_shapes():
    from crossemo.models.data import collate
    from crossemo.models.multimodal import build

    cfg = {"encoder": {"tiny": {}}, "text_encoder": {"tiny": {"hidden_size": 24}}}
    model, fe, tok = build(cfg, n_classes=3)
    model.eval()
    values, mask = collate([np.random.randn(8000).astype(np.float32),
                            np.random.randn(5000).astype(np.float32)])  # fmt: skip
    enc = tok(["kids are talking by the door", "hi"], padding=True, return_tensors="pt")
    logits = model(values, mask, enc["input_ids"], enc["attention_mask"])
    assert logits.shape == (2, 3)
    assert model.classifier.in_features == 32 + 24
    assert not any(p.requires_grad for p in model.audio.feature_extractor.parameters())
