"""Dry run of a paired comparison: the rule is planned on the two sides' predictions only, and
a pair on different test utterances is refused at start-up, by its key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow
TARGET = "results/tables/compare_demo_xgboost_vs_knn.csv"


def test_a_comparison_plans_its_rule_on_both_sides_predictions(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    jobs = planned_jobs(run_snakemake(tmp_path, config, "-n", TARGET))
    assert jobs["compare_experiments"] == 1
    assert jobs["train_classic"] == 2  # the xgboost and knn runs, not the other six families
    assert "evaluate_experiment" not in jobs  # predictions, not metrics, feed it


def test_a_pair_on_other_test_utterances_is_refused_by_name(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["comparisons"]["cross_vs_kfold"] = {"a": "demo_egemaps_svm_cross",
                                               "b": "demo_egemaps_svm_emodb"}  # fmt: skip
    proc = run_snakemake(tmp_path, config, "-n", TARGET, check=False)
    assert proc.returncode != 0
    assert "comparisons.cross_vs_kfold" in proc.stdout + proc.stderr


def test_an_unpaired_pair_of_two_protocols_plans_both_splits(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    kfold = {k: v for k, v in config["experiments"]["demo_egemaps_svm_emodb"].items()
             if k != "paper"}  # fmt: skip
    config["experiments"]["emodb_leakfree"] = {**kfold, "disjoint": ["speaker", "sentence"]}
    config["comparisons"]["emodb_leak"] = {"a": "demo_egemaps_svm_emodb", "b": "emodb_leakfree",
                                           "paired": False}  # fmt: skip
    jobs = planned_jobs(
        run_snakemake(tmp_path, config, "-n", "results/tables/compare_emodb_leak.csv")
    )
    assert jobs["compare_experiments"] == 1
    assert jobs["make_split"] == 2  # each side's split table: its own groups
    assert jobs["train_classic"] == 10  # five folds each
    config["comparisons"]["emodb_leak"]["paired"] = True
    proc = run_snakemake(tmp_path, config, "-n", TARGET, check=False)
    assert proc.returncode != 0 and "set paired: false" in proc.stdout + proc.stderr
