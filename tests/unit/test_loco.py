"""select_on: loco - grid points, encoder layers and neural LR-CV folds chosen by leaving one
training corpus out, on synthetic corpora where a dev split rewards what does not transfer."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from plan_configs import load

from crossemo.models.classic import ClassicConfig, train_predict
from crossemo.models.classic_engine import save_model
from crossemo.models.layer_probe import layer_table, train_predict_by_layer
from crossemo.models.loco import TooFewCorpora, corpus_splits
from crossemo.models.lr_cv import aggregate, assign_corpus_folds
from crossemo.plan import Plan

CLASSES = ["angry", "happy", "sad"]
#: class -> code of the corpus-specific feature in each corpus (t: the test corpus)
PERMUTATION = {"a": [0, 1, 2], "b": [1, 2, 0], "c": [2, 0, 1], "t": [0, 2, 1]}
#: where each corpus lies in the corpus-specific features (its recording condition)
CENTRE = {"a": (0, 0), "b": (3, 0), "c": (0, 3), "t": (3, 3)}
SVM_GRID = {"C": [1.0], "gamma": [0.01, 10.0]}  # near linear | memorises local structure


def corpora(n: int = 60, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training corpora a, b, c (a fifth of each dev) and test corpus t. Layer 0 codes the
    label alike in every corpus (it transfers); layer 1 codes it strongly, but with each
    corpus's own permutation at the corpus's own place (it does not)."""
    rng = np.random.default_rng(seed)
    views, features = [], []
    for corpus, perm in PERMUTATION.items():
        code = np.arange(n) % 3
        split = np.where(np.arange(n) < n // 5, "dev", "train") if corpus != "t" else "test"
        ids = [f"{corpus}/{i:03d}" for i in range(n)]
        where = np.tile(CENTRE[corpus], (n, 1))
        specific = np.column_stack([where, 3.0 * np.take(perm, code)])
        specific += rng.normal(scale=0.3, size=(n, 3))
        columns = {"whisper_l0_mean_000": code + rng.normal(scale=0.4, size=n)}
        columns |= {f"whisper_l1_mean_{k:03d}": specific[:, k] for k in range(3)}
        views.append(pd.DataFrame({"utt_id": ids, "corpus": corpus, "split": split,
                                   "label": np.take(CLASSES, code), "weight": 1.0}))  # fmt: skip
        features.append(pd.DataFrame(columns, index=ids))
    return pd.concat(views, ignore_index=True), pd.concat(features)


def _config(select_on: str, grid=SVM_GRID, **model) -> ClassicConfig:
    entry = {"family": "svm", "grid": grid, "select_on": select_on, **model}
    return ClassicConfig.from_config(entry, "svm", "global", 0)


def _test_uar(table: pd.DataFrame) -> float:
    return float(np.mean([(table[table["label"] == c]["pred"] == c).mean() for c in CLASSES]))


def test_loco_picks_the_grid_point_that_transfers_where_dev_does_not():
    view, feats = corpora()
    dev_bundle, dev_preds = train_predict(view, feats, _config("dev"), CLASSES)
    loco_bundle, loco_preds = train_predict(view, feats, _config("loco"), CLASSES)
    assert dev_bundle["selection"]["best"]["gamma"] == 10.0  # dev rows share their corpus
    selection = loco_bundle["selection"]
    assert selection["method"] == "loco" and selection["best"]["gamma"] == 0.01
    for result in selection["results"]:  # the mean of the held-out corpora's UARs
        assert sorted(result["corpus_uars"]) == ["a", "b", "c"]
        assert result["uar"] == pytest.approx(np.mean(list(result["corpus_uars"].values())))
    assert _test_uar(loco_preds) > _test_uar(dev_preds) + 0.3


def test_loco_picks_the_layer_that_transfers_and_the_table_says_so(tmp_path):
    view, feats = corpora()
    grid = {"C": [1.0], "gamma": [0.1]}  # one point: still scored by loco, to rank the layers
    dev, _ = train_predict_by_layer(view, feats, _config("dev", grid, layer_probe=True), CLASSES)
    loco, _ = train_predict_by_layer(view, feats, _config("loco", grid, layer_probe=True), CLASSES)
    assert dev["layer"] == 1 and loco["layer"] == 0
    rows = {row["layer"]: row for row in loco["layers"]}
    assert {row["selection"] for row in rows.values()} == {"loco"}
    assert rows[0]["loco_uar"] > rows[1]["loco_uar"] and rows[0]["test_uar"] > rows[1]["test_uar"]
    paths = {}
    for run, bundle in (("dev", dev), ("loco", loco)):
        paths[run] = tmp_path / run / "config.json"
        save_model(bundle, tmp_path / run / "m.joblib", tmp_path / run / "l.json", paths[run], {})
    table = layer_table(paths).set_index(["run", "layer"])
    assert list(table["selection"]) == ["dev", "dev", "loco", "loco"]
    assert table.loc["dev", "loco_uar"].isna().all() and table.loc["loco", "dev_uar"].isna().all()
    assert table.loc[("loco", 0), "chosen"] and table.loc[("dev", 1), "chosen"]


def test_loco_never_reads_the_test_rows():
    view, feats = corpora()
    bundle, _ = train_predict(view, feats, _config("loco"), CLASSES)
    test_ids = view.loc[view["split"] == "test", "utt_id"]
    broken = feats.copy()
    broken.loc[test_ids] = np.nan  # unusable features, one label: the choice cannot change
    relabelled = view.assign(label=view["label"].where(view["split"] != "test", "sad"))
    other, _ = train_predict(relabelled, broken, _config("loco"), CLASSES)
    assert other["selection"] == bundle["selection"]
    pd.testing.assert_frame_equal(other["dev_predictions"], bundle["dev_predictions"])


def test_loco_needs_two_training_corpora():
    view, feats = corpora()
    one = view[view["corpus"].isin(["a", "t"])]
    with pytest.raises(TooFewCorpora, match="select_on: loco .* needs at least two"):
        train_predict(one, feats, _config("loco"), CLASSES)
    with pytest.raises(TooFewCorpora):
        corpus_splits(np.array(["a", "a"]))


def test_dev_predictions_are_each_training_corpus_from_the_model_fitted_on_the_others():
    view, feats = corpora()
    copy_row = view.iloc[[view.index[view["split"] == "train"][0]]]  # an augmented copy
    view = pd.concat([view, copy_row.assign(utt_id=copy_row["utt_id"] + "#aug0")])
    feats = pd.concat([feats, feats.loc[copy_row["utt_id"]].set_axis(view["utt_id"].iloc[-1:])])
    cfg = _config("loco", {"C": [1.0], "gamma": [0.01]})
    bundle, _ = train_predict(view, feats, cfg, CLASSES)
    dev = bundle["dev_predictions"]
    originals = view[view["split"].isin(["train", "dev"]) & ~view["utt_id"].str.contains("#aug")]
    assert sorted(dev["utt_id"]) == sorted(originals["utt_id"])  # every training row once
    for corpus in ("a", "b", "c"):  # the same as a run trained on the others, tested on it
        held = view[view["corpus"] != "t"]
        held = held.assign(split=held["split"].where(held["corpus"] != corpus, "test"))
        held = held[~(held["utt_id"].str.contains("#aug") & (held["split"] == "test"))]
        fixed = ClassicConfig(**{**cfg.__dict__, "select_on": "dev"})
        _, alone = train_predict(held, feats, fixed, CLASSES)
        mine = dev[dev["corpus"] == corpus].set_index("utt_id").loc[alone["utt_id"]]
        pd.testing.assert_frame_equal(mine.reset_index(), alone.reset_index(drop=True))


def test_neural_folds_are_the_training_corpora_and_the_lr_table_names_them(tmp_path):
    rows = pd.DataFrame({"utt_id": list("pqrs"), "corpus": ["tess", "ravdess", "tess", "emodb"]})
    assert list(assign_corpus_folds(rows)) == [2, 1, 2, 0]  # sorted: emodb ravdess tess
    with pytest.raises(ValueError, match="select_on: loco"):
        assign_corpus_folds(rows.assign(corpus="tess"))
    paths = {}
    for fold, corpus in enumerate(["emodb", "ravdess"]):
        for lr, right in ((1e-4, 1.0), (1e-5, 0.0)):
            frame = pd.DataFrame({"utt_id": [f"{corpus}/{i}" for i in range(4)], "corpus": corpus,
                                  "label": ["angry", "sad"] * 2})  # fmt: skip
            frame["pred"] = frame["label"] if right else frame["label"][::-1].to_numpy()
            paths[f"fold{fold}-lr{lr:g}"] = tmp_path / f"{fold}-{lr}.parquet"
            frame.to_parquet(paths[f"fold{fold}-lr{lr:g}"])
    table = aggregate(paths, "uar", select_on="loco")
    assert list(table["held_out"]) == ["K1=emodb K2=ravdess"] * 2
    assert table.loc[table["chosen"], "lr"].item() == "0.0001"
    assert "held_out" not in aggregate(paths, "uar").columns


@pytest.fixture(scope="module")
def demo() -> Plan:
    return load("config/config.yaml")


def _plan(demo: Plan, experiment: str, **changes) -> Plan:
    config = copy.deepcopy(dict(demo.config))
    entry = config["experiments"][experiment]
    entry["model"] = {**entry["model"], **changes.pop("model", {})}
    entry.update(changes)
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    plan.validate()
    return plan


def test_plan_lr_cv_folds_are_the_training_corpora(demo):
    exp = "demo_finetune_lrcv"  # trains on ravdess and tess; cv_folds: 2 -> 5, unused
    plan = _plan(demo, exp, model={"select_on": "loco", "cv_folds": 5, "lr_grid": [1e-3, 1e-4]})
    assert plan.training_corpora(exp) == ["ravdess", "tess"] and plan.lr_cv_folds(exp) == 2
    assert plan.runs(exp) == ["fold0-lr0.001", "fold1-lr0.001", "fold0-lr0.0001",
                              "fold1-lr0.0001", "final"]  # fmt: skip
    three = _plan(demo, exp, model={"select_on": "loco"}, train=["emodb", "ravdess", "tess"])
    assert three.lr_cv_folds(exp) == 3 and len(three.lr_cv_runs(exp)) == 6
    assert _plan(demo, exp, model={"cv_folds": 5}).lr_cv_folds(exp) == 5  # not loco: cv_folds


@pytest.mark.parametrize(
    "experiment, change, message",
    [
        ("demo_finetune_lrcv", lambda e: e.update(train=["ravdess"]), "two or more in train"),
        ("demo_finetune_lrcv", lambda e: e["model"].pop("lr_grid"), "lr_grid"),
        ("demo_egemaps_svm_cross", lambda e: e.update(protocol="corpus_matrix"), "corpus_matrix"),
    ],
)
def test_plan_refuses_loco_without_two_training_corpora(demo, experiment, change, message):
    config = copy.deepcopy(dict(demo.config))
    entry = config["experiments"][experiment]
    entry["model"]["select_on"] = "loco"
    change(entry)
    with pytest.raises(ValueError, match=f"experiments.{experiment}.model.select_on: .*{message}"):
        Plan(config, demo.scheme_dir, demo.reference_dir).validate()


def test_global_rescaling_per_split_keeps_the_fused_block_weights():
    """Under global standardisation each loco split refits mean/std on its training corpora and
    weighs the fused sets' blocks as the engine does."""
    from crossemo.features import Standardizer
    from crossemo.models.loco import rescaler

    rng = np.random.default_rng(0)
    X_raw = rng.normal(3.0, 2.0, size=(40, 3))
    weights = np.array([2.0, 0.5, 0.5])
    X = Standardizer("global", weights=weights).fit(X_raw).transform(X_raw)
    rescale = rescaler("global", X_raw, X, weights)
    np.testing.assert_allclose(rescale(np.arange(40)), X)  # every row fitted: the engine's
    part = rescale(np.arange(20))  # statistics of the first 20 rows only, then the weights
    fitted = Standardizer("global").fit(X_raw[:20]).transform(X_raw)
    np.testing.assert_allclose(part, fitted * weights)
    assert rescaler("corpus", X_raw, X, weights)(np.arange(20)) is X  # per group: unchanged
