"""Repeats over seeds (``seeds:``): the run-name grammar's seed part, the planned runs and the
refusals, the repeat's training job (seed, redrawn dev set), the seeds table, the leaderboard's
row over seeds and the paper tables' mean over seeds."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pandas as pd
import pytest
from plan_configs import load

from crossemo.core import names
from crossemo.evaluation.seeds import seeds_table
from crossemo.models.families import TrainJob
from crossemo.models.repeats import redraw_dev, repeat
from crossemo.plan import Plan
from crossemo.report.leaderboard import merge_seeds
from crossemo.report.ours import Cell, Measure, MetricsSource
from crossemo.report.tables import seeds_note

SEEDED = "demo_egemaps_rf_seeds"


@pytest.fixture(scope="module")
def demo() -> Plan:
    return load("config/config.yaml")


def replan(demo: Plan, **experiments) -> Plan:
    """The demo plan with experiments' keys changed (``name={key: value}``; None drops a key)."""
    config = copy.deepcopy(demo.config)
    for name, keys in experiments.items():
        for key, value in keys.items():
            if value is None:
                config["experiments"][name].pop(key, None)
            else:
                config["experiments"][name][key] = value
    return Plan(config, demo.scheme_dir, demo.reference_dir)


# ---- the grammar ----
@pytest.mark.parametrize("run", ["main", "fold3", "fold0-svm", "fold1-lr1e-05", "final"])
def test_runs_without_seeds_keep_their_names(run):
    assert names.seeded_runs([run], []) == [run]
    assert names.split_seed(run) == (run, None) and names.run_seed(run) is None


@pytest.mark.parametrize("run, family", [("main", ""), ("fold2", ""), ("fold0-svm", "svm")])
def test_seed_part_round_trips(run, family):
    seeded = names.seed_run(run, 7)
    assert seeded == f"{run}-s7" and names.split_seed(seeded) == (run, 7)
    fold, variant = names.parse_run(seeded)
    assert fold == names.run_fold_index(run)
    assert names.split_seed(variant) == (family, 7)  # each seed pools as a variant of its own
    assert re.fullmatch(names.CLASSIC_RUN_PATTERN, seeded)
    if not family:
        assert re.fullmatch(names.NEURAL_RUN_PATTERN, seeded)
    assert names.run_family(names.seed_run("fold0-knn", 1), ["svm", "knn"]) == "knn"


def test_seeded_runs_are_seed_minor():
    assert names.seeded_runs(["fold0", "fold1"], [0, 2]) == [
        "fold0-s0", "fold0-s2", "fold1-s0", "fold1-s2"]  # fmt: skip


# ---- the plan ----
def test_demo_experiment_plans_one_run_per_seed(demo):
    assert demo.runs(SEEDED) == ["main-s0", "main-s1", "main-s2"]
    assert demo.seeded_experiments == [SEEDED]
    params = demo.train_params(SEEDED)
    assert params["seeds_split"] is True and params["dev_fraction"] == 0.2  # the dev redraw's
    assert "seeds_split" not in demo.train_params("demo_egemaps_svm_cross")
    assert demo.runs("demo_egemaps_svm_cross") == ["main"]  # others unchanged


def test_multi_family_and_kfold_runs_repeat_per_seed(demo):
    plan = replan(demo, demo_handcrafted_multi={"seeds": [1, 2]})
    runs = plan.runs("demo_handcrafted_multi")
    families = plan.families("demo_handcrafted_multi")
    assert len(runs) == 2 * len(families) * plan.folds("demo_handcrafted_multi")
    assert runs[:2] == [f"fold0-{families[0]}-s1", f"fold0-{families[0]}-s2"]
    assert {plan.run_family("demo_handcrafted_multi", r) for r in runs} == set(families)


