"""The rules' params that read one config entry's keys (PARAMS of rules/common.smk) give what
Snakemake's ``lookup(dpath=...)`` gave (the params rerun trigger sees no change), and the JSON
copies of the schemas that Snakemake's validate reads hold the YAML schemas' content."""

from __future__ import annotations

import json
from types import SimpleNamespace

import dpath
import pytest
import yaml
from plan_configs import REPO, load

from crossemo.core import configuration
from crossemo.plan import RuleParams

CONFIGS = ["config/config.yaml", "config/paper/strEmo.yaml", "config/paper/multimodal.yaml"]


def looked_up(config, path: str, default=KeyError):
    """What ``lookup(dpath=path, within=config, default=...)`` returns (it calls dpath.get)."""
    if default is KeyError:
        return dpath.get(config, path)
    return dpath.get(config, path, default=default)


@pytest.mark.parametrize("config_path", CONFIGS)
def test_corpus_and_experiment_params_equal_the_config_lookups(config_path):
    plan = load(config_path)
    params, config = RuleParams(plan), plan.config
    for corpus in plan.scanned_corpora:
        scanned = SimpleNamespace(scanned_corpus=corpus)
        assert params.adapter(scanned) == looked_up(config, f"corpora/{corpus}/adapter")
        assert params.root(scanned) == looked_up(config, f"corpora/{corpus}/root")
        options = looked_up(config, f"corpora/{corpus}/options", {})
        assert params.adapter_options(scanned) == options
    for corpus in plan.corpora:
        shards = looked_up(config, f"corpora/{corpus}/n_shards", 1)
        assert params.n_shards(SimpleNamespace(corpus=corpus)) == shards
    for corpus in plan.filtered_corpora:
        settings = looked_up(config, f"corpora/{corpus}/filter")
        assert params.filter_settings(SimpleNamespace(corpus=corpus)) == settings
    for corpus in plan.sheet_corpora:
        wildcards = SimpleNamespace(corpus=corpus)
        assert params.clip_sheet(wildcards) == looked_up(config, f"corpora/{corpus}/sheet")
        tolerance = looked_up(config, f"corpora/{corpus}/clip_tolerance_s", 0.5)
        assert params.clip_tolerance_s(wildcards) == tolerance
    for experiment in plan.lr_cv_experiments:
        wildcards, model = SimpleNamespace(experiment=experiment), f"experiments/{experiment}/model"
        assert params.lr_cv_metric(wildcards) == looked_up(config, f"{model}/cv_metric", "uar")
        select_on = looked_up(config, f"{model}/select_on", "cv")
        assert params.lr_cv_select_on(wildcards) == select_on


def test_the_shipped_configs_exercise_every_kind_of_entry():
    """Scanned, filtered and sheet corpora, options and LR searches all occur above."""
    plans = [load(p) for p in CONFIGS]
    kinds = ("scanned_corpora", "filtered_corpora", "sheet_corpora", "lr_cv_experiments")
    assert all(any(getattr(p, kind) for p in plans) for kind in kinds)


@pytest.mark.parametrize("name", ["config.schema.yaml", "label_scheme.schema.yaml"])
def test_json_copy_of_a_schema_holds_its_content_once_per_content(name, tmp_path, monkeypatch):
    monkeypatch.setattr(configuration.tempfile, "gettempdir", lambda: str(tmp_path))
    source = REPO / "workflow" / "schemas" / name
    copy = configuration.json_copy(source)
    assert copy.parent == tmp_path and copy.suffix == ".json"
    assert json.loads(copy.read_text()) == yaml.safe_load(source.read_text())
    assert configuration.json_copy(source) == copy and len(list(tmp_path.iterdir())) == 1


def test_json_copy_falls_back_to_the_schema_when_the_temp_folder_is_not_writable(monkeypatch):
    monkeypatch.setattr(configuration.tempfile, "gettempdir", lambda: "/nonexistent/folder")
    source = REPO / "workflow" / "schemas" / "label_scheme.schema.yaml"
    assert configuration.json_copy(source) == source
