"""Dry run of a late-fusion experiment (family ensemble): one combine job per run on its
members' predictions, its evaluation and its table of members and ensemble side by side."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from crossemo.plan import split_keys

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow


def test_an_ensemble_plans_one_combine_job_per_run_on_its_members(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    exps = config["experiments"]
    base = exps["demo_whisper_svm_cross"]  # and demo_egemaps_svm_loco: the same split
    exps["demo_fusion"] = {
        **{k: copy.deepcopy(base[k]) for k in split_keys() if k in base},
        "balance": base["balance"],
        "model": {"family": "ensemble", "combine": "stacking",
                  "members": ["demo_whisper_svm_cross", "demo_egemaps_svm_loco"]},
    }  # fmt: skip
    targets = ["results/tables/ensemble_demo_fusion.csv", "results/metrics/demo_fusion.csv"]
    jobs = planned_jobs(run_snakemake(tmp_path, config, "-n", *targets))
    assert jobs["combine_ensemble"] == 1 and jobs["make_ensemble_table"] == 1
    assert jobs["train_classic"] == 2  # each member's one run, nothing else
    assert jobs["evaluate_experiment"] == 1  # the ensemble's metrics
