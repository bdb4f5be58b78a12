"""The family registry is the one list of model families: every family keeps the contract, the
config schema's model part and config/README.md's table are the registry's, a typo in a model
key fails at start-up, and a toy family registered in one place reaches the schema, the names
the plan reads and the library (train -> predictions -> predict). Its dry run in the workflow:
tests/workflow/test_family_registry_dryrun.py."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import subprocess
import sys

import jsonschema
import pandas as pd
import pytest
import yaml

from crossemo.core import names
from crossemo.core.configuration import CONFIG_SCHEMA, ConfigError, require_known_keys, unknown_keys
from crossemo.models import families
from crossemo.models.families import document, keys

CLASSES = ["negative", "neutral", "positive"]


def _model_schema(schema: dict) -> dict:
    return schema["properties"]["experiments"]["additionalProperties"]["properties"]["model"]


def test_the_registry_and_the_names_import_nothing_heavy():
    """names.py, the plan and Snakemake's parse read the registry: no numpy, pandas, torch ..."""
    code = (
        "import sys\n"
        "from crossemo.core import names\n"
        "from crossemo.models import families\n"
        "from crossemo.models.stages import init_families\n"
        "assert names.CLASSIC_FAMILIES and names.NEURAL_FAMILIES and init_families()\n"
        "families.paper_names()\n"
        "heavy = {'numpy', 'pandas', 'pandera', 'torch', 'sklearn', 'transformers', 'yaml'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", families.names())
def test_every_family_keeps_the_contract(name):
    family = families.get(name)
    assert family.kind in families.KINDS and set(family.needs) <= set(families.NEEDS)
    assert family.keys and "family" not in family.keys
    assert set(family.defaults) <= set(family.keys)
    assert family.summary
    if family.kind == families.CLASSIC:
        assert families.FEATURES in family.needs
        assert family.impl.estimator({}, seed=0, threads=1) is not None
    elif family.kind == families.ENSEMBLE:  # reads its members' predictions, nothing else
        assert family.needs == () and callable(family._engine().train)
    else:
        assert callable(family.impl.fit) and callable(family.impl.load)


def test_the_schema_and_the_readme_are_the_registry_s():
    """Edit a family, then `python -m crossemo.models.families.document --write`."""
    schema = yaml.safe_load(CONFIG_SCHEMA.read_text())
    model = _model_schema(schema)
    assert model == document.model_schema()
    assert model["additionalProperties"] is False
    blocks = {b["if"]["properties"]["family"].get("const"): b["then"] for b in model["allOf"]}
    for name in families.names():
        family = families.get(name)
        assert blocks[name]["propertyNames"]["enum"] == ["family", *family.keys]
        defaults = {k: v["default"] for k, v in blocks[name].get("properties", {}).items()
                    if "default" in v}  # fmt: skip
        assert defaults == family.defaults
    assert model["properties"]["family"]["oneOf"][0]["enum"] == list(families.names())
    assert document.main(["--check"]) == 0


def test_the_training_keys_are_the_loop_s_settings_and_head_options_the_heads_arguments():
    from crossemo.models.heads import HEADS
    from crossemo.models.training import TrainSettings

    assert list(keys.TRAINING) == [f.name for f in dataclasses.fields(TrainSettings)]
    assert list(keys.HEAD_OPTIONS) == list(HEADS)
    for head, options in keys.HEAD_OPTIONS.items():
        args = list(inspect.signature(HEADS[head]).parameters)
        assert list(options) == [a for a in args if a not in ("dim", "n_classes", "n_layers")]


def test_family_lists_and_paper_names_come_from_the_registry():
    from crossemo.models import classic

    assert names.CLASSIC_FAMILIES == families.names(families.CLASSIC)
    assert names.NEURAL_FAMILIES == families.names(families.NEURAL)
    assert (names.SSL_FEATURE_FAMILIES, names.TRANSCRIPT_FAMILIES) == (
        ("frozen_head",), ("multimodal",))  # fmt: skip
    assert classic.PAPER_NAMES == {  # the multimodal paper's Table 6 rows
        "svm": "SVC", "knn": "KNeighborsClassifier", "mlp": "MLPClassifier",
        "xgboost": "XGBClassifier", "lightgbm": "LGBClassifier",
        "logreg": "LogisticRegression", "random_forest": "RandomForestClassifier",
        "gaussian_nb": "GaussianNB", "decision_tree": "DecisionTreeClassifier",
    }  # fmt: skip


