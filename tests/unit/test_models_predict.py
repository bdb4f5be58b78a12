"""``crossemo predict``: table and JSON output of a saved model."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from crossemo.cli import main  # noqa: E402
from crossemo.models.encoder import feature_extractor, load_audio_classifier  # noqa: E402

CLASSES = ["negative", "neutral", "positive"]


@pytest.fixture(scope="module")
def model_and_audio(tmp_path_factory):
    root = tmp_path_factory.mktemp("predict")
    model = load_audio_classifier({"tiny": {}}, CLASSES)
    model.save_pretrained(root / "model")
    feature_extractor({"tiny": {}}).save_pretrained(root / "model")
    rng = np.random.default_rng(0)
    files = []
    for i, rate in enumerate((16000, 44100)):
        path = root / f"clip{i}.wav"
        sf.write(path, rng.standard_normal((rate, 2)).astype(np.float32) * 0.1, rate)
        files.append(str(path))
    return str(root / "model"), files


def test_predict_json(model_and_audio, capsys):
    model_dir, files = model_and_audio
    assert main(["predict", model_dir, *files, "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [r["file"] for r in lines] == files
    for r in lines:
        assert set(r["probs"]) == set(CLASSES)
        assert abs(sum(r["probs"].values()) - 1) < 1e-5
        assert r["label"] == max(r["probs"], key=r["probs"].get)


def test_predict_table(model_and_audio, capsys):
    model_dir, files = model_and_audio
    assert main(["predict", model_dir, *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["file", "label"] and out[0].split()[2:] == CLASSES
    assert len(out) == 2 + len(files)
    assert out[2].startswith(files[0])
