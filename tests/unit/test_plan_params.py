"""The rules' params that read one config entry's keys (PARAMS of rules/common.smk) give what
Snakemake's ``lookup(dpath=...)`` gave (the params rerun trigger sees no change)."""

from __future__ import annotations

from types import SimpleNamespace

import dpath
import pytest
from plan_configs import load

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
