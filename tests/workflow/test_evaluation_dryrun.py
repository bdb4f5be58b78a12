"""Dry runs of the evaluation stage: one evaluate_experiment job per experiment writes metrics,
confusion figure, subgroups and calibration, on every run's test and dev predictions, the split,
each run's training view and the test corpora's manifests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow


def test_one_evaluation_job_writes_subgroups_and_calibration_of_every_run(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    targets = ["results/tables/subgroups_demo_egemaps_svm_emodb.csv",
               "results/figures/reliability_demo_egemaps_svm_emodb.png",
               "results/figures/confusion_demo_egemaps_svm_emodb.png"]  # fmt: skip
    proc = run_snakemake(tmp_path, config, "-n", "-p", *targets)
    jobs = planned_jobs(proc)
    assert jobs["evaluate_experiment"] == 1  # every output of the stage from one job
    assert jobs["train_classic"] == 5  # every fold's run
    assert jobs["balance_training_set"] == 5  # each run's view: training priors
    assert "ingest_corpus" in jobs  # the manifest of the test corpus: speaker attributes
    for fold in range(5):
        assert f"results/predictions/demo_egemaps_svm_emodb/fold{fold}.dev.parquet" in proc.stdout
