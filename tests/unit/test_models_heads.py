"""Heads on frozen features, weighted layer sum, SSL feature shards, speech+text forward."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch  # noqa: E402

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


def _layers(module, kind):
    return [m for m in module.modules() if isinstance(m, kind)]


def test_cnn_self_attention_is_the_papers_head():
    """iberspeech Sect. 4.2.2 (as SUPERB's emotion head runs it): a fully connected projector,
    a block repeated twice of dropout, convolution (kernel 5), ReLU; an output block of dropout,
    convolution, then the self-attention branch, fully connected, ReLU, fully connected."""
    from torch import nn

    head = build_head("cnn_self_attention", dim=768, n_classes=4, n_layers=13)
    assert isinstance(head.proj, nn.Linear) and (head.proj.in_features, head.proj.out_features) == (
        768,
        256,
    )
    assert isinstance(head.avgpool, nn.AvgPool1d) and head.avgpool.kernel_size == (5,)
    assert len(head.blocks) == 2
    for block, c_in in zip(head.blocks, (256, 80), strict=True):
        kinds = [type(m) for m in block]
        assert kinds == [nn.Dropout, nn.Conv1d, nn.ReLU]
        assert block[0].p == 0.4
        conv = block[1]
        assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (c_in, 80, (5,))
    assert [type(m) for m in head.out_block] == [nn.Dropout, nn.Conv1d]
    assert (head.attention.in_features, head.attention.out_features) == (80, 1)
    assert [type(m) for m in head.out] == [nn.Linear, nn.ReLU, nn.Linear]
    assert (head.out[0].in_features, head.out[0].out_features) == (80, 80)
    assert (head.out[2].in_features, head.out[2].out_features) == (80, 4)
    assert len(_layers(head, nn.Conv1d)) == 3
    # parameters = SUPERB's projector + CNNSelfAttention (+ the 13 layer weights)
    expected = (768 * 256 + 256) + (256 * 80 * 5 + 80) + 2 * (80 * 80 * 5 + 80) + (80 + 1) \
        + (80 * 80 + 80) + (80 * 4 + 4) + 13  # fmt: skip
    assert sum(p.numel() for p in head.parameters()) == expected


def test_cnn_self_attention_literal_five_convolutions():
    from torch import nn

    head = build_head("cnn_self_attention", dim=16, n_classes=3, n_conv=5, pool=1)
    assert len(_layers(head, nn.Conv1d)) == 15  # 5 per block, 2 blocks + output block
    assert [type(m) for m in head.blocks[0]] == [nn.Dropout] + [nn.Conv1d] * 5 + [nn.ReLU]
    assert head(torch.randn(2, 1, 11, 16), torch.ones(2, 11, dtype=torch.bool)).shape == (2, 3)


@pytest.mark.parametrize("pool", [1, 5])
def test_cnn_self_attention_batch_equals_alone(pool):
    """Padding (zeroed frames, pooled mask = ceil(len / pool)) computes what each utterance
    alone computes: results do not depend on the batch an utterance lands in."""
    head = build_head("cnn_self_attention", dim=12, n_classes=4, n_layers=2, pool=pool).eval()
    lengths = [4, 6, 9, 17, 23]
    xs = [torch.randn(1, 2, n, 12) for n in lengths]
    x = torch.zeros(len(xs), 2, max(lengths), 12)
    mask = torch.zeros(len(xs), max(lengths), dtype=torch.bool)
    for i, (xi, n) in enumerate(zip(xs, lengths, strict=True)):
        x[i, :, :n] = xi[0]
        mask[i, :n] = True
    with torch.no_grad():
        batched = head(x, mask)
        for i, (xi, n) in enumerate(zip(xs, lengths, strict=True)):
            alone = head(xi, torch.ones(1, n, dtype=torch.bool))
            torch.testing.assert_close(batched[i], alone[0], atol=1e-5, rtol=1e-5)
            assert int(head.pooled_mask(torch.ones(1, n), -(-n // pool)).sum()) == -(-n // pool)


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


def test_superb_recipe_constant_lr_and_accumulation(tmp_path):
    """iberspeech_hubert's SUPERB recipe: constant LR (no schedule), batches of 4 x 8
    accumulated, max_steps ends training, evaluations every eval_steps, best dev kept."""
    from crossemo.models.frozen import collate_features
    from crossemo.models.training import Split, TrainSettings, fit

    rng = np.random.default_rng(0)
    n = 64
    labels = rng.integers(0, 2, n)
    arrays = [rng.standard_normal((2, int(rng.integers(5, 20)), 8)).astype(np.float32)
              + labels[i] for i in range(n)]  # fmt: skip
    split = Split(labels=labels, lengths=np.array([a.shape[1] for a in arrays]),
                  unit_per_second=50.0)  # fmt: skip
    head = build_head("cnn_self_attention", dim=8, n_classes=2, n_layers=2)

    def forward(model, _split, idx):
        x, mask = collate_features([arrays[i] for i in idx])
        return model(x, mask)

    settings = TrainSettings(lr=1e-3, lr_schedule="constant", warmup_steps=0, bucketing=False,
                             batch_size=4, grad_accum=8, max_steps=5, epochs=100,
                             eval_steps=2, early_stopping_patience=None, bf16=False)  # fmt: skip
    result = fit(head, forward, split, split, settings, tmp_path, torch.device("cpu"), 2)
    assert result.steps == 5  # 5 optimiser steps of 32 utterances: 2.5 epochs
    assert [row["step"] for row in result.history] == [2, 4, 5]
    assert {row["lr"] for row in result.history} == {1e-3}
    assert {row["epoch"] for row in result.history} == {1, 2}


def _padded(xs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Frames ``[L, T_i, H]`` of each utterance as a zero-padded batch and its prefix mask."""
    lengths = [xi.shape[1] for xi in xs]
    x = torch.zeros(len(xs), xs[0].shape[0], max(lengths), xs[0].shape[2])
    mask = torch.zeros(len(xs), max(lengths), dtype=torch.bool)
    for i, (xi, n) in enumerate(zip(xs, lengths, strict=True)):
        x[i, :, :n] = xi
        mask[i, :n] = True
    return x, mask


def test_superb_base_is_emoboxs_head():
    """EmoBox's SuperbBaseModel: Linear(D, 256) -> ReLU per frame -> mean -> Linear(256, C)."""
    head = build_head("superb_base", dim=768, n_classes=4).eval()
    assert (head.pre_net.in_features, head.pre_net.out_features) == (768, 256)
    assert (head.post_net.in_features, head.post_net.out_features) == (256, 4)
    assert sum(p.numel() for p in head.parameters()) == 768 * 256 + 256 + 256 * 4 + 4
    x = torch.randn(1, 1, 7, 768)
    expected = head.post_net(torch.relu(head.pre_net(x[0, 0])).mean(0))
    torch.testing.assert_close(head(x, torch.ones(1, 7, dtype=torch.bool))[0], expected.detach())


@pytest.mark.parametrize("input_norm", [False, True])
def test_superb_base_batch_equals_alone(input_norm):
    head = build_head("superb_base", dim=12, n_classes=3, n_layers=2, hidden=16,
                      input_norm=input_norm).eval()  # fmt: skip
    xs = [torch.randn(2, n, 12) * 3 + 1 for n in (3, 8, 15)]
    x, mask = _padded(xs)
    with torch.no_grad():
        batched = head(x, mask)
        for i, xi in enumerate(xs):
            alone = head(xi[None], torch.ones(1, xi.shape[1], dtype=torch.bool))
            torch.testing.assert_close(batched[i], alone[0], atol=1e-5, rtol=1e-5)


def test_superb_base_input_norm_normalises_each_frame():
    """input_norm (EmoBox's --output_norm): each merged frame has mean 0 and variance 1 before
    pre_net, so shifting and scaling a frame changes nothing; without it, it does."""
    seen = []
    x = torch.randn(2, 3, 5, 10)
    mask = torch.ones(2, 5, dtype=torch.bool)
    scaled = x * torch.rand(2, 3, 5, 1).add(0.5)[:, :1] + torch.randn(2, 1, 5, 1)
    for input_norm in (True, False):
        head = build_head("superb_base", dim=10, n_classes=2, n_layers=3,
                          input_norm=input_norm).eval()  # fmt: skip
        hook = head.pre_net.register_forward_pre_hook(lambda _m, args: seen.append(args[0]))
        with torch.no_grad():
            same = torch.allclose(head(x, mask), head(scaled, mask), atol=1e-4)
        hook.remove()
        assert same is input_norm
    frames = seen[0]  # the normalised run's pre_net input
    torch.testing.assert_close(frames.mean(-1), torch.zeros(2, 5), atol=1e-5, rtol=0)
    torch.testing.assert_close(frames.var(-1, unbiased=False), torch.ones(2, 5), atol=1e-3, rtol=0)


def test_superb_base_learns_a_separable_problem():
    torch.manual_seed(0)
    labels = torch.arange(40) % 2
    lengths = torch.randint(3, 12, (40,))
    xs = [torch.randn(1, int(n), 6) + 2.0 * (2 * int(y) - 1) * torch.tensor([1.0, -1, 0, 0, 0, 0])
          for n, y in zip(lengths, labels, strict=True)]  # fmt: skip
    x, mask = _padded(xs)
    head = build_head("superb_base", dim=6, n_classes=2, hidden=8)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(x, mask), labels)
        loss.backward()
        opt.step()
    with torch.no_grad():
        assert (head(x, mask).argmax(-1) == labels).float().mean() == 1.0
    assert loss.item() < 0.2
