"""Transcription: the real offline faster-whisper model on espeak-ng speech; clear errors."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr

from crossemo.filters import similarity
from crossemo.schemas import AudioShard, write_table
from crossemo.transcribe import (
    OFFLINE_MODEL,
    TranscribeSettings,
    Transcripts,
    WeightsMissing,
    load_backend,
    openai_whisper_checkpoint,
    transcribe_shard,
)

SENTENCES = {
    "demo/a": "The weather is lovely today and I am going for a walk in the park.",
    "demo/b": "Please call me back as soon as you get this message.",
    "demo/c": "I cannot believe you broke my favourite coffee cup again.",
}

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


def speak(text: str, tmp_path, voice: str = "en+m3") -> np.ndarray:
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
    samples, sr = sf.read(wav, dtype="float32")
    return soxr.resample(samples, sr, 16000).astype(np.float32)


@pytest.fixture(scope="module")
def shard(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng missing")
    tmp = tmp_path_factory.mktemp("speech")
    rows = []
    for utt_id, text in SENTENCES.items():
        samples = speak(text, tmp)
        rows.append({"utt_id": utt_id, "samples": samples, "sample_rate": 16000,
                     "duration": len(samples) / 16000, "source_duration": len(samples) / 16000,
                     "trimmed_s": 0.0, "denoised": False})  # fmt: skip
    path = tmp / "0000.parquet"
    write_table(pd.DataFrame(rows), path, AudioShard)
    return path


@needs_espeak
def test_offline_model_transcribes_demo_speech(shard, tmp_path):
    out = tmp_path / "t.parquet"
    table = transcribe_shard(shard, out, TranscribeSettings(), cpu_threads=2)
    Transcripts.validate(pd.read_parquet(out))
    assert list(table["utt_id"]) == list(SENTENCES)
    assert set(table["backend"]) == {"faster-whisper"} and set(table["model"]) == {OFFLINE_MODEL}
    assert set(table["language"]) == {"en"}
    heard = dict(zip(table["utt_id"], table["text"], strict=True))
    ratios = {u: similarity(heard[u], text) for u, text in SENTENCES.items()}
    assert min(ratios.values()) > 0.8 and np.mean(list(ratios.values())) > 0.9, (heard, ratios)
    assert table["avg_logprob"].lt(0).all() and table["no_speech_prob"].between(0, 1).all()


def test_openai_whisper_without_weights_fails_clearly(tmp_path):
    settings = TranscribeSettings(backend="openai-whisper", model="tiny.en",
                                  download_root=str(tmp_path))  # fmt: skip
    with pytest.raises(WeightsMissing, match=r"tiny\.en.*not found at .*tiny\.en\.pt"):
        load_backend(settings)
    with pytest.raises(WeightsMissing):
        openai_whisper_checkpoint(str(tmp_path / "missing.pt"))
    with pytest.raises(ValueError, match="unknown openai-whisper model"):
        openai_whisper_checkpoint("huge-v9", str(tmp_path))


def test_faster_whisper_unknown_model_offline_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsMissing, match="could not be loaded"):
        load_backend(TranscribeSettings(model=str(tmp_path / "no-such-model")))


def test_settings_from_config():
    s = TranscribeSettings.from_config({"backend": "openai-whisper", "model": "large-v2",
                                        "beam_size": 1, "unknown": 3})  # fmt: skip
    assert (s.backend, s.model, s.beam_size, s.compute_type) == ("openai-whisper", "large-v2", 1,
                                                                 "int8")  # fmt: skip
    with pytest.raises(ValueError, match="backend"):
        TranscribeSettings.from_config({"backend": "vosk"})
