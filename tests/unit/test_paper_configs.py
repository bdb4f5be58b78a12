"""The strEmo (and its Whisper + SVM alternative) and multimodal paper configs follow their
papers: every preprocessing key stated, the settings the papers give, one split for Tables 6 and
8, and the bucketed speed variant."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from paper_config_checks import REPO, SCHEMA, load, unstated_preprocess_keys

from crossemo.balance import BalanceSettings
from crossemo.splits.experiment import Experiment

CONFIGS = ("strEmo.yaml", "strEmo_whisper_svm.yaml", "multimodal.yaml",
           "multimodal_hubert.yaml")  # fmt: skip
SPLIT_KEYS = ("scheme", "protocol", "train", "test", "fractions", "test_fraction", "split_unit",
              "dev_fraction", "dev_unit", "seed", "balance")  # fmt: skip


@pytest.mark.parametrize("name", CONFIGS)
def test_every_preprocess_key_is_stated_and_the_config_validates(name):
    config = load(name)
    missing = unstated_preprocess_keys(config)
    assert not missing, f"{name}: preprocess keys left to schema defaults: {missing}"
    jsonschema.validate(config, SCHEMA)


@pytest.mark.parametrize("name", CONFIGS)
def test_every_experiment_splits_and_balances(name):
    for exp_name, exp in load(name)["experiments"].items():
        Experiment.from_config(exp_name, exp)  # raises SplitError (e.g. fractions untrained)
        BalanceSettings.from_config(exp.get("balance"))


@pytest.mark.parametrize("name", CONFIGS)
def test_deviations_quote_the_paper(name):
    deviations = load(name)["deviations"]
    assert len(deviations) >= 5
    for entry in deviations:
        assert set(entry) <= {"topic", "paper", "ours", "keys"}
        assert entry["topic"] and len(entry["paper"]) > 20 and len(entry["ours"]) > 20


def test_strEmo_preprocesses_nothing_the_paper_does_not_state():
    config = load("strEmo.yaml")
    pre = config["preprocess"]
    assert pre["denoise"]["enabled"] is False
    assert pre["trim"]["method"] == "none"
    assert pre["min_duration"] == 0 and pre["max_duration"] is None
    assert config["transcribe"]["backend"] == "openai-whisper"
    assert config["transcribe"]["model"] == "large-v2"


def test_strEmo_batch_size_two_and_median_undersampling():
    exps = load("strEmo.yaml")["experiments"]
    for name, exp in exps.items():
        model = exp["model"]
        assert model["bucketing"] is False and model["batch_size"] == 2, name
        assert model.get("grad_accum", 1) == 1 and model["max_seconds"] is None, name
    for name in ("strEmo_ft_none", "strEmo_ft_com_bal"):
        assert exps[name]["balance"] == {
            "method": "undersample", "target": "median", "scope": "train_dev"
        }  # fmt: skip
    assert exps["strEmo_ft_com_unbal"]["balance"] == {"method": "none"}
    # Table 5 reports the RAVDESS-only model on StrEmo only; no MOSEI fractions
    assert exps["strEmo_ft_ravdess"]["train"] == ["ravdess"]
    assert exps["strEmo_ft_ravdess"]["test"] == ["strEmo"]
    assert "fractions" not in exps["strEmo_ft_ravdess"]


def test_bucketed_variant_changes_only_batching_and_says_so():
    paper = load("strEmo.yaml")
    variant = yaml.safe_load((REPO / "config" / "variants" / "strEmo_bucketed.yaml").read_text())
    assert set(variant) == {"experiments", "extra_deviations"}
    assert set(variant["experiments"]) == set(paper["experiments"])
    for exp in variant["experiments"].values():
        assert set(exp) == {"model"}
        assert set(exp["model"]) == {"bucketing", "batch_seconds", "max_batch_size"}
        assert exp["model"]["bucketing"] is True
    (entry,) = variant["extra_deviations"]
    assert "batch size we could use was 2" in entry["paper"]
    assert "different optimisation" in entry["ours"]
    jsonschema.validate(variant["extra_deviations"], SCHEMA["properties"]["extra_deviations"])


def test_multimodal_tables_6_and_8_share_audio_splits_and_balancing():
    table6 = load("multimodal.yaml")
    table8 = load("multimodal_hubert.yaml")
    assert table6["preprocess"] == table8["preprocess"]
    pre = table6["preprocess"]
    assert pre["sample_rate"] == 16000 and pre["denoise"]["enabled"] is True
    assert pre["trim"]["method"] == "energy" and pre["min_duration"] == 1.0
    assert pre["max_duration"] is None
    reference = table6["experiments"]["multimodal_table6"]
    for name, exp in table8["experiments"].items():
        for key in SPLIT_KEYS:
            assert exp.get(key) == reference.get(key), (name, key)
    assert reference["balance"]["cap"] == {"train": 1600, "dev": 400}


def test_multimodal_table8_baseline_rows_are_the_table6_classifiers():
    reference = load("multimodal.yaml")["experiments"]["multimodal_table6"]
    baselines = load("multimodal_hubert.yaml")["experiments"]["multimodal_table8_baselines"]
    assert baselines["model"]["family"] == ["knn", "mlp", "xgboost"]
    for key in ("features", "standardize"):
        assert baselines[key] == reference[key]
    assert baselines["model"]["refit_with_dev"] is reference["model"]["refit_with_dev"] is False
    for family in baselines["model"]["family"]:
        assert baselines["model"][family] == reference["model"][family]
