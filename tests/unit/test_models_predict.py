"""``crossemo predict``: table and JSON output of a saved model; bad files become error rows,
unusable model folders a clear refusal, and nothing reaches a network."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from crossemo.cli import main  # noqa: E402
from crossemo.models.encoder import (  # noqa: E402
    audio_config,
    feature_extractor,
    load_audio_classifier,
    load_audio_encoder,
)
from crossemo.reasons import NON_FINITE_SAMPLES, TOO_SHORT  # noqa: E402

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


def _bad_files(tmp_path):
    """Files ingestion rejects, with the reason it gives each."""
    nan = tmp_path / "nan.wav"
    wave = np.full(16000, 0.1, np.float32)
    wave[100] = np.nan
    sf.write(nan, wave, 16000, subtype="FLOAT")
    one = tmp_path / "one_sample.wav"
    sf.write(one, np.array([0.1], np.float32), 16000)
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"this is not audio at all" * 10)
    return {str(nan): NON_FINITE_SAMPLES, str(one): TOO_SHORT, str(garbage): "not_audio",
            str(tmp_path / "missing.wav"): "missing_file"}  # fmt: skip


def test_bad_files_are_error_rows_and_the_good_ones_still_answer(model_and_audio, tmp_path,
                                                                  capsys):  # fmt: skip
    model_dir, files = model_and_audio
    bad = _bad_files(tmp_path)
    args = [files[0], *bad, files[1]]
    assert main(["predict", model_dir, *args, "--json"]) == 1
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    assert [r["file"] for r in records] == args
    by_file = {r["file"]: r for r in records}
    for path, reason in bad.items():
        assert by_file[path]["error"] == reason
        assert "label" not in by_file[path]
    for path in files:
        assert set(by_file[path]["probs"]) == set(CLASSES)
        assert np.isfinite(list(by_file[path]["probs"].values())).all()
    assert f"{len(bad)} of {len(args)} files failed" in captured.err


def test_table_shows_each_error_reason(model_and_audio, tmp_path, capsys):
    model_dir, files = model_and_audio
    bad = _bad_files(tmp_path)
    assert main(["predict", model_dir, files[0], *bad]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[-1] == "error"
    rows = {line.split()[0]: line.split() for line in out[2:]}
    for path, reason in bad.items():
        assert rows[path][-1] == reason and rows[path][1] == "-"
    assert rows[files[0]][1] in CLASSES


def test_min_seconds_is_ingestions_rule(model_and_audio, tmp_path, capsys):
    model_dir, _ = model_and_audio
    short = tmp_path / "half_second.wav"
    sf.write(short, np.full(8000, 0.1, np.float32), 16000)
    assert main(["predict", model_dir, str(short), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == TOO_SHORT
    assert main(["predict", model_dir, str(short), "--json", "--min-seconds", "0.2"]) == 0
    assert set(json.loads(capsys.readouterr().out)["probs"]) == set(CLASSES)


def test_folder_without_trained_head_is_refused(model_and_audio, tmp_path, capsys):
    _, files = model_and_audio
    folder = tmp_path / "encoder_only"
    load_audio_encoder({"tiny": {}}).save_pretrained(folder)
    feature_extractor({"tiny": {}}).save_pretrained(folder)
    assert main(["predict", str(folder), files[0]]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(folder) in captured.err and "no trained classification head" in captured.err


def test_folder_without_label_map_is_refused(model_and_audio, tmp_path, capsys):
    from transformers import AutoModelForAudioClassification

    _, files = model_and_audio
    folder = tmp_path / "no_labels"
    config = audio_config({"tiny": {}}, num_labels=3)  # id2label LABEL_0 .. LABEL_2
    AutoModelForAudioClassification.from_config(config).save_pretrained(folder)
    feature_extractor({"tiny": {}}).save_pretrained(folder)
    assert main(["predict", str(folder), files[0]]) == 2
    err = capsys.readouterr().err
    assert str(folder) in err and "no label map" in err and "LABEL_0" in err


def test_bare_model_name_fails_at_once_without_network(model_and_audio, capsys):
    _, files = model_and_audio
    began = time.perf_counter()
    assert main(["predict", "facebook/hubert-large-ls960-ft", files[0]]) == 2
    assert time.perf_counter() - began < 5
    err = capsys.readouterr().err
    assert "facebook/hubert-large-ls960-ft" in err and "local model folder" in err