def _demo() -> dict:
    return yaml.safe_load(open(CONFIG_SCHEMA.parents[2] / "config" / "config.yaml"))


@pytest.mark.parametrize(
    ("experiment", "change", "message"),
    [
        ("demo_egemaps_svm_emodb", {"select_onn": "cv"},
         "model.select_onn: unknown key (did you mean 'select_on'?)"),
        ("demo_finetune_lrcv", {"lr_gird": [1e-3]},
         "model.lr_gird: unknown key (did you mean 'lr_grid'?)"),
        ("demo_egemaps_svm_emodb", {"epochs": 3}, "model.epochs: not a key of family svm"),
        ("demo_finetune_lrcv", {"copies": 2}, "model.copies: not a key of family finetune"),
        ("demo_handcrafted_multi", {"params": {}},
         "model.params: not a key of several classic families"),
    ],
)  # fmt: skip
def test_a_typo_in_a_model_key_fails_at_start_up_naming_it(experiment, change, message):
    config = _demo()
    config["experiments"][experiment]["model"].update(change)
    with pytest.raises(ConfigError, match=f"experiments.{experiment}.{message}".replace("(", r"\(")
                       .replace(")", r"\)").replace("?", r"\?")):  # fmt: skip
        require_known_keys(config)
    with pytest.raises(jsonschema.ValidationError):  # the schema refuses it too
        jsonschema.validate(config, yaml.safe_load(CONFIG_SCHEMA.read_text()))


def test_nested_model_keys_are_checked_per_family_and_per_head():
    config = _demo()
    config["experiments"]["demo_frozen_ct"]["model"]["head_options"]["d_modle"] = 8
    config["experiments"]["demo_handcrafted_multi"]["model"]["mlp"]["parms"] = {}
    with pytest.raises(ConfigError) as err:
        require_known_keys(config)
    assert "demo_frozen_ct.model.head_options.d_modle: unknown key (did you mean 'd_model'?)" in (
        str(err.value))  # fmt: skip
    assert "demo_handcrafted_multi.model.mlp.parms: unknown key (did you mean 'params'?)" in str(
        err.value)  # fmt: skip
    config = _demo()  # a head's options are the head's own: ct_transformer's d_model, not kernel
    config["experiments"]["demo_frozen_ct"]["model"]["head_options"] = {"kernel": 3}
    with pytest.raises(ConfigError, match="head_options.kernel: unknown key"):
        require_known_keys(config)


def test_the_schema_fills_in_each_family_s_own_defaults():
    from snakemake.utils import validate

    config = _demo()
    validate(config, str(CONFIG_SCHEMA))
    models = {name: e["model"] for name, e in config["experiments"].items() if "model" in e}
    assert models["demo_egemaps_svm_emodb"]["select_on"] == "dev"
    assert models["demo_handcrafted_multi"]["cv_folds"] == 3
    assert models["demo_finetune_lrcv"]["cv_folds"] == 2  # set in the config
    assert (
        "select_on" not in models["demo_frozen_ct"] and "cv_folds" not in models["demo_frozen_ct"]
    )
    assert models["demo_exhubert"]["cv_folds"] == 3  # an LR-CV family: the classic default


# ---- a toy classic family, registered in one place ---------------------------------------------
@pytest.fixture
def toy(monkeypatch):
    """tests/unit/toy_lda.py registered as family toy_lda (for this test only)."""
    monkeypatch.setitem(families.FAMILIES, "toy_lda", families.Family(
        "toy_lda", families.CLASSIC, families.FEATURES, "toy_lda"))  # fmt: skip
    return families.get("toy_lda")


def test_a_registered_family_is_refused_twice(toy):
    with pytest.raises(ValueError, match="registered already"):
        families.register("toy_lda", "classic", "features", "toy_lda")
    with pytest.raises(ValueError, match="unknown model family 'toy_ld' \\(did you mean 'toy_lda'"):
        families.get("toy_ld")


