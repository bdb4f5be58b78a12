"""``crossemo export``: each format read back with its own library matches the results tree it
was written from (ids, labels, speakers, genders, folds and splits, audio samples)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import yaml

from crossemo.audio.preprocess import write_shard
from crossemo.cli import main
from crossemo.core.schemas import write_table
from crossemo.export import FORMATS, export
from crossemo.labels import Labelled
from crossemo.splits.io import write_split

REPO = Path(__file__).resolve().parents[2]
CLASSES = ["neutral", "happy", "angry", "sad"]  # config/label_schemes/basic4.yaml
SR = 16000
#: the PCM16 rounding of the shards: what a stored sample may differ from the written float
PCM16_TOLERANCE = 0.5 / 32768 + 1e-7
EXPERIMENT = "toy_kfold"


def _corpus(name: str, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Labelled table and samples of a corpus: 3 speakers x 3 utterances of random noise."""
    rows, audio = [], {}
    for s, gender in enumerate(["female", "male", "unknown"]):
        for i in range(3):
            utt = f"{name}/s{s}_{i}"
            audio[utt] = rng.uniform(-0.9, 0.9, int(SR * rng.uniform(0.05, 0.15))).astype("f4")
            rows.append({"utt_id": utt, "corpus": name, "speaker": f"{name}/s{s}",
                         "gender": gender, "group": f"{name}/s{s}", "emotion": "x",
                         "label": CLASSES[(s + i) % 4], "duration": len(audio[utt]) / SR,
                         "audio_shard": f"results/audio/{name}/0000.parquet"})  # fmt: skip
    return pd.DataFrame(rows), audio


def _split(labelled: pd.DataFrame) -> pd.DataFrame:
    """Two folds: speaker s0 of each corpus is fold 0's test, s1 fold 1's; dev the next one."""
    folds = []
    for k in range(2):
        part = labelled[["utt_id", "corpus", "group", "speaker", "label"]].copy()
        number = part["speaker"].str[-1].astype(int)
        part["split"] = np.where(number == k, "test", np.where(number == k + 1, "dev", "train"))
        part["fold"] = k
        folds.append(part)
    return pd.concat(folds, ignore_index=True)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict:
    """A results tree (labels, shards, split table written by the workflow's writers), its
    config, and the export of every format."""
    root = tmp_path_factory.mktemp("export")
    rng = np.random.default_rng(0)
    tables, audio = [], {}
    for corpus in ("toyA", "toyB"):
        labelled, samples = _corpus(corpus, rng)
        write_table(labelled, root / f"results/labels/basic4/{corpus}.parquet", Labelled)
        records = [{"utt_id": u, "samples": x, "sample_rate": SR, "duration": len(x) / SR,
                    "source_duration": len(x) / SR, "trimmed_s": 0.0, "denoised": False}
                   for u, x in samples.items()]  # fmt: skip
        write_shard(records, root / f"results/audio/{corpus}/0000.parquet")
        tables.append(labelled)
        audio.update(samples)
    split = _split(pd.concat(tables, ignore_index=True))
    write_split(split, split, root / f"results/splits/{EXPERIMENT}.parquet", root / "audit.csv")
    experiments = {EXPERIMENT: {"scheme": "basic4"}, "never_run": {"scheme": "basic4"}}
    config = {"label_schemes_dir": str(REPO / "config/label_schemes"), "experiments": experiments}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    written = export(root / "config.yaml", root / "results", root / "out")
    genders = dict(zip(pd.concat(tables)["utt_id"], pd.concat(tables)["gender"], strict=True))
    return {"root": root, "out": root / "out" / EXPERIMENT, "split": split, "audio": audio,
            "written": written, "gender": genders}  # fmt: skip


def _expected(tree: dict, fold: int, split: str) -> pd.DataFrame:
    rows = tree["split"]
    return rows[(rows["fold"] == fold) & (rows["split"] == split)].reset_index(drop=True)


def _folds_and_splits(tree: dict):
    for (fold, split), _ in tree["split"].groupby(["fold", "split"]):
        yield int(fold), split


def _assert_audio(tree: dict, utt_id: str, samples: np.ndarray, rate: int) -> None:
    assert rate == SR
    np.testing.assert_allclose(samples, tree["audio"][utt_id], rtol=0, atol=PCM16_TOLERANCE)


def test_only_experiments_with_a_split_table_are_exported(tree):
    assert list(tree["written"]) == [EXPERIMENT]
    assert list(tree["written"][EXPERIMENT]) == list(FORMATS)


def test_hf_datasets_round_trip(tree):
    import datasets

    for fold in (0, 1):
        dd = datasets.load_from_disk(str(tree["out"] / f"hf/fold{fold}"))
        assert set(dd) == {"train", "dev", "test"}
        for split, ds in dd.items():
            want = _expected(tree, fold, split)
            assert ds.features["emotion"].names == CLASSES
            assert ds.features["audio"].sampling_rate == SR
            assert ds["utt_id"] == want["utt_id"].tolist()
            assert ds.features["emotion"].int2str(ds["emotion"]) == want["label"].tolist()
            assert ds["speaker"] == want["speaker"].tolist()
            assert ds["corpus"] == want["corpus"].tolist()
            assert ds["gender"] == [tree["gender"][u] for u in want["utt_id"]]
            raw = ds.cast_column("audio", datasets.Audio(decode=False))
            for utt_id, audio in zip(raw["utt_id"], raw["audio"], strict=True):
                _assert_audio(tree, utt_id, *sf.read(io.BytesIO(audio["bytes"]), dtype="float32"))