@pytest.mark.parametrize("experiment, keys, named", [
    ("demo_finetune_lrcv", {"seeds": [0, 1]}, "demo_finetune_lrcv.seeds: model.lr_grid"),
    ("demo_fusion_late", {"seeds": [0, 1]}, "demo_fusion_late.seeds: an ensemble"),
    ("demo_egemaps_svm_loco", {"seeds": [0, 1]}, "ensemble demo_fusion_late"),
    ("demo_corpus_matrix", {"seeds": [0, 1]}, "corpus matrix"),
    ("demo_basic4_kfold", {"seeds": [0, 1]}, "no model"),
    ("demo_egemaps_svm_cross", {"seeds_split": True}, "demo_egemaps_svm_cross.seeds_split"),
])  # fmt: skip
def test_seeds_that_do_not_compose_are_refused_naming_the_key(demo, experiment, keys, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        replan(demo, **{experiment: keys}).validate()


# ---- the repeat's training job ----
def _view_and_split(n_groups: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    groups = [f"c/{g:02d}" for g in range(n_groups) for _ in range(4)]
    ids = [f"c/{g:02d}_{i}" for g in range(n_groups) for i in range(4)]
    labels = ["a", "b", "a", "b"] * n_groups
    split = pd.DataFrame({"utt_id": ids, "corpus": "c", "group": groups, "speaker": groups,
                          "label": labels, "fold": 0,
                          "split": ["test"] * 8 + ["dev"] * 4 + ["train"] * 28})  # fmt: skip
    view = split[["utt_id", "corpus", "label", "split"]].assign(weight=1.0)
    copy_ = view.iloc[[20]].assign(utt_id=names.augmented_id(ids[20], 0))  # of a train row
    return pd.concat([view, copy_], ignore_index=True), split


def test_redraw_dev_draws_whole_groups_per_seed_and_keeps_the_test_rows():
    view, split = _view_and_split()
    keys = {"scheme": "s", "protocol": "cross_corpus", "train": ["c"], "dev_fraction": 0.25}
    drawn = {s: redraw_dev(view, split, keys, "e", 0, s) for s in (0, 1, 2, 3)}
    devs = {s: frozenset(v.loc[v["split"] == "dev", "utt_id"]) for s, v in drawn.items()}
    assert len(set(devs.values())) > 1  # the seeds draw different dev sets
    for s, v in drawn.items():
        test = v[v["split"] == "test"]
        assert test["utt_id"].tolist() == view.loc[view["split"] == "test", "utt_id"].tolist()
        dev_groups = set(split.set_index("utt_id").loc[list(devs[s]), "group"])
        assert len(dev_groups) == 2 and len(devs[s]) == 8  # round(0.25 x 8 groups), whole
        source = names.augmented_source(view["utt_id"].iloc[-1])
        has_copy = names.augmented_id(source, 0) in set(v["utt_id"])
        assert has_copy == (source not in devs[s])  # a copy follows its source out of train


def test_repeat_sets_the_run_seed_and_hands_unseeded_runs_over(tmp_path):
    job = TrainJob("svm", {"model": {"family": "svm"}, "seed": 0}, "e", "main", {}, {})
    with repeat(job, neural=False) as same:
        assert same is job
    seeded = TrainJob("frozen_head", {"model": {"family": "frozen_head"}}, "e", "fold1-s4",
                      {}, {})  # fmt: skip
    with repeat(seeded, neural=True) as prepared:
        assert prepared.experiment["seed"] == 4 and prepared.experiment["model"]["seed"] == 4
    view, split = _view_and_split()
    split["fold"], view_path, split_path = 1, tmp_path / "v.parquet", tmp_path / "s.parquet"
    view.to_parquet(view_path), split.to_parquet(split_path)
    experiment = {"scheme": "s", "protocol": "cross_corpus", "train": ["c"], "seed": 0,
                  "dev_fraction": 0.25, "seeds_split": True}  # fmt: skip
    job = TrainJob("svm", experiment, "e", "fold1-s3", {"view": str(view_path),
                   "split": str(split_path)}, {})  # fmt: skip
    with repeat(job, neural=False) as prepared:
        redrawn = pd.read_parquet(prepared.inputs["view"])
        expected = redraw_dev(view, split, experiment, "e", 1, 3)
        pd.testing.assert_frame_equal(redrawn, expected)
        assert prepared.inputs["split"] == str(split_path)


# ---- the evaluation's seeds table ----
def _intervals(values: dict[str, dict[str, float]]) -> pd.DataFrame:
    """An intervals table: variant -> scope -> UAR (WA = UAR / 2, macro-F1 = UAR / 3)."""
    rows = [{"experiment": "e", "variant": v, "scope": scope, "measure": m,
             "value": uar / d, "ci_low": uar / d - 0.1, "ci_high": uar / d + 0.1}
            for v, scopes in values.items() for scope, uar in scopes.items()
            for m, d in (("uar", 1), ("wa", 2), ("macro_f1", 3), ("recall[a]", 1))]  # fmt: skip
    return pd.DataFrame(rows)


def test_seeds_table_is_numpy_mean_and_std_of_the_seeds_values():
    rng = np.random.default_rng(5)
    uar = {s: rng.uniform(0.3, 0.9, 2) for s in (0, 1, 4)}
    table = seeds_table(_intervals(
        {f"svm-s{s}": {"overall": u[0], "x": u[1]} for s, u in uar.items()}
        | {f"knn-s{s}": {"overall": 0.5, "x": 0.5} for s in (0, 1)}
    ))  # fmt: skip
    assert set(table["measure"]) == {"uar", "wa", "macro_f1"}
    row = table[(table["variant"] == "svm") & (table["scope"] == "x")
                & (table["measure"] == "wa")].iloc[0]  # fmt: skip
    values = np.array([uar[s][1] / 2 for s in (0, 1, 4)])
    assert row["n_seeds"] == 3 and row["seeds"] == "0 1 4"
    assert math.isclose(row["mean"], values.mean()) and math.isclose(row["std"], values.std(ddof=1))
    assert [row["s0"], row["s1"], row["s4"]] == pytest.approx(values)
    knn = table[table["variant"] == "knn"].iloc[0]
    assert knn["n_seeds"] == 2 and knn["std"] == 0 and np.isnan(knn["s4"])


def test_seeds_table_refuses_an_experiment_without_seeds():
    with pytest.raises(ValueError, match="no variant of a seed"):
        seeds_table(_intervals({"": {"overall": 0.5}, "svm": {"overall": 0.4}}))


# ---- the leaderboard and the paper tables ----
def test_leaderboard_row_over_seeds_is_their_mean_with_the_hull_of_their_intervals():
    def row(run: str, uar: float) -> dict:
        return {"run": run, "test_set": "x", "n_runs": 1, "uar": uar, "uar_ci_low": uar - 0.1,
                "uar_ci_high": uar + 0.1, "wa": uar, "wa_ci_low": uar - 0.1,
                "wa_ci_high": uar + 0.1, "macro_f1": uar, "macro_f1_ci_low": uar - 0.1,
                "macro_f1_ci_high": uar + 0.1, "uar_fold_mean": uar, "uar_fold_std": math.nan,
                "n_seeds": 1, "uar_seed_std": math.nan}  # fmt: skip

    rows = merge_seeds([row("s0", 0.5), row("s1", 0.6), row("s2", 0.8), row("knn", 0.4)])
    assert [r["run"] for r in rows] == ["knn", "main"]
    merged = rows[1]
    assert merged["n_seeds"] == merged["n_runs"] == 3
    assert math.isclose(merged["uar"], np.mean([0.5, 0.6, 0.8]))
    assert math.isclose(merged["uar_seed_std"], np.std([0.5, 0.6, 0.8], ddof=1))
    assert math.isclose(merged["uar_ci_low"], 0.4) and math.isclose(merged["uar_ci_high"], 0.9)
    assert rows[0] == row("knn", 0.4)


def test_paper_cells_are_the_mean_over_seeds_of_each_seeds_folds():
    def result(run: str, correct: int) -> dict:
        matrix = [[correct, 10 - correct], [10 - correct, correct]]
        part = {"confusion": {"labels": ["a", "b"], "matrix": matrix}, "ci": {}}
        return {"experiment": "e", "run": run, "overall": part, "per_corpus": {"x": part}}

    correct = {("fold0", 0): 6, ("fold1", 0): 8, ("fold0", 1): 9, ("fold1", 1): 9}
    source = MetricsSource([result(f"{f}-s{s}", c) for (f, s), c in correct.items()])
    assert source.seeds == {"": [0, 1]} and source.default_variant() == ""
    stat = source.get(Cell(scope="overall"), Measure("uar"))
    per_seed = [np.mean([0.6, 0.8]), np.mean([0.9, 0.9])]
    assert math.isclose(stat.value, np.mean(per_seed)) and stat.n_runs == 2
    assert math.isclose(stat.std, np.std(per_seed, ddof=1)) and "2 seeds" in stat.method
    assert "e: 2 seeds (0, 1)" in seeds_note([("e", {}, source)])
    assert seeds_note([("e", {}, MetricsSource([result("main", 5)]))]) == ""
