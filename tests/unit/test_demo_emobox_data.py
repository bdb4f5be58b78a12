"""The demo's EmoBox ``data/`` folder: EmoBox's layout and fields, EmoDB folds that partition the
corpus as EmoBox's do, balanced track-2 test sets, every entry mapped to exactly one utterance of
the demo's corpora, and byte-identical rewrites.

EmoBox's layout, fields, label names and fold structure are written here from EmoBox's files
(github.com/emo-box/EmoBox, ``data/emodb/``, ``data/track2/``), never read from
``crossemo.demo``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf

from crossemo.corpora import scan
from crossemo.demo import emobox_data
from crossemo.splits.emobox import match_entries, read_entries
from crossemo.splits.experiment import Experiment

#: EmoBox's entry fields, in its order: corpus list and fold files, track-2 files
EMODB_FIELDS = ["key", "dataset", "wav", "type", "sample_rate", "num_frame", "task", "length",
                "emo", "channel"]  # fmt: skip
TRACK2_FIELDS = ["wav_filename", "label", "speaker"]
#: EmoDB's emotion letter -> EmoBox's ``emo`` code of it (sic: boredem)
EMODB_EMO = {"W": "anger", "L": "boredem", "E": "disgust", "A": "fear", "F": "happy",
             "T": "sad", "N": "neutral"}  # fmt: skip
EMODB_LABEL_MAP_VALUES = {"Angry", "Boredom", "Disgust", "Fear", "Happy", "Neutral", "Sad"}
EMODB_FOLDS = 5
TRACK2_CLASSES = {"angry", "happy", "neutral", "sad"}
#: track-2 name -> (demo folder, adapter, the adapter's raw label -> EmoBox's track-2 class)
TRACK2 = {
    "IEMOCAP": ("IEMOCAP", "iemocap", {"neu": "neutral", "hap": "happy", "exc": "happy",
                                       "sad": "sad", "ang": "angry"}),
    "MELD": ("MELD", "meld", {"neutral": "neutral", "joy": "happy", "sadness": "sad",
                              "anger": "angry"}),
    "RAVDESS": ("RAVDESS", "ravdess", {"01": "neutral", "03": "happy", "04": "sad",
                                       "05": "angry"}),
    "SAVEE": ("SAVEE", "savee", {"n": "neutral", "h": "happy", "sa": "sad", "a": "angry"}),
}  # fmt: skip


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _data(root: Path) -> Path:
    return root / "EmoBox" / "data"


def _track2_file(root: Path, name: str) -> Path:
    return _data(root) / "track2" / f"{name}_selected_balenced.jsonl"


def _locations(root: Path, folder: str, adapter: str) -> tuple[pd.DataFrame, dict]:
    """The adapter's scan of a demo corpus: match_entries' locations and the utterances."""
    found = {u.local_id: u for u in scan(adapter, root / folder, adapter).utterances}
    return pd.DataFrame({"utt_id": list(found), "path": [str(u.path) for u in found.values()],
                         "start": [u.start for u in found.values()]}), found  # fmt: skip


def test_emodb_corpus_list_has_emobox_fields(demo_root):
    folder = _data(demo_root) / "emodb"
    entries = _lines(folder / "emodb.jsonl")
    wavs = sorted((demo_root / "EmoDB" / "wav").glob("*.wav"))
    assert sorted(e["key"] for e in entries) == [f"emodb-{p.stem}" for p in wavs]
    for e in entries:
        assert list(e) == EMODB_FIELDS
        name = e["key"].removeprefix("emodb-")
        assert e["wav"] == f"downloads/emodb/wav/{name}.wav"
        info = sf.info(demo_root / "EmoDB" / "wav" / f"{name}.wav")
        assert (e["dataset"], e["type"], e["task"], e["channel"]) == ("emodb", "raw",
                                                                       "category", 1)  # fmt: skip
        assert e["sample_rate"] == info.samplerate == 16000
        assert e["num_frame"] == float(info.frames) and isinstance(e["num_frame"], float)
        assert e["length"] == pytest.approx(info.frames / 16000)
        assert e["emo"] == EMODB_EMO[name[5]]
    # EmoBox lists emotion by emotion (W L E A F N T), names sorted within
    letters = [e["key"][11] for e in entries]
    assert letters == sorted(letters, key="WLEAFNT".index)
    label_map = json.loads((folder / "label_map.json").read_text())
    assert set(label_map.values()) == EMODB_LABEL_MAP_VALUES


def test_emodb_folds_partition_the_corpus_as_emobox_does(demo_root):
    folder = _data(demo_root) / "emodb"
    corpus = _lines(folder / "emodb.jsonl")
    order = [e["key"] for e in corpus]
    assert sorted(p.name for p in folder.glob("fold*")) == [f"fold_{k}" for k in range(1, 6)]
    tested: Counter = Counter()
    sizes = []
    for k in range(1, EMODB_FOLDS + 1):
        train = _lines(folder / f"fold_{k}" / f"emodb_train_fold_{k}.jsonl")
        test = _lines(folder / f"fold_{k}" / f"emodb_test_fold_{k}.jsonl")
        for part in (train, test):  # entries are the corpus list's lines, in its order
            assert all(e in corpus for e in part)
            keys = [e["key"] for e in part]
            assert keys == sorted(keys, key=order.index)
        train_keys, test_keys = {e["key"] for e in train}, {e["key"] for e in test}
        assert not train_keys & test_keys and train_keys | test_keys == set(order)
        tested.update(test_keys)
        sizes.append(len(test))
        speakers = {key[6:8] for key in order}
        assert {key[6:8] for key in test_keys} == speakers == {key[6:8] for key in train_keys}
        assert {e["emo"] for e in test} == {e["emo"] for e in corpus}
    assert set(tested) == set(order) and set(tested.values()) == {1}
    assert max(sizes) - min(sizes) <= 1


def test_track2_files_are_balanced_in_emobox_format(demo_root):
    track2 = _data(demo_root) / "track2"
    assert sorted(p.name for p in track2.iterdir()) == sorted(
        f"{name}_selected_balenced.jsonl" for name in TRACK2
    )
    for name, (folder, adapter, classes) in TRACK2.items():
        entries = _lines(track2 / f"{name}_selected_balenced.jsonl")
        assert all(list(e) == TRACK2_FIELDS for e in entries), name
        assert len({e["wav_filename"] for e in entries}) == len(entries), name
        per_class = Counter(e["label"] for e in entries)
        assert set(per_class) == TRACK2_CLASSES and len(set(per_class.values())) == 1, name
        _, found = _locations(demo_root, folder, adapter)
        available = Counter(classes[u.raw_label] for u in found.values()
                            if u.raw_label in classes)  # fmt: skip
        assert per_class["angry"] == min(available.values()), name  # as many as the demo has
        by_speaker = Counter((e["speaker"], e["label"]) for e in entries)
        if name in ("RAVDESS", "SAVEE"):  # every speaker has every class: evenly spread
            speakers = {u.speaker for u in found.values()}
            assert len(by_speaker) == 4 * len(speakers) and len(set(by_speaker.values())) == 1


@pytest.mark.parametrize("name", sorted(TRACK2))
def test_every_track2_entry_is_one_demo_utterance_of_its_label(demo_root, name):
    folder, adapter, classes = TRACK2[name]
    exp = Experiment.from_config("t2", {"scheme": "s", "protocol": "emobox_track2",
                                        "train": ["other"], "test": [name.lower()],
                                        "emobox_data": str(_data(demo_root))})  # fmt: skip
    locations, found = _locations(demo_root, folder, adapter)
    matched = match_entries(read_entries(exp), locations)
    assert len(matched) > 0 and matched["utt_id"].notna().all(), matched["reason"].unique()
    assert matched["utt_id"].is_unique
    labels = {e["wav_filename"]: e for e in _lines(_track2_file(demo_root, name))}
    for row in matched.itertuples():
        utt = found[row.utt_id]
        assert classes[utt.raw_label] == labels[row.path]["label"], row.path
        assert labels[row.path]["speaker"] in utt.speaker, row.path  # 01F in Ses01F, 15 in Actor_15


def test_every_fold_entry_is_one_demo_utterance(demo_root):
    exp = Experiment.from_config("box", {"scheme": "s", "protocol": "emobox_folds",
                                         "train": ["emodb"], "folds": EMODB_FOLDS,
                                         "emobox_data": str(_data(demo_root))})  # fmt: skip
    exp.check_emobox_data()
    locations, found = _locations(demo_root, "EmoDB", "emodb")
    matched = match_entries(read_entries(exp), locations)
    assert matched["utt_id"].notna().all(), matched["reason"].unique()
    assert sorted(matched["fold"].unique()) == list(range(EMODB_FOLDS))
    for _, fold in matched.groupby("fold"):  # each fold lists every utterance once
        assert sorted(fold["utt_id"]) == sorted(found)
    tests = matched[matched["part"] == "test"]
    assert sorted(tests["utt_id"]) == sorted(found)  # each in exactly one test set


def test_rewrite_is_byte_identical_and_seeded(demo_root, tmp_path):
    folders = ["EmoDB", "IEMOCAP", "MELD", "RAVDESS", "SAVEE"]
    for folder in folders:
        shutil.copytree(demo_root / folder, tmp_path / folder)
    truth: dict = {}
    emobox_data.write(tmp_path, 0, truth, folders)
    files = sorted(p for p in _data(demo_root).rglob("*") if p.is_file())
    assert len(files) == 2 + 2 * EMODB_FOLDS + len(TRACK2)
    for path in files:
        assert (tmp_path / path.relative_to(demo_root)).read_bytes() == path.read_bytes(), path
    assert truth["emobox"] == json.loads((demo_root / "demo_truth.json").read_text())["emobox"]
    other = tmp_path / "other"
    for folder in ("EmoDB", "SAVEE"):
        shutil.copytree(demo_root / folder, other / folder)
    emobox_data.write(other, 1, {}, ["EmoDB", "SAVEE"])
    fold = Path("EmoBox/data/emodb/fold_1/emodb_test_fold_1.jsonl")
    assert (other / fold).read_bytes() != (demo_root / fold).read_bytes()
    assert not (other / "EmoBox" / "data" / "track2" / "RAVDESS_selected_balenced.jsonl").exists()
