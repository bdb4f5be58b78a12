"""The demo DAG through preprocessing, run by real Snakemake."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crossemo.core.schemas import AudioShard, Manifest, Rejects

from .helpers import demo_config, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow

CORPORA = ["ravdess", "tess", "emodb", "mosei"]


@pytest.fixture(scope="module")
def preprocessed(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    workdir = tmp_path_factory.mktemp("wf-preprocess")
    config = demo_config(demo_root, corpora=CORPORA)
    run_snakemake(workdir, config, "audio")
    return workdir, config


def test_every_corpus_is_ingested_and_sharded(preprocessed):
    workdir, config = preprocessed
    for corpus in CORPORA:
        path = workdir / f"results/manifests/{corpus}.parquet"
        manifest = Manifest.validate(pd.read_parquet(path))
        Rejects.validate(pd.read_parquet(workdir / f"results/manifests/{corpus}.rejects.parquet"))
        n_shards = config["corpora"][corpus]["n_shards"]
        shards = [workdir / f"results/audio/{corpus}/{i:04d}.parquet" for i in range(n_shards)]
        kept = pd.concat([pd.read_parquet(p) for p in shards], ignore_index=True)
        AudioShard.validate(kept)
        dropped = pd.concat(
            [pd.read_parquet(str(p).replace(".parquet", ".rejects.parquet")) for p in shards],
            ignore_index=True,
        )
        # conservation: every manifest row is in exactly one shard or its rejects
        assert sorted(kept["utt_id"].tolist() + dropped["utt_id"].tolist()) == sorted(
            manifest["utt_id"]
        )
        assert (kept["sample_rate"] == 16000).all()
        assert kept["duration"].min() >= config["preprocess"]["min_duration"]
        assert len(kept) > 0.8 * len(manifest)


def test_segment_sources_are_cut_by_times(preprocessed):
    workdir, _ = preprocessed
    manifest = pd.read_parquet(workdir / "results/manifests/mosei.parquet").set_index("utt_id")
    shard = pd.read_parquet(workdir / "results/audio/mosei/0000.parquet").set_index("utt_id")
    assert manifest["start"].notna().all()
    seg = manifest.loc[shard.index, "end"] - manifest.loc[shard.index, "start"]
    # each clip comes from its segment: never longer than it
    assert (shard["source_duration"] <= seg + 1e-3).all()


def test_up_to_date_after_run(preprocessed):
    workdir, config = preprocessed
    proc = run_snakemake(workdir, config, "audio", "-n")
    assert planned_jobs(proc) == {}


def test_changing_a_preprocess_setting_reruns_only_preprocessing(preprocessed):
    workdir, config = preprocessed
    changed = {**config, "preprocess": {**config["preprocess"], "min_duration": 1.5}}
    proc = run_snakemake(workdir, changed, "audio", "-n")
    jobs = planned_jobs(proc)
    n_shards = sum(config["corpora"][c]["n_shards"] for c in CORPORA)
    assert jobs == {"preprocess_audio": n_shards, "audio": 1}
