"""A 2-hour recording in a corpus: the run and its report go through under a few GB of address
space per process (`ulimit -v`), the recording truncated to max_duration and the clips beside
it kept (preprocessing reads it only up to preprocess.max_source_duration)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from crossemo.audio.shards import read_shard_meta

from .helpers import REPO, SNAKEMAKE, demo_config, run_snakemake

sys.path.insert(0, str(REPO / "tests" / "unit"))
from audio_quirks import long_wav  # noqa: E402

#: address space of each process of the run (ulimit -v, KiB): 4 GiB; the recording decoded
#: whole is 2.8 GB of float32 frames, 4.2 GB with its 16-bit PCM
LIMIT_KIB = 4 * 2**20


@pytest.mark.workflow
def test_a_two_hour_recording_under_ulimit(demo_root, tmp_path):
    root = tmp_path / "RAVDESS"
    shutil.copytree(demo_root / "RAVDESS", root)
    take = sorted(root.glob("Actor_01/*.wav"))[0]
    long_wav(take, seconds=7200)  # 48 kHz stereo, 60 s voiced, then a sparse silent tail
    config = demo_config(demo_root, corpora=["ravdess"])
    config["corpora"]["ravdess"]["root"] = str(root)
    experiment = demo_config(demo_root)["experiments"]["demo_egemaps_svm_emodb"]
    experiment.pop("paper")
    config["experiments"] = {"long_svm": {**experiment, "train": ["ravdess"], "folds": 2}}
    work = tmp_path / "work"
    run_snakemake(work, config, "-n", "all")  # writes config.yaml; plans without the limit
    snakemake = [SNAKEMAKE, "--snakefile",
                 str(REPO / "Snakefile"), "--directory", str(work), "--configfile",
                 str(work / "config.yaml"), "--cores", "1"]  # fmt: skip
    for args in (["all"], ["--report", str(work / "report.html")]):
        proc = subprocess.run(
            ["bash", "-c", f'ulimit -v {LIMIT_KIB} && exec "$@"', "run", *snakemake, *args],
            capture_output=True, text=True, timeout=900, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    shards = sorted((work / "results/audio/ravdess").glob("[0-9][0-9][0-9][0-9].parquet"))
    meta = read_shard_meta(shards)
    utt = f"ravdess/{take.stem}"
    row = meta.set_index("utt_id").loc[utt]
    assert row["duration"] == pytest.approx(config["preprocess"]["max_duration"])
    manifest = pd.read_parquet(work / "results/manifests/ravdess.parquet")
    assert set(meta["utt_id"]) == set(manifest["utt_id"])  # every other clip kept too
    assert (work / "report.html").stat().st_size > 10_000
