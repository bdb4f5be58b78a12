"""Frozen heads on a Whisper encoder (crossemo.models.frozen): every hidden state of the cropped
encoder, the same function as the ``packing: cropped`` features (``whisper_input: single``: the
``packing: single`` ones); a converted Whisper (``encoder: {convert: ...}``) read from rule
convert_whisper's folder (tiny random Whisper)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from crossemo.features.upstreams import ssl
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


def test_whisper_input_single_is_the_single_packing_and_differs_from_cropped(tiny_whisper):
    """``whisper_input: single`` (EmoBox's): the Whisper features' ``packing: single`` frames,
    one 30 s window per utterance (a 31 s one in two chunks); the last layer is not cropped's."""
    from crossemo.features.upstreams.whisper.features import HFEncoder

    clips = waves((1.0, 2.7, 31.0))
    single = frozen.encode(tiny_whisper, clips, "all", "sequence", whisper_input="single")
    fx = WhisperExtractor({"backend": "transformers", "model": "x", "layers": "all",
                           "pooling": ["mean"], "packing": "single"},
                          encoder=HFEncoder.of_model(tiny_whisper))  # fmt: skip
    for ours, theirs in zip(single, fx.frames(clips), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    cropped = frozen.encode(tiny_whisper, clips, "all", "sequence")
    assert [a.shape for a in single] == [a.shape for a in cropped]
    assert [a.shape[1] for a in single] == [-(-len(w) // 320) for w in clips]
    assert not np.allclose(single[1][-1], cropped[1][-1], atol=1e-3)
    pooled = frozen.encode(tiny_whisper, clips[:2], -1, "mean", whisper_input="single")
    np.testing.assert_allclose(pooled[1][0, 0], single[1][-1].mean(axis=0), rtol=1e-4, atol=1e-5)


def test_a_frozen_whisper_input_of_another_family_is_refused(tiny_whisper):
    with pytest.raises(ValueError, match="whisper_input 'packed' of a frozen_head: one of "
                       "cropped, single"):  # fmt: skip
        frozen.encode(tiny_whisper, waves((0.5,)), whisper_input="packed")


def test_predict_extracts_as_the_rule_did_with_whisper_input(tiny_whisper, tmp_path, monkeypatch):
    """The rule's ``single`` features of a converted Whisper (the SSL upstream's extraction)
    are what ``crossemo predict``'s loaded model prepares from the saved run's config."""
    import json

    from transformers import WhisperFeatureExtractor

    from crossemo.models.heads import build_head
    from crossemo.models.predictions import write_label_map

    monkeypatch.chdir(tmp_path)
    tiny_whisper.save_pretrained(tmp_path / "results" / "encoders" / "whisper-toy")
    WhisperFeatureExtractor(feature_size=80).save_pretrained(
        tmp_path / "results" / "encoders" / "whisper-toy"
    )
    clips = waves((0.8, 1.6))
    shard = tmp_path / "0000.parquet"
    pd.DataFrame({"utt_id": ["c/a", "c/b"], "samples": clips, "sample_rate": SR}).to_parquet(shard)
    model_cfg = {"family": "frozen_head", "encoder": {"convert": "toy"}, "layer": "all",
                 "pooling": "sequence", "whisper_input": "single"}  # fmt: skip
    settings = ssl.settings("ssl", model_cfg)  # rule extract_features' params
    ssl.extract_shard("ssl", settings, [shard], tmp_path / "f.parquet", threads=1)
    rule = frozen.load_features([tmp_path / "f.parquet"])
    folder = tmp_path / "model"
    folder.mkdir()
    torch.save(build_head("pooling_linear", 32, 2, n_layers=3).state_dict(), folder / "head.pt")
    (folder / "head_config.json").write_text(
        json.dumps(
            {"head": "pooling_linear", "dim": 32, "n_layers": 3, "n_classes": 2, "options": {}}
        )
    )
    (folder / "crossemo_run.json").write_text(json.dumps({"model": model_cfg}))
    write_label_map(folder, ["a", "b"])
    loaded = frozen.FrozenHeadModel.load(folder)
    for utt, clip in zip(("c/a", "c/b"), clips, strict=True):
        np.testing.assert_allclose(loaded.prepare(clip), rule[utt], rtol=1e-4, atol=1e-5)
    cropped = frozen.encode(tiny_whisper, clips[1:], "all", "sequence")[0]
    assert not np.allclose(loaded.prepare(clips[1])[-1], cropped[-1], atol=1e-3)
    labels, probs = loaded.predict([loaded.prepare(c) for c in clips])
    assert probs.shape == (2, 2) and set(labels) <= {"a", "b"}
