"""``crossemo predict``: table and JSON output of a saved model; bad files become error rows,
unusable model folders a clear refusal, and nothing reaches a network."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from audio_quirks import long_wav

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from crossemo.cli import build_parser, main  # noqa: E402
from crossemo.core.reasons import (  # noqa: E402
    NON_FINITE_SAMPLES,
    NOT_REGULAR_FILE,
    PROCESSING_FAILED,
    TOO_SHORT,
)
from crossemo.models.encoder import (  # noqa: E402
    audio_config,
    feature_extractor,
    load_audio_classifier,
    load_audio_encoder,
)

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
    assert out[0].split()[:2] == ["file", "label"] and out[0].split()[2:] == [*CLASSES, "error"]
    assert len(out) == 2 + len(files)
    assert out[2].startswith(files[0])


def _bad_files(tmp_path):
    """Files ingestion rejects, with the reason it gives each."""
    nan = tmp_path / "nan.wav"
    wave = np.full(16000, 0.1, np.float32)
    wave[100] = np.nan
    sf.write(nan, wave, 16000, subtype="FLOAT")
    one = tmp_path / "two_samples.wav"  # not one: a single sample is all DC, i.e. silent
    sf.write(one, np.array([0.1, -0.1], np.float32), 16000)
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
    sf.write(short, 0.1 * np.sin(np.arange(8000, dtype=np.float32) / 4), 16000)  # not DC: silent
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


def _run_predict(args: list[str], limit_bytes: int | None = None, timeout: float = 180):
    """``crossemo predict ARGS --json`` in a child process (a blocked read or an address-space
    limit stays there); returns (exit status, records by file, stderr)."""
    code = ("import resource, sys\n"
            f"limit = {limit_bytes!r}\n"
            "if limit: resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
            "from crossemo.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code, "predict", *args, "--json"], env=env,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc.returncode, {r["file"]: r for r in records}, proc.stderr


def test_special_files_are_refused_by_type_without_blocking(model_and_audio, tmp_path):
    model_dir, files = model_and_audio
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock.wav"))
    special = [str(fifo), str(folder), str(tmp_path / "sock.wav"), "/dev/zero"]
    try:
        rc, records, err = _run_predict([model_dir, files[0], *special, files[1]], timeout=60)
    finally:
        sock.close()
    assert rc == 1, err
    for path in special:
        assert records[path]["error"] == NOT_REGULAR_FILE, records.get(path)
        assert "not a regular file" in records[path]["detail"]
    assert "a FIFO" in records[str(fifo)]["detail"]
    for path in files:
        assert set(records[path]["probs"]) == set(CLASSES)


def test_long_file_is_cropped_and_never_costs_the_others_their_results(model_and_audio,
                                                                      tmp_path):  # fmt: skip
    model_dir, files = model_and_audio
    long = tmp_path / "five_hours.wav"
    long_wav(long, seconds=20000)  # 3.8 GB of 48 kHz stereo: decoded whole, ~12 GB of floats
    rc, records, err = _run_predict([model_dir, files[0], str(long), files[1]],
                                    limit_bytes=3 * 2**30)  # fmt: skip
    assert rc == 0, err
    assert [r for r in records] == [files[0], str(long), files[1]]
    for record in records.values():
        assert set(record["probs"]) == set(CLASSES)


def test_max_seconds_decodes_only_the_first_seconds(tmp_path):
    from crossemo.models import predict

    long = tmp_path / "two_minutes.wav"
    long_wav(long, seconds=120, rate=16000, channels=1, voiced=120)
    wave = predict.load_wave(long, max_seconds=predict.DEFAULT_MAX_SECONDS)
    assert len(wave) == predict.DEFAULT_MAX_SECONDS * 16000
    assert len(predict.load_wave(long, max_seconds=None)) == 120 * 16000
    parser_default = build_parser().parse_args(["predict", "m", "a.wav"]).max_seconds
    assert parser_default == predict.DEFAULT_MAX_SECONDS


def test_one_files_unexpected_failure_is_its_row_only(model_and_audio, monkeypatch, capsys):
    from crossemo.models import predict

    model_dir, files = model_and_audio
    real = predict.load_wave

    def exhausted(path, *args):
        if str(path) == files[0]:
            raise MemoryError("cannot allocate")
        return real(path, *args)

    monkeypatch.setattr(predict, "load_wave", exhausted)
    assert main(["predict", model_dir, *files, "--json"]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0]["error"] == PROCESSING_FAILED and "MemoryError" in lines[0]["detail"]
    assert set(lines[1]["probs"]) == set(CLASSES)


# ---- every family's folder: classic runs (the neural ones: test_models_runs.py) ---------------
@pytest.fixture(scope="module")
def classic_data(tmp_path_factory):
    """A view of tones (models_fixtures), its eGeMAPS feature shards and split table, and the
    test clips as WAV files."""
    import pandas as pd
    import yaml
    from models_fixtures import make_view, write_wavs

    from crossemo.features import extract_shard

    root = tmp_path_factory.mktemp("classic")
    view = make_view(root, {"train": 8, "dev": 2, "test": 4})
    rows = pd.read_parquet(view)
    features = []
    for corpus in ("toyA", "toyB"):
        out = root / "features" / f"{corpus}.parquet"
        extract_shard(root / "audio" / corpus / "0000.parquet", "egemaps", out)
        features.append(str(out))
    split = rows[["utt_id", "corpus", "label", "split"]].assign(fold=0, speaker=rows["utt_id"])
    split.to_parquet(root / "split.parquet")
    (root / "scheme.yaml").write_text(yaml.safe_dump({"classes": CLASSES}))
    inputs = {"view": str(view), "split": str(root / "split.parquet"),
              "scheme": str(root / "scheme.yaml"), "features": features}  # fmt: skip
    return root, inputs, rows, write_wavs(root / "wav", view)


def _train_classic(root, inputs, family: str, standardize: str, **model):
    from crossemo.models.families import TrainJob, train

    folder = root / "models" / f"{family}-{standardize}"
    outputs = {"model": str(folder / "model.joblib"), "label_map": str(folder / "label_map.json"),
               "config": str(folder / "config.json"),
               "predictions": str(root / "pred" / f"{family}-{standardize}.parquet"),
               "dev_predictions": str(root / "pred" / f"{family}-{standardize}.dev.parquet"),
               }  # fmt: skip
    experiment = {"model": {"family": family, **model}, "features": "egemaps",
                  "standardize": standardize, "seed": 0}  # fmt: skip
    train(TrainJob(family, experiment, "toy", "main", inputs, outputs))
    return folder, root / "pred" / f"{family}-{standardize}.parquet"


@pytest.mark.parametrize(("family", "standardize"), [("svm", "corpus"), ("logreg", "global")])
def test_a_classic_folder_predicts_its_test_clips_as_the_run_did(classic_data, family,
                                                                  standardize):  # fmt: skip
    """The run's feature set is extracted from the audio and standardised as the run did its test
    rows: one clip at a time with the training statistics (global), or the clips given together
    as one corpus (corpus: here each test corpus's clips, as the run normalised them)."""
    import pandas as pd
    from models_fixtures import predicted_like_the_run

    from crossemo.models.predict import Predictor

    root, inputs, rows, wavs = classic_data
    model = {"grid": {"C": [1.0], "gamma": [0.01]}} if family == "svm" else {}
    folder, run_predictions = _train_classic(root, inputs, family, standardize, **model)
    assert Predictor(folder).model.joint == (standardize == "corpus")
    table = pd.read_parquet(run_predictions)
    for corpus in ("toyA", "toyB"):
        clips = {u: wavs[u] for u in table.loc[table["corpus"] == corpus, "utt_id"]}
        predicted_like_the_run(folder, run_predictions, clips, atol=1e-6)
    assert main(["predict", str(folder), *wavs.values(), "--json", "--min-seconds", "0.2"]) == 0


def test_classic_predict_keeps_each_file_s_failure_its_own(classic_data, tmp_path, capsys):
    root, inputs, _, wavs = classic_data
    folder, _ = _train_classic(root, inputs, "svm", "corpus", grid={"C": [1.0], "gamma": [0.01]})
    bad = _bad_files(tmp_path)
    good = list(wavs.values())[:3]
    assert main(["predict", str(folder), *good, *bad, "--json", "--min-seconds", "0.2"]) == 1
    records = {r["file"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    for path, reason in bad.items():
        assert records[path]["error"] == reason
    for path in good:
        assert set(records[path]["probs"]) == set(CLASSES)


def test_a_speech_text_folder_without_transcripts_or_whisper_says_what_is_missing(
    tmp_path, monkeypatch, capsys
):
    from crossemo.models.multimodal import SpeechTextModel
    from crossemo.models.predict import ModelFolderError, Predictor

    class NoWhisper(SpeechTextModel):
        def __init__(self) -> None:
            self.classes, self.min_samples = CLASSES, 1
            self.transcription, self._transcriber = {"model": "/nowhere"}, None

    monkeypatch.setattr("crossemo.models.predict.load_model", lambda folder: NoWhisper())
    with pytest.raises(ModelFolderError, match="--text TEXT"):
        Predictor(tmp_path)
    assert main(["predict", str(tmp_path), "a.wav", "--text", "one", "--text", "two"]) == 2
    assert "2 --text for 1 audio files" in capsys.readouterr().err


def test_a_folder_no_family_wrote_is_refused(tmp_path, capsys):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a model")
    assert main(["predict", str(folder), "a.wav"]) == 2
    assert "not a saved model folder" in capsys.readouterr().err
