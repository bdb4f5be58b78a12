"""Dry run of stress tests on the demo config: one perturb_audio job per (condition, test
corpus, shard), one extract_stress_features job per feature set on top, nothing for training
corpora."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake

pytestmark = pytest.mark.workflow
STRESSED = "demo_egemaps_rf_seeds"  # train ravdess, test savee (one shard), egemaps


def test_stress_conditions_plan_their_perturbation_and_feature_jobs(tmp_path: Path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for experiment in config["experiments"].values():  # the demo's own stressed experiment out
        experiment.pop("stress", None)
    config["stress"] = {
        "conditions": [{"type": "identity"}, {"type": "noise", "color": "babble", "snr_db": 0},
                       {"type": "codec", "codec": "gsm"}],
        "babble": {"corpus": "emodb"},
    }  # fmt: skip
    config["experiments"][STRESSED]["stress"] = True
    target = "results/stress/features/egemaps/noise_babble_snr0dB/savee/0000.parquet"
    jobs = planned_jobs(run_snakemake(tmp_path, config, "-n", target))
    assert jobs["perturb_audio"] == 1
    assert jobs["extract_stress_features"] == 1
    assert jobs["preprocess_audio"] == 2  # savee, and emodb for the babble
    everything = planned_jobs(run_snakemake(tmp_path, config, "-n"))
    assert everything["perturb_audio"] == 3  # three conditions x savee's one shard
    assert everything["extract_stress_features"] == 3
