"""The demo's EmoBox corpora (EMOVO, MELD, PAVOQUE): the publishers' layouts, sample rates,
sheets and segmentations, and byte-identical reruns.

Names, folders, columns and rates are the publishers' (and EmoBox's) specifications, written here,
never read from ``crossemo.demo``; how many files the demo writes comes from ``demo_truth.json``.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import soundfile as sf
import yaml

from crossemo import demo

EMOVO_NAME = re.compile(
    r"^(neu|gio|tri|rab|pau|dis|sor)-([fm][1-3])-(b[1-3]|l[1-4]|n[1-5]|d[12])\.wav$"
)
MELD_CLIP = re.compile(r"^dia(\d+)_utt(\d+)\.mp4$")
MELD_COLUMNS = ["Sr No.", "Utterance", "Speaker", "Emotion", "Sentiment", "Dialogue_ID",
                "Utterance_ID", "Season", "Episode", "StartTime", "EndTime"]  # fmt: skip
MELD_EMOTIONS = {"neutral", "joy", "sadness", "surprise", "disgust", "anger", "fear"}
MELD_TIME = re.compile(r"^\d\d:\d\d:\d\d,\d{3}$")
PAVOQUE_RECORDINGS = {"neutral", "angry", "happy", "sad", "poker", "outtakes"}
PAVOQUE_PROMPT = re.compile(r"^[a-z_]+\d{4}[a-z]?$")
#: the demo config's shortest utterance: a shorter segment would be rejected on preprocessing
MIN_DURATION = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "config" / "config.yaml").read_text()
)["preprocess"]["min_duration"]


def _truth(root: Path) -> dict:
    return json.loads((root / "demo_truth.json").read_text())


def _probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,sample_rate",
         "-of", "json", str(path)], capture_output=True, text=True, check=True)  # fmt: skip
    return {s["codec_type"]: s for s in json.loads(out.stdout)["streams"]}


def test_emovo_layout(demo_root):
    files = sorted((demo_root / "EMOVO").rglob("*.wav"))
    assert len(files) == _truth(demo_root)["files"]["EMOVO"]
    actors = set()
    for path in files:
        m = EMOVO_NAME.match(path.name)
        assert m and path.parent.name == m[2] and path.parent.parent.name == "EMOVO", path
        actors.add(m[2])
        info = sf.info(path)
        assert info.samplerate == 48000 and info.channels == 1 and 1.0 < info.duration < 6.0
    genders = {a: _truth(demo_root)["speakers"][f"EMOVO/{a}"] for a in actors}
    assert genders == {a: {"f": "female", "m": "male"}[a[0]] for a in actors}
    assert len({g for g in genders.values()}) == 2  # women and men


def test_meld_clips_and_sheet(demo_root):
    root = demo_root / "MELD" / "train"
    with (root / "train_sent_emo.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == MELD_COLUMNS
    table = [dict(zip(MELD_COLUMNS, r, strict=True)) for r in rows[1:]]
    clips = sorted((root / "train_splits").glob("*.mp4"))
    assert len(clips) == len(table) == _truth(demo_root)["files"]["MELD"]
    keys = {(int(r["Dialogue_ID"]), int(r["Utterance_ID"])) for r in table}
    assert keys == {tuple(int(g) for g in MELD_CLIP.match(p.name).groups()) for p in clips}
    assert {r["Emotion"] for r in table} <= MELD_EMOTIONS
    assert all(MELD_TIME.match(r["StartTime"]) and MELD_TIME.match(r["EndTime"]) for r in table)
    assert [int(r["Sr No."]) for r in table] == list(range(1, len(table) + 1))
    streams = _probe(clips[0])
    assert set(streams) == {"video", "audio"} and streams["audio"]["sample_rate"] == "48000"


def test_pavoque_recordings_and_segmentations(demo_root):
    root = demo_root / "PAVOQUE"
    flacs = sorted(root.glob("pavoque-*.flac"))
    assert len(flacs) == _truth(demo_root)["files"]["PAVOQUE"]
    segments = 0
    for flac in flacs:
        assert flac.stem.removeprefix("pavoque-") in PAVOQUE_RECORDINGS
        info = sf.info(flac)
        assert info.samplerate == 44100 and info.channels == 1
        entries = yaml.safe_load(flac.with_suffix(".yaml").read_text(encoding="utf-8"))
        assert isinstance(entries, list) and entries
        ends = 0.0
        for e in entries:
            assert set(e) == {"prompt", "style", "start", "end", "text"}
            assert PAVOQUE_PROMPT.match(e["prompt"]) and e["text"]
            assert ends <= e["start"] < e["end"] <= info.duration  # in order, inside the audio
            assert e["end"] - e["start"] >= 1.2 * MIN_DURATION  # kept after silence trimming
            ends = e["end"]
        styles = {e["style"] for e in entries}
        if flac.stem == "pavoque-outtakes":  # further takes (a take letter) in several styles
            assert len(styles) > 1 and all(e["prompt"][-1].isalpha() for e in entries)
        else:
            assert styles == {flac.stem.removeprefix("pavoque-")}
        segments += len(entries)
    assert segments == _truth(demo_root)["quirks"]["PAVOQUE"]["segments"]


def test_pavoque_rerun_is_byte_identical(demo_root, tmp_path):
    demo.synthesize(tmp_path, seed=0, corpora=["PAVOQUE"])
    files = sorted(p for p in (demo_root / "PAVOQUE").rglob("*") if p.is_file())
    assert len(files) == 2 * _truth(demo_root)["files"]["PAVOQUE"]  # FLAC + YAML each
    for path in files:
        assert (tmp_path / path.relative_to(demo_root)).read_bytes() == path.read_bytes(), path


def test_meld_clips_rerun_byte_identical(demo_root, tmp_path, monkeypatch):
    """A clip depends on its dialogue, utterance and the seed only: one short dialogue again."""
    monkeypatch.setitem(demo.SIZES, "MELD", {"dialogues": 1, "utterances_per_dialogue": 3})
    demo.synthesize(tmp_path, seed=0, corpora=["MELD"])
    clips = sorted((tmp_path / "MELD" / "train" / "train_splits").glob("*.mp4"))
    assert [p.name for p in clips] == ["dia0_utt0.mp4", "dia0_utt1.mp4", "dia0_utt2.mp4"]
    for path in clips:
        assert path.read_bytes() == (demo_root / path.relative_to(tmp_path)).read_bytes(), path
    sheet = Path("MELD/train/train_sent_emo.csv")
    again = (tmp_path / sheet).read_text().splitlines()
    assert again == (demo_root / sheet).read_text().splitlines()[: len(again)]
