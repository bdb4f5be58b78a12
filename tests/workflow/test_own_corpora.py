"""The README's own-corpora path end to end: the demo first, then a config of one's own in the
same folder. A mistyped root stops at start-up with its key named; a real other copy is
ingested anew (never the demo's manifest reused); a stage handed a manifest of another source
refuses it."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from crossemo.core.provenance import read_provenance

from .helpers import demo_config, planned_jobs, run_snakemake


@pytest.mark.workflow
def test_own_corpus_after_the_demo(demo_root, tmp_path):
    work = tmp_path / "work"
    demo = demo_config(demo_root, corpora=["tess"])
    run_snakemake(work, demo, "audio")
    manifest = work / "results" / "manifests" / "tess.parquet"
    assert read_provenance(manifest)["source"] == str((demo_root / "TESS").resolve())
    demo_utts = len(pd.read_parquet(manifest))

    # a mistyped root: refused before any job, the key named
    mine = demo_config(demo_root, corpora=["tess"])
    mine["corpora"]["tess"]["root"] = str(tmp_path / "TESS-typo")
    proc = run_snakemake(work, mine, "-n", "audio", check=False)
    assert proc.returncode != 0
    assert (
        f"corpora.tess.root: {tmp_path / 'TESS-typo'} does not exist" in proc.stdout + proc.stderr
    )

    # one's own copy (one file fewer): ingested anew, and every stage after it reruns
    own = tmp_path / "my-TESS"
    shutil.copytree(demo_root / "TESS", own)
    dropped = sorted(own.rglob("*.wav"))[0]
    dropped.unlink()
    mine["corpora"]["tess"]["root"] = str(own)
    (dropped.parent / "notes.wav").write_text("not audio")  # a reject: said on the console
    jobs = planned_jobs(run_snakemake(work, mine, "-n", "audio"))
    assert jobs.get("ingest_corpus") == 1 and jobs.get("preprocess_audio") == 1, jobs
    console = run_snakemake(work, mine, "audio").stderr
    assert "inputs rejected" in console and "tess ingest: 1 " in console, console[-2000:]
    record = read_provenance(manifest)
    assert record["source"] == str(own) and record["adapter"] == "tess"
    assert len(pd.read_parquet(manifest)) == demo_utts - 1

    # a stage asked to read a manifest of another source (mtime-only triggers: no rerun of
    # ingestion) refuses it, naming both sources
    proc = run_snakemake(
        work, demo, "audio", "--rerun-triggers", "mtime", "--forcerun", "preprocess_audio",
        check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    log = (work / "logs" / "preprocess_audio" / "tess" / "0000.log").read_text()
    assert "was made from another source than corpora.tess names" in log
    assert str(own) in log and str((demo_root / "TESS").resolve()) in log
