"""Dry run of the subgroup table: one job per experiment, on its runs' predictions, the split and
the test corpora's manifests (not the metrics)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow


def test_the_subgroup_table_is_planned_on_predictions_and_manifests(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    proc = run_snakemake(tmp_path, config, "-n", "-p",
                         "results/tables/subgroups_demo_egemaps_svm_emodb.csv")  # fmt: skip
    jobs = planned_jobs(proc)
    assert jobs["evaluate_subgroups"] == 1
    assert jobs["train_classic"] == 5  # every fold's run
    assert "evaluate_experiment" not in jobs
    assert "ingest_corpus" in jobs  # the manifest of the test corpus is an input
