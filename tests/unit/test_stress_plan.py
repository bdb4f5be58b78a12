"""Stress tests in the plan: the job lists of a small config and the start-up refusals."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from crossemo.core.configuration import prepare
from crossemo.corpora import ADAPTERS
from crossemo.plan import Plan

REPO = Path(__file__).resolve().parents[2]
SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
SCHEMES = REPO / "config" / "label_schemes"
DEMO = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
#: a cross-corpus classic experiment of the demo: train ravdess, test savee (one shard)
STRESSED = "demo_egemaps_rf_seeds"


def plan_of(stress: dict | None, experiments: dict) -> Plan:
    config = copy.deepcopy(DEMO)
    config.pop("stress", None)  # the demo's own stress set and stressed experiment left out
    for experiment in config["experiments"].values():
        experiment.pop("stress", None)
    if stress is not None:
        config["stress"] = stress
    for name, value in experiments.items():
        config["experiments"][name]["stress"] = value
    validate(config, SCHEMA)
    schemes = {p.stem: yaml.safe_load(p.read_text()) for p in SCHEMES.glob("*.yaml")}
    prepare(config, schemes, ADAPTERS)
    plan = Plan(config, SCHEMES, REPO / "src" / "crossemo" / "data" / "reference")
    plan.validate()
    return plan


CONDITIONS = [{"type": "identity"}, {"type": "noise", "color": "white", "snr_db": [-20, 10]}]


def test_no_stress_block_plans_nothing():
    plan = plan_of(None, {})
    assert plan.stressed_experiments == []
    assert plan.stress_jobs() == {"perturb_audio": [], "extract_stress_features": []}


def test_a_stressed_experiment_perturbs_its_test_corpora_only():
    plan = plan_of({"conditions": CONDITIONS}, {STRESSED: True})
    assert plan.stressed_experiments == [STRESSED]
    names = ["identity", "noise_white_snr-20dB", "noise_white_snr10dB"]
    assert list(plan.stress_conditions(STRESSED)) == names
    jobs = plan.stress_jobs()
    test = plan.test_corpora(STRESSED)
    assert {corpus for _, corpus, _ in jobs["perturb_audio"]} == set(test)
    assert not set(plan.training_corpora(STRESSED)) & set(test)
    shards = sum(len(plan.shard_names(c)) for c in test)
    assert len(jobs["perturb_audio"]) == 3 * shards
    featuresets = plan.featuresets_of(STRESSED)
    assert len(jobs["extract_stress_features"]) == 3 * shards * len(featuresets)
    assert set(plan.stress_targets()) <= set(plan.all_targets())
    assert "results/stress/features/" in plan.stress_targets()[0]


def test_an_experiment_may_list_its_own_conditions():
    own = {"conditions": [{"type": "codec", "codec": "gsm"}]}
    plan = plan_of({"conditions": CONDITIONS}, {STRESSED: own})
    assert list(plan.all_stress_conditions()) == ["codec_gsm"]


@pytest.mark.parametrize(
    ("stress", "experiments", "message"),
    [
        ({"conditions": [{"type": "noise", "color": "red", "snr_db": 0}]}, {STRESSED: True},
         "stress.conditions[0].color"),
        ({"conditions": [{"type": "noise", "color": "babble", "snr_db": 0}]}, {STRESSED: True},
         "stress.babble.corpus"),
        ({"conditions": [{"type": "noise", "color": "babble", "snr_db": 0}],
          "babble": {"corpus": "ravdess"}}, {STRESSED: True}, "ravdess trains"),
        ({"conditions": []}, {STRESSED: True}, f"experiments.{STRESSED}.stress"),
        ({"conditions": CONDITIONS}, {"demo_valence_cross": True}, "no model"),
        (None, {STRESSED: {"conditions": [{"type": "gain"}]}},
         f"experiments.{STRESSED}.stress.conditions[0].db"),
    ],
)  # fmt: skip
def test_start_up_refuses_by_key(stress, experiments, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        plan_of(stress, experiments)


def test_the_schema_refuses_unknown_stress_keys():
    config = copy.deepcopy(DEMO)
    config["stress"] = {"conditions": [], "sed": 1}
    with pytest.raises(WorkflowError, match="sed"):
        validate(config, SCHEMA)
