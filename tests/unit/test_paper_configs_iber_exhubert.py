"""The iberspeech and ExHuBERT paper configs follow their papers: every preprocessing key
stated (nothing the papers do not describe), the "30000 epoch" budget, the SVM grid, the
ExHuBERT two-stage protocol on seen/unseen corpora, and deviations quoting the papers."""

from __future__ import annotations

import re

import jsonschema
import pytest
from paper_config_checks import REPO, SCHEMA, load, unstated_preprocess_keys

from crossemo.splits.experiment import Experiment

CONFIGS = ("iberspeech.yaml", "iberspeech_hubert.yaml", "exhubert.yaml")
PAPER_TEXT = {
    name: (REPO.parent / "shared" / "papers" / text)
    for name, text in (("iberspeech.yaml", "iberspeech_cross_corpus_hubert_svm.txt"),
                       ("iberspeech_hubert.yaml", "iberspeech_cross_corpus_hubert_svm.txt"),
                       ("exhubert.yaml", "exhubert_block_expansion.txt"))
}  # fmt: skip


def normalise(text: str) -> str:
    """Letters and digits only, lower case, Greek spelt out, footnote lines removed: a quote
    matches the extracted paper text across hyphenated line and page breaks and TeX."""
    text = re.sub(r"(?m)^\d+https?://\S+$", "", text)
    for greek, name in (("β", "beta"), ("ε", "epsilon"), ("γ", "gamma")):
        text = text.replace(greek, name)
    return re.sub(r"[^a-z0-9]", "", text.lower())


@pytest.mark.parametrize("name", CONFIGS)
def test_every_preprocess_key_stated_and_nothing_added(name):
    config = load(name)
    missing = unstated_preprocess_keys(config)
    assert not missing, f"{name}: preprocess keys left to schema defaults: {missing}"
    pre = config["preprocess"]
    # iberspeech "All audio samples are clean, mono-channel and their sample rate is 16 kHz";
    # ExHuBERT "raw audio waveforms resampled to 16 kHz"
    assert pre["sample_rate"] == 16000
    assert pre["denoise"]["enabled"] is False and pre["trim"]["method"] == "none"
    assert pre["min_duration"] == 0 and pre["max_duration"] is None
    jsonschema.validate(config, SCHEMA)


@pytest.mark.parametrize("name", CONFIGS)
def test_every_experiment_splits(name):
    for exp_name, exp in load(name)["experiments"].items():
        Experiment.from_config(exp_name, exp)


@pytest.mark.parametrize("name", CONFIGS)
def test_deviations_quote_the_paper(name):
    config = load(name)
    assert set(config) <= {"demo", "corpora", "preprocess", "experiments", "evaluation",
                           "deviations", "comparisons"}  # fmt: skip
    deviations = config["deviations"]
    assert len(deviations) >= 5
    paper = normalise(PAPER_TEXT[name].read_text()) if PAPER_TEXT[name].exists() else None
    for entry in deviations:
        assert set(entry) <= {"topic", "paper", "ours", "keys"}
        assert entry["topic"] and len(entry["paper"]) > 20 and len(entry["ours"]) > 20
        if paper is not None and "UAR =" not in entry["paper"]:  # Eq. 1 is typeset
            for part in entry["paper"].split("[...]"):  # the paper's words, verbatim
                assert normalise(part) in paper, (entry["topic"], part[:60])
    jsonschema.validate(deviations, SCHEMA["properties"]["deviations"])
    topics = " ".join(d["topic"] for d in deviations)
    expected = {"iberspeech.yaml": ("gender", "Development", "C/gamma", "30000"),
                "iberspeech_hubert.yaml": ("30000", "gender", "Development", "Encoder",
                                           "CNN self-attention"),
                "exhubert.yaml": ("EmoSet++", "arousal_valence6", "Trainable parameters",
                                  "Encoder", "stages")}[name]  # fmt: skip
    for word in expected:
        assert word in topics, (name, word)


def test_iberspeech_svm_grid_is_stated():
    for name, exp in load("iberspeech.yaml")["experiments"].items():
        model = exp["model"]
        assert model["family"] == "svm" and model["select_on"] == "dev", name
        assert model["grid"]["C"] == {"base": 2, "from": -5, "to": 15, "step": 2}
        assert model["grid"]["gamma"] == {"base": 2, "from": -15, "to": 3, "step": 2}
        assert exp["dev_fraction"] == 0.1 and exp["dev_unit"] == "utterance", name
        assert exp.get("folds", 5) == 5


def test_iberspeech_hubert_runs_superb_30000_steps():
    from crossemo.models.training import TrainSettings

    for name, exp in load("iberspeech_hubert.yaml")["experiments"].items():
        model = exp["model"]
        s = TrainSettings.from_config(model)
        assert (s.max_steps, s.batch_size, s.grad_accum, s.bucketing) == (30000, 4, 8, False), name
        assert (s.lr, s.weight_decay, s.lr_schedule, s.max_grad_norm) == (
            1e-4,
            0.0,
            "constant",
            1.0,
        )
        assert s.eval_steps == 1000 and s.early_stopping_patience is None
        assert s.epochs * 100 > s.max_steps  # epochs only cap: 30000 steps end training
        assert model["encoder"] == "facebook/hubert-base-ls960" and model["layer"] == "all"
        assert model["max_seconds"] is None
        if model["head"] == "cnn_self_attention":
            assert "head_options" not in model  # the paper's head = the code's defaults


def test_exhubert_two_stages_seen_then_unseen():
    exps = load("exhubert.yaml")["experiments"]
    stage1 = exps["hubert_large_seen"]
    assert stage1["model"]["family"] == "finetune" and stage1["model"]["round_robin"] is True
    assert stage1["model"]["freeze_feature_encoder"] is True
    assert stage1["model"]["encoder"] == "facebook/hubert-large-ls960-ft"
    seen = set(stage1["train"])
    assert len(seen) >= 3
    stage2 = {n: e for n, e in exps.items() if n != "hubert_large_seen"}
    unseen = {c for e in stage2.values() for c in e["train"]}
    assert unseen and not unseen & seen
    for name, exp in stage2.items():
        model = exp["model"]
        assert exp["train"] == exp["test"] and len(exp["train"]) == 1, name  # its own split
        assert exp["fractions"][exp["train"][0]] == {"train": 0.8, "test": 0.2}
        assert exp["dev_unit"] == "group" and exp["scheme"] == stage1["scheme"]
        assert model["encoder"] == "facebook/hubert-large-ls960-ft" and model["max_steps"] == 10000
        expanded = name.startswith("exhubert_")
        assert model["family"] == ("block_expansion" if expanded else "finetune"), name
        if expanded:
            assert model["copies"] == 1  # the 336.68 M of tests/unit/test_models_block_expansion
        from_stage1 = "_seen_" in name
        assert model.get("init_from") == ("hubert_large_seen" if from_stage1 else None), name
    # the ExHuBERT columns exist for every unseen corpus
    for corpus in unseen:
        assert f"exhubert_large_seen_{corpus}" in exps
