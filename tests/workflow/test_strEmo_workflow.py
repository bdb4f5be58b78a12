"""The demo DAG's issue-3 stages by real Snakemake: StrEmo download/segment on loopback, Whisper
transcription and the MOSEI filter; a forced rerun of the download fetches only what is missing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crossemo.core.schemas import AudioShard, Manifest
from crossemo.strEmo.download import DownloadStatus
from crossemo.transcripts.filters import FilterTable
from crossemo.transcripts.transcribe import Transcripts

from .helpers import demo_config, planned_jobs, run_snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.slow]
TARGETS = ["results/filters/mosei.parquet", "results/tables/filter_steps_mosei.csv",
           "results/tables/download_status_strEmo.csv", "results/tables/overlaps_strEmo.csv",
           "results/audio/strEmo/0000.parquet"]  # fmt: skip


def _config(demo_root: Path) -> dict:
    config = demo_config(demo_root, corpora=["strEmo", "mosei"])
    download = config["corpora"]["strEmo"]["download"]
    download["serve_dir"] = str(demo_root / "StrEmo" / "media")
    return config


@pytest.fixture(scope="module")
def built(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("wf-strEmo")
    config = _config(demo_root)
    planned = planned_jobs(run_snakemake(workdir, config, "-n", *TARGETS))
    rules = ("download_videos", "segment_clips", "transcribe_shard", "filter_transcripts")
    assert {k: planned.get(k) for k in rules} == dict.fromkeys(rules, 1)
    run_snakemake(workdir, config, *TARGETS, timeout=1200)
    return workdir


def test_strEmo_status_manifest_and_shard(built):
    status = pd.read_parquet(built / "results/downloads/strEmo.status.parquet")
    DownloadStatus.validate(status)
    assert status["status"].value_counts().to_dict() == {"ok": 9, "unavailable": 1}
    table = pd.read_csv(built / "results/tables/download_status_strEmo.csv")
    assert table.iloc[0]["status"] == "unavailable" and "404" in table.iloc[0]["reason"]
    manifest = Manifest.validate(pd.read_parquet(built / "results/manifests/strEmo.parquet"))
    rejects = pd.read_parquet(built / "results/manifests/strEmo.rejects.parquet")
    assert set(rejects["reason"]) == {"zero_length", "invalid_video_id", "video_unavailable"}
    shard = AudioShard.validate(pd.read_parquet(built / "results/audio/strEmo/0000.parquet"))
    assert len(shard) == len(manifest)
    assert len(pd.read_csv(built / "results/tables/overlaps_strEmo.csv")) == 1


def test_mosei_filter_drops_the_mismatched_transcripts(built, demo_root):
    import json

    truth = json.loads((demo_root / "demo_truth.json").read_text())["quirks"]["CMU-MOSEI"]
    filt = FilterTable.validate(pd.read_parquet(built / "results/filters/mosei.parquet"))
    Transcripts.validate(pd.read_parquet(built / "results/transcripts/mosei/0000.parquet"))
    for item in truth["mismatched_transcripts"]:
        row = filt.set_index("utt_id").loc[f"mosei/{item['video_id']}_{item['segment_id']}"]
        assert not row.keep and row.reason == "low_similarity"
    steps = pd.read_csv(built / "results/tables/filter_steps_mosei.csv").set_index("step")
    assert list(steps.index) == ["manifest", "transcribed", "similar", "emotion_rule"]
    assert steps["total"].is_monotonic_decreasing
    assert steps.loc["emotion_rule", "total"] == filt["keep"].sum()
    assert steps.loc["emotion_rule", "undecided"] == 0


def test_forced_rerun_downloads_only_missing(built, demo_root):
    run_snakemake(built, _config(demo_root), "--forcerun", "download_videos",
                  "results/tables/download_status_strEmo.csv")  # fmt: skip
    status = pd.read_parquet(built / "results/downloads/strEmo.status.parquet")
    ok = status[status["status"] == "ok"]
    assert len(ok) == 9 and ok["cached"].all()
    assert status.loc[status["status"] != "ok", "attempts"].tolist() == [1]
