"""Dry run of the demo corpus matrix: one split, a view and a classic run per training source
(3 corpora alone + 3 leave-one-out), one evaluation and one matrix table + figure."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow


def test_the_demo_matrix_plans_one_run_per_training_source(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    target = "results/figures/corpus_matrix_demo_corpus_matrix.png"
    jobs = planned_jobs(run_snakemake(tmp_path, config, "-n", target))
    assert jobs["make_corpus_matrix"] == 1
    assert jobs["evaluate_experiment"] == 1
    assert jobs["train_classic"] == 6
    assert jobs["balance_training_set"] == 6  # a view per fold
    assert jobs["make_split"] == 1
