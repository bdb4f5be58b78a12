"""Duplicate recordings: fingerprints of demo speech against ffmpeg copies and other takes, the
duplicates table, and a split that puts one recording in train and test (under two corpus
names) failing with both utterances named."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import require_tools

from crossemo.audio.decode import load
from crossemo.audio.fingerprint import (
    NEAR_THRESHOLD,
    PRINTS_ARROW,
    bit_error_rate,
    fingerprint_shard,
    near_print,
)
from crossemo.audio.preprocess import PreprocessSettings, preprocess_shard, process
from crossemo.core.schemas import AudioPrints, Manifest, read_table, write_table
from crossemo.corpora import ingest
from crossemo.labels import label_corpus
from crossemo.splits.build import make_split
from crossemo.splits.duplicates import duplicate_table, find_duplicates, read_prints
from crossemo.splits.experiment import SplitLeakError

REPO = Path(__file__).resolve().parents[2]
SETTINGS = PreprocessSettings.from_config({})


@pytest.fixture(scope="module")
def ravdess(tmp_path_factory) -> Path:
    """Two actors of the demo RAVDESS (publisher layout)."""
    require_tools("espeak-ng", "ffmpeg")
    from crossemo.demo import synthesize

    out = tmp_path_factory.mktemp("demo")
    synthesize(out, seed=0, corpora=["RAVDESS"])
    root = tmp_path_factory.mktemp("ravdess")
    for actor in ("Actor_01", "Actor_02"):
        shutil.copytree(out / "RAVDESS" / actor, root / actor)
    return root


def prepared(path: Path) -> str:
    samples, sr = load(path)
    audio, _ = process(samples, sr, SETTINGS)
    return near_print(audio, SETTINGS.sample_rate)


def ffmpeg(source: Path, target: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(source), *args, str(target)],
                   check=True)  # fmt: skip
    return target


COPIES = {
    "mp3_64k.mp3": ("-b:a", "64k"),
    "mp3_128k_minus4db.mp3": ("-b:a", "128k", "-af", "volume=-4dB"),
    "resampled_22k_plus3db.wav": ("-ar", "22050", "-af", "volume=3dB"),
}


def test_re_encoded_copies_match(ravdess, tmp_path):
    for source in sorted((ravdess / "Actor_01").glob("*.wav"))[::6]:
        original = prepared(source)
        for name, args in COPIES.items():
            copy = prepared(ffmpeg(source, tmp_path / name, *args))
            assert bit_error_rate(original, copy) <= NEAR_THRESHOLD, (source.name, name)


def test_other_takes_of_one_sentence_by_one_speaker_do_not_match(ravdess):
    # RAVDESS 03-01-EE-II-SS-RR-AA: same statement SS and actor AA, other emotion or intensity
    for actor in ("Actor_01", "Actor_02"):
        files = sorted((ravdess / actor).glob("03-01-*-01-*.wav"))
        by_statement: dict[str, list[Path]] = {}
        for path in files:
            by_statement.setdefault(path.stem.split("-")[4], []).append(path)
        for takes in by_statement.values():
            prints = [prepared(p) for p in takes]
            for i in range(len(prints)):
                for j in range(i + 1, len(prints)):
                    ber = bit_error_rate(prints[i], prints[j])
                    assert ber > NEAR_THRESHOLD, (takes[i].name, takes[j].name, ber)


def shard(root: Path, corpus: str, out: Path) -> dict[str, Path]:
    """Ingest, preprocess (one shard), fingerprint and label ``root`` as ``corpus``."""
    manifest, _ = ingest("ravdess", root, corpus)
    paths = {k: out / f"{corpus}.{k}.parquet" for k in
             ("manifest", "shard", "rejects", "prints", "labels", "dropped")}  # fmt: skip
    write_table(manifest, paths["manifest"], Manifest)
    preprocess_shard(paths["manifest"], "0000", 1, SETTINGS, paths["shard"], paths["rejects"])
    fingerprint_shard(paths["shard"], paths["prints"])
    label_corpus(paths["manifest"], [paths["shard"]], [paths["rejects"]],
                 REPO / "config/label_schemes/basic4.yaml", paths["labels"],
                 paths["dropped"])  # fmt: skip
    return paths


def test_one_recording_in_train_and_test_under_two_corpus_names_fails_the_split(ravdess, tmp_path):
    a = shard(ravdess, "ravdess", tmp_path)
    b = shard(ravdess, "ravdess_copy", tmp_path)
    pairs = duplicate_table([a["prints"], b["prints"]], tmp_path / "duplicates.csv")
    assert set(pairs["kind"]) == {"exact"} and set(pairs["scope"]) == {"across_corpora"}
    assert len(pairs) == len(pd.read_parquet(a["prints"]))
    cfg = {"scheme": "basic4", "protocol": "cross_corpus", "train": ["ravdess"],
           "test": ["ravdess_copy"]}  # fmt: skip
    args = ([a["labels"], b["labels"]], REPO / "config/label_schemes/basic4.yaml", cfg, "twice",
            tmp_path / "twice.parquet", tmp_path / "twice.audit.csv")  # fmt: skip
    with pytest.raises(SplitLeakError) as err:
        make_split(*args, manifest_paths=[a["manifest"], b["manifest"]],
                   print_paths=[a["prints"], b["prints"]])  # fmt: skip
    message = str(err.value)
    test_utt = message.split("test utterance ")[1].split(" ")[0]
    assert test_utt.startswith("ravdess_copy/")
    assert f"train utterance ravdess/{test_utt.split('/', 1)[1]} " in message
    assert not (tmp_path / "twice.parquet").exists()
    # the same split without the copy passes
    cfg["test"] = []
    cfg["train"] = ["ravdess"]
    cfg["protocol"] = "speaker_kfold"
    cfg["folds"] = 2
    make_split([a["labels"]], args[1], cfg, "once", tmp_path / "once.parquet",
               tmp_path / "once.audit.csv", manifest_paths=[a["manifest"]],
               print_paths=[a["prints"]])  # fmt: skip


def test_near_copy_within_a_corpus_is_reported(ravdess, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(ravdess / "Actor_01", root / "Actor_01")
    source = root / "Actor_01" / "03-01-05-01-01-01-01.wav"
    # the same recording re-encoded under another repetition number: one recording, two ids
    ffmpeg(source, root / "Actor_01" / "03-01-05-01-01-02-01.mp3", "-b:a", "96k")
    paths = shard(root, "r", tmp_path)
    pairs = find_duplicates(read_prints([paths["prints"]]))
    assert list(zip(pairs["utt_a"], pairs["utt_b"], pairs["kind"], pairs["scope"],
                    strict=True)) == [("r/03-01-05-01-01-01-01", "r/03-01-05-01-01-02-01",
                                       "near", "within_corpus")]  # fmt: skip
    assert 0 < pairs["bit_error_rate"].iloc[0] <= NEAR_THRESHOLD


def test_exact_print_is_the_hash_of_the_stored_pcm(ravdess, tmp_path):
    import hashlib

    import pyarrow.parquet as pq

    paths = shard(ravdess / "Actor_02", "x", tmp_path)
    prints = read_table(paths["prints"], AudioPrints).set_index("utt_id")
    stored = pq.read_table(paths["shard"], columns=["utt_id", "samples", "duration"]).to_pydict()
    kept = len(pd.read_parquet(paths["manifest"])) - len(pd.read_parquet(paths["rejects"]))
    assert sorted(prints.index) == sorted(stored["utt_id"]) and len(stored["utt_id"]) == kept > 0
    for utt_id, pcm, duration in zip(*stored.values(), strict=True):
        assert prints.at[utt_id, "pcm_sha256"] == hashlib.sha256(pcm).hexdigest()  # s16le bytes
        assert prints.at[utt_id, "duration"] == duration


def test_prints_job_writes_the_audio_prints_contract(tmp_path):
    from crossemo.audio.shards import SHARD_SCHEMA

    assert PRINTS_ARROW.names == list(AudioPrints.to_schema().columns)
    # a shard that kept no clip (all rejected) has an empty prints table, valid as such
    empty = tmp_path / "empty.parquet"
    pq_write_empty(SHARD_SCHEMA, empty)
    assert fingerprint_shard(empty, tmp_path / "empty.prints.parquet") == 0
    table = read_table(tmp_path / "empty.prints.parquet", AudioPrints)
    assert len(table) == 0 and list(table.columns) == PRINTS_ARROW.names


def pq_write_empty(schema, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(schema.empty_table(), path)


def _reference_band_energies(x: np.ndarray, sr: int, frame_s: float, hop: int) -> np.ndarray:
    """The tolerant print's band energies written plainly in float64: Hann frames, |rfft|^2
    summed over 20 mel-spaced bands from 100 to 4000 Hz (bin edges rounded), log10."""
    frame = int(round(frame_s * sr))
    mel = np.linspace(2595 * np.log10(1 + 100 / 700), 2595 * np.log10(1 + 4000 / 700), 21)
    edges = np.clip(np.round(700 * (10 ** (mel / 2595) - 1) * frame / sr).astype(int), 1,
                    frame // 2)  # fmt: skip
    rows = []
    for start in range(0, len(x) - frame + 1, hop):
        power = np.abs(np.fft.rfft(x[start : start + frame] * np.hanning(frame))) ** 2
        bands = zip(edges[:-1], edges[1:], strict=True)
        rows.append([power[lo : max(hi, lo + 1)].sum() for lo, hi in bands])
    return np.log10(np.array(rows) + 1e-10)


@pytest.mark.parametrize("seconds", [1.0, 3.0])
def test_band_energies_match_a_plain_float64_computation(seconds):
    """Consecutive frames for a clip long enough for every stretch of the print to hold whole
    frames; overlapping ones (at least one per stretch) for a shorter clip."""
    from crossemo.audio.fingerprint import FRAME_S, N_SEGMENTS, band_energies

    sr = 16000
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * 440 * t * (1 + t)) + 0.01 * rng.normal(size=len(t))
    frame = int(round(FRAME_S * sr))
    hop = frame if len(x) >= N_SEGMENTS * frame else (len(x) - frame) // (N_SEGMENTS - 1)
    expected = _reference_band_energies(x, sr, FRAME_S, hop)
    got = band_energies(x.astype(np.float32), sr)
    assert len(got) >= N_SEGMENTS and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=2e-3)
