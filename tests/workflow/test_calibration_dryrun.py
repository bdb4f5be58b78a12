"""Dry run of the calibration table: one job per experiment on its runs' test and dev
predictions and training views; the dev predictions come from the classic training jobs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow


def test_the_calibration_table_is_planned_on_test_and_dev_predictions(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    target = "results/figures/reliability_demo_egemaps_svm_cross.png"
    proc = run_snakemake(tmp_path, config, "-n", target)
    jobs = planned_jobs(proc)
    assert jobs["evaluate_calibration"] == 1
    assert jobs["train_classic"] == 1  # its one run writes test and dev predictions
    assert jobs["balance_training_set"] == 1  # the view: training priors
    assert "results/predictions/demo_egemaps_svm_cross/main.dev.parquet" in proc.stdout
