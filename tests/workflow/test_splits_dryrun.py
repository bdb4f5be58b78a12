"""Dry run of the labelling, split and balancing stages with the repository's own config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow


def expected(config: dict) -> tuple[dict[str, int], list[str]]:
    """Job counts of the three rules and their final targets, computed from the config."""
    experiments = config["experiments"]
    pairs = {
        (e["scheme"], c) for e in experiments.values() for c in [*e["train"], *e.get("test", [])]
    }
    folds = {
        name: (
            e.get("folds", 5) if e["protocol"] in ("speaker_kfold", "leave_one_session_out") else 1
        )
        for name, e in experiments.items()
    }
    targets = [f"results/splits/{n}.audit.csv" for n in experiments] + [
        f"results/views/{n}/fold{k}.parquet" for n, f in folds.items() for k in range(f)
    ]
    counts = {
        "apply_label_scheme": len(pairs),
        "make_split": len(experiments),
        "balance_training_set": sum(folds.values()),
    }
    return counts, targets


def test_dry_run_plans_labels_splits_and_views(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    assert config["experiments"], "the demo config defines experiments"
    counts, targets = expected(config)
    proc = run_snakemake(tmp_path, config, "-n", *targets)
    jobs = planned_jobs(proc)
    for rule, n in counts.items():
        assert jobs.get(rule) == n, (rule, jobs)


def test_demo_experiments_cover_every_protocol_but_stratified():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    protocols = {e["protocol"] for e in config["experiments"].values()}
    assert {"cross_corpus", "speaker_kfold", "leave_one_session_out"} <= protocols
