"""Frozen heads on a Whisper encoder (crossemo.models.frozen): every hidden state of the
cropped encoder, the same function as the ``packing: cropped`` features; a converted Whisper
(``encoder: {convert: ...}``) read from rule convert_whisper's folder (tiny random Whisper)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from crossemo.features.upstreams.whisper.features import WhisperExtractor
from crossemo.models import frozen

SR = 16000


@pytest.fixture(scope="module")
def tiny_whisper():
    """A random-weight 2-layer Whisper (d_model 32)."""
    from transformers import WhisperConfig, WhisperModel

    config = WhisperConfig(d_model=32, encoder_layers=2, encoder_attention_heads=2,
                           encoder_ffn_dim=64, decoder_layers=1, decoder_attention_heads=2,
                           decoder_ffn_dim=64, num_mel_bins=80, vocab_size=64, pad_token_id=0,
                           bos_token_id=1, eos_token_id=2, decoder_start_token_id=1)  # fmt: skip
    torch.manual_seed(0)
    return WhisperModel(config).eval()


def waves(seconds=(0.5, 2.2, 1.3)) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [(0.1 * rng.standard_normal(int(s * SR))).astype(np.float32) for s in seconds]


def test_whisper_hidden_states_of_every_layer_per_utterance(tiny_whisper):
    clips = waves()
    seq = frozen.encode(tiny_whisper, clips, "all", "sequence")
    frames = [-(-len(w) // 320) for w in clips]
    assert [a.shape for a in seq] == [(3, n, 32) for n in frames]
    assert all(a.dtype == np.float32 for a in seq)
    pooled = frozen.encode(tiny_whisper, clips, "all", "mean")
    assert [a.shape for a in pooled] == [(3, 1, 32)] * 3
    np.testing.assert_allclose(pooled[1][:, 0], seq[1].mean(axis=1), rtol=1e-5, atol=1e-6)
    last = frozen.encode(tiny_whisper, clips, -1, "sequence")
    assert last[2].shape == (1, frames[2], 32)
    np.testing.assert_allclose(last[2][0], seq[2][2], rtol=1e-4, atol=1e-5)
    alone = frozen.encode(tiny_whisper, clips[1:2], "all", "sequence")[0]
    np.testing.assert_allclose(alone, seq[1], rtol=1e-4, atol=1e-5)  # batch-free


def test_whisper_frozen_states_are_the_cropped_features(tiny_whisper):
    """One encoder function: the frozen head's states pool to the cropped features."""
    from crossemo.features.upstreams.whisper.features import HFEncoder

    clips = waves((1.0, 3.0))
    seq = frozen.encode(tiny_whisper, clips, "all", "sequence")
    fx = WhisperExtractor({"backend": "transformers", "model": "x", "layers": "all",
                           "pooling": ["mean"], "packing": "cropped"},
                          encoder=HFEncoder.of_model(tiny_whisper))  # fmt: skip
    np.testing.assert_allclose(fx(clips), np.stack([a.mean(1).ravel() for a in seq]),
                               rtol=1e-4, atol=1e-5)  # fmt: skip


def test_a_converted_whisper_is_read_from_rule_convert_whisper_s_folder(
    tiny_whisper, tmp_path, monkeypatch
):
    from transformers import WhisperFeatureExtractor

    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="model.encoder .* rule convert_whisper"):
        frozen.resolve_encoder({"convert": "toy"})
    folder = tmp_path / "results" / "encoders" / "whisper-toy"
    tiny_whisper.save_pretrained(folder)
    WhisperFeatureExtractor(feature_size=80).save_pretrained(folder)
    assert frozen.resolve_encoder({"convert": "toy"}) == {"name": "results/encoders/whisper-toy"}
    clips = waves((0.8, 1.6))
    shard = tmp_path / "0000.parquet"
    pd.DataFrame({"utt_id": ["c/a", "c/b"], "samples": clips, "sample_rate": SR}).to_parquet(shard)
    out = tmp_path / "features.parquet"
    stats = frozen.extract_shard({"convert": "toy"}, shard, out, layer="all", pooling="sequence",
                                 threads=1)  # fmt: skip
    assert stats["utterances"] == 2
    feats = frozen.load_features([out])
    assert feats["c/b"].shape == (3, 80, 32)
    np.testing.assert_allclose(feats["c/b"], frozen.encode(tiny_whisper, clips, "all",
                               "sequence")[1], rtol=1e-4, atol=1e-5)  # fmt: skip