def test_audformat_round_trip(tree):
    import audformat

    db = audformat.Database.load(str(tree["out"] / "audformat"))
    assert db.schemes["emotion"].labels == CLASSES
    assert len(db.splits) == len(list(_folds_and_splits(tree)))
    for fold, split in _folds_and_splits(tree):
        split_id = f"fold{fold}.{split}"
        assert db.splits[split_id].type == split
        table = db[f"emotion.{split_id}"]
        assert table.split_id == split_id
        frame = table.get()
        want = _expected(tree, fold, split)
        files = [Path(db.root, f).resolve() for f in frame.index]
        wav_dir = (tree["out"] / "wav").resolve()
        assert [str(f.relative_to(wav_dir).with_suffix("")) for f in files] == want[
            "utt_id"
        ].tolist()
        assert frame["emotion"].tolist() == want["label"].tolist()
        assert frame["speaker"].tolist() == want["speaker"].tolist()
        assert frame["gender"].tolist() == [tree["gender"][u] for u in want["utt_id"]]
        for utt_id, path in zip(want["utt_id"], files, strict=True):
            _assert_audio(tree, utt_id, *sf.read(path, dtype="float32"))


def test_lhotse_round_trip(tree):
    from lhotse import load_manifest

    for fold, split in _folds_and_splits(tree):
        folder = tree["out"] / f"lhotse/fold{fold}"
        recordings = load_manifest(folder / f"recordings_{split}.jsonl.gz")
        supervisions = load_manifest(folder / f"supervisions_{split}.jsonl.gz")
        want = _expected(tree, fold, split)
        assert [s.id for s in supervisions] == want["utt_id"].tolist()
        assert [s.custom["emotion"] for s in supervisions] == want["label"].tolist()
        assert [s.speaker for s in supervisions] == want["speaker"].tolist()
        assert [s.gender for s in supervisions] == [tree["gender"][u] for u in want["utt_id"]]
        for sup in supervisions:
            recording = recordings[sup.recording_id]
            assert sup.duration == pytest.approx(recording.duration)
            _assert_audio(tree, sup.id, recording.load_audio()[0], recording.sampling_rate)


def test_emobox_jsonl_round_trip(tree):
    folder = tree["out"] / "emobox"
    every = [json.loads(line) for line in (folder / f"{EXPERIMENT}.jsonl").open()]
    assert sorted(e["key"] for e in every) == sorted(tree["audio"])
    assert json.loads((folder / "label_map.json").read_text()) == {c: c for c in CLASSES}
    for fold, split in _folds_and_splits(tree):
        path = folder / f"fold_{fold + 1}/{EXPERIMENT}_{split}_fold_{fold + 1}.jsonl"
        entries = [json.loads(line) for line in path.open()]
        want = _expected(tree, fold, split)
        assert [e["key"] for e in entries] == want["utt_id"].tolist()
        assert [e["emo"] for e in entries] == want["label"].tolist()
        assert [e["speaker"] for e in entries] == want["speaker"].tolist()
        for entry in entries:
            samples, rate = sf.read(tree["out"] / entry["wav"], dtype="float32")
            assert (entry["num_frame"], entry["sample_rate"]) == (len(samples), rate)
            assert entry["length"] == pytest.approx(len(samples) / rate)
            _assert_audio(tree, entry["key"], samples, rate)


def test_csv_round_trip(tree):
    table = pd.read_csv(tree["out"] / f"csv/{EXPERIMENT}.csv")
    want = tree["split"]
    assert table["key"].tolist() == want["utt_id"].tolist()
    assert table[["fold", "split", "emo", "speaker", "dataset"]].values.tolist() == (
        want[["fold", "split", "label", "speaker", "corpus"]].values.tolist()
    )


def test_cli_names_an_unknown_experiment_and_a_missing_split_table(tree, capsys):
    root = tree["root"]
    common = ["--configfile", str(root / "config.yaml"), "--results", str(root / "results")]
    assert main(["export", "toy_kfol", *common]) == 1
    err = capsys.readouterr().err
    assert "experiments.toy_kfol:" in err and "did you mean 'toy_kfold'" in err
    assert main(["export", "never_run", *common]) == 1
    err = capsys.readouterr().err
    assert "splits/never_run.parquet" in err and "snakemake" in err


def test_cli_writes_the_formats_asked_for(tree, tmp_path):
    root = tree["root"]
    argv = ["export", EXPERIMENT, "--configfile", str(root / "config.yaml"),
            "--results", str(root / "results"), "-o", str(tmp_path), "-f", "csv"]  # fmt: skip
    assert main(argv) == 0
    assert sorted(p.name for p in (tmp_path / EXPERIMENT).iterdir()) == ["csv", "wav"]


def test_an_utterance_missing_from_the_shards_stops_the_export_naming_them(tree, tmp_path):
    from crossemo.export.source import ExperimentData, load, read_experiments

    experiments, schemes = read_experiments(tree["root"] / "config.yaml")
    data = load(EXPERIMENT, experiments[EXPERIMENT], schemes, tree["root"] / "results")
    extra = data.table.iloc[[0]].assign(utt_id="toyA/lost")
    broken = ExperimentData(EXPERIMENT, data.classes, pd.concat([data.table, extra]))
    with pytest.raises(FileNotFoundError, match=r"toyA/lost.*toyA/0000\.parquet"):
        broken.wavs(tmp_path)


def test_an_utt_id_cannot_name_a_file_outside_the_export():
    from crossemo.export.source import wav_name

    assert wav_name("emodb/03a01Fa") == "emodb/03a01Fa.wav"
    for bad in ("../etc/x", "/abs/x", "a/../../x"):
        with pytest.raises(ValueError, match="cannot name a file"):
            wav_name(bad)