def test_a_toy_family_reaches_the_names_and_the_schema(toy):
    assert "toy_lda" in names.CLASSIC_FAMILIES and "toy_lda" not in names.NEURAL_FAMILIES
    schema = yaml.safe_load(CONFIG_SCHEMA.read_text())
    schema["properties"]["experiments"]["additionalProperties"]["properties"]["model"] = (
        document.model_schema())  # fmt: skip
    config = _demo()
    config["experiments"]["demo_egemaps_svm_emodb"]["model"] = {
        "family": "toy_lda",
        "params": {"shrinkage": 0.1},
        "select_on": "cv",
        "mem_mb": 100,
    }
    config["experiments"]["demo_handcrafted_multi"]["model"]["family"].append("toy_lda")
    config["experiments"]["demo_handcrafted_multi"]["model"]["toy_lda"] = {"params": {}}
    jsonschema.validate(config, schema)
    assert unknown_keys(config, schema) == []
    config["experiments"]["demo_egemaps_svm_emodb"]["model"]["lr"] = 1e-3
    assert unknown_keys(config, schema) == [
        "experiments.demo_egemaps_svm_emodb.model.lr: not a key of family toy_lda; valid here: "
        "family, params, grid, select_on, cv_folds, refit_with_dev, layer_probe, "
        "layer_combination, mem_mb"
    ]
    assert "| `toy_lda` | classic | `features` |" in document.families_table()
    assert families.paper_names()["toy_lda"] == "ToyLDA"


def test_a_toy_family_trains_writes_predictions_and_predicts(toy, tmp_path, capsys):
    from models_fixtures import make_view, write_wavs

    from crossemo.cli import main
    from crossemo.features import extract_shard
    from crossemo.models.predictions import Predictions, read_label_map

    view = make_view(tmp_path, {"train": 8, "dev": 2, "test": 4})
    rows = pd.read_parquet(view)
    features = []
    for corpus in ("toyA", "toyB"):
        features.append(str(tmp_path / f"{corpus}.features.parquet"))
        extract_shard(tmp_path / "audio" / corpus / "0000.parquet", "egemaps", features[-1])
    split = rows[["utt_id", "corpus", "label", "split"]].assign(fold=0, speaker=rows["utt_id"])
    split.to_parquet(tmp_path / "split.parquet")
    (tmp_path / "scheme.yaml").write_text(yaml.safe_dump({"classes": CLASSES}))
    folder = tmp_path / "models" / "toy" / "main"
    outputs = {"model": folder / "model.joblib", "label_map": folder / "label_map.json",
               "config": folder / "config.json", "predictions": tmp_path / "main.parquet",
               "dev_predictions": tmp_path / "main.dev.parquet"}  # fmt: skip
    job = families.TrainJob(
        "toy_lda", {"model": {"family": "toy_lda"}, "features": "egemaps", "standardize": "global",
                    "seed": 0}, "toy", "main",
        {"view": str(view), "split": str(tmp_path / "split.parquet"),
         "scheme": str(tmp_path / "scheme.yaml"), "features": features},
        {k: str(v) for k, v in outputs.items()},
    )  # fmt: skip
    predictions = families.train(job)
    Predictions.validate(pd.read_parquet(outputs["predictions"]))
    assert len(predictions) == (rows["split"] == "test").sum()
    assert (predictions["label"] == predictions["pred"]).mean() > 0.8  # pitch says the class
    assert read_label_map(folder) == CLASSES
    assert json.loads((folder / "config.json").read_text())["family"] == "toy_lda"
    wavs = write_wavs(tmp_path / "wav", view)
    assert main(["predict", str(folder), *wavs.values(), "--json", "--min-seconds", "0.2"]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = predictions.set_index("utt_id")["pred"]
    assert [a["label"] for a in answers] == [expected[u] for u in wavs]


def test_an_unknown_family_in_a_folder_is_named(tmp_path, capsys):
    from crossemo.cli import main

    (tmp_path / "model.joblib").write_bytes(b"")
    (tmp_path / "config.json").write_text(json.dumps({"family": "gone"}))
    assert main(["predict", str(tmp_path), "a.wav"]) == 2
    assert "unknown model family 'gone'" in capsys.readouterr().err


def test_model_keys_mean_one_thing_in_every_family(toy, monkeypatch):
    other = copy.deepcopy(keys.CLASSIC["cv_folds"]) | {"minimum": 5}
    monkeypatch.setattr(toy.impl, "KEYS", {**toy.impl.KEYS, "cv_folds": other})
    with pytest.raises(ValueError, match="'cv_folds' means different things"):
        document.model_schema()
