"""Classic models train and predict on separable synthetic features; the SVM grid picks on dev."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pandas as pd
import pytest

from crossemo.core.names import CLASSIC_FAMILIES
from crossemo.models.classic import ClassicConfig, train_predict, write_predictions
from crossemo.models.classic_engine import save_model
from crossemo.models.families.svm import DEFAULT_GRID as DEFAULT_SVM_GRID
from crossemo.models.layer_probe import layer_table, train_predict_by_layer, write_layer_table
from crossemo.models.selection import expand_grid_values, param_grid

CLASSES = ["angry", "happy", "sad"]


def separable(n=120, seed=0, n_dev=0, shift=4.0):
    rng = np.random.default_rng(seed)
    labels = np.array([CLASSES[i % 3] for i in range(n)])
    centre = np.array([CLASSES.index(c) for c in labels])[:, None] * shift
    X = rng.normal(size=(n, 6)) + centre
    ids = [f"demo/{i:04d}" for i in range(n)]
    split = np.array(["train"] * n, dtype=object)
    split[-n // 4 :] = "test"
    if n_dev:
        split[:n_dev] = "dev"
    view = pd.DataFrame({"utt_id": ids, "corpus": "demo", "label": labels, "split": split,
                         "weight": 1.0})  # fmt: skip
    view.loc[view.index % 2 == 0, "corpus"] = "other"
    return view, pd.DataFrame(X, index=ids, columns=[f"f{i}" for i in range(6)])


@pytest.mark.parametrize("family", CLASSIC_FAMILIES)
def test_each_family_trains_and_predicts(family):
    view, feats = separable()
    model = {"family": family, "grid": {"C": [1.0], "gamma": [0.1]} if family == "svm" else None}
    cfg = ClassicConfig.from_config(model, family, "global", seed=0)
    bundle, preds = train_predict(view, feats, cfg, CLASSES)
    test = view[view["split"] == "test"]
    assert list(preds["utt_id"]) == list(test["utt_id"])
    assert list(preds.columns[:4]) == ["utt_id", "corpus", "label", "pred"]
    assert [c for c in preds.columns if c.startswith("prob_")] == [f"prob_{c}" for c in CLASSES]
    probs = preds[[f"prob_{c}" for c in CLASSES]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-6)
    assert (preds["pred"] == preds["label"]).mean() >= 0.9
    assert bundle["classes"] == CLASSES and bundle["family"] == family


@pytest.mark.parametrize("refit_with_dev", [True, False])
def test_dev_predictions_come_from_a_model_that_never_saw_dev(refit_with_dev):
    view, feats = separable(n=160, n_dev=40, shift=0.0)  # labels unrelated to the features
    model = {"family": "knn", "params": {"n_neighbors": 1}, "refit_with_dev": refit_with_dev}
    cfg = ClassicConfig.from_config(model, "knn", "global", seed=0)
    bundle, _ = train_predict(view, feats, cfg, CLASSES)
    dev = bundle["dev_predictions"]
    assert list(dev["utt_id"]) == list(view.loc[view["split"] == "dev", "utt_id"])
    # 1-NN recalls every row it was fitted on: a model that saw dev would be right on all of it
    assert (dev["pred"] == dev["label"]).mean() < 0.7


def test_seeded_runs_are_identical():
    view, feats = separable(seed=3, shift=1.0)
    cfg = ClassicConfig.from_config({"family": "random_forest"}, "random_forest", "global", 7)
    _, a = train_predict(view, feats, cfg, CLASSES)
    _, b = train_predict(view, feats, cfg, CLASSES)
    pd.testing.assert_frame_equal(a, b)


def test_exponential_grid():
    assert expand_grid_values({"base": 2, "from": -1, "to": 3, "step": 2}) == [0.5, 2.0, 8.0]
    assert expand_grid_values([1, 10]) == [1, 10] and expand_grid_values(3) == [3]
    assert len(param_grid(DEFAULT_SVM_GRID)) == 11 * 10
    assert param_grid(None) == [{}]


def test_svm_grid_is_chosen_on_dev():
    """The grid point is the one with the best UAR on the dev rows (recomputed by hand)."""
    view, feats = separable(n=150, n_dev=30, seed=1, shift=2.0)
    grid = {"C": [1.0], "gamma": [1e-4, 0.05, 5.0]}
    cfg = ClassicConfig.from_config({"family": "svm", "grid": grid}, "svm", "global", 0)
    bundle, _ = train_predict(view, feats, cfg, CLASSES)
    sel = bundle["selection"]
    assert sel["method"] == "dev" and len(sel["results"]) == 3
    best = max(sel["results"], key=lambda r: r["uar"])
    assert sel["best"] == best["params"]
    # tiny gamma underfits: it can't be the dev choice on separable data
    assert sel["best"]["gamma"] != 1e-4
    # recomputing dev UAR by hand for the chosen point gives the recorded value
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.svm import SVC

    from crossemo.features import Standardizer

    fit = view[view["split"].isin(["train", "dev"])]
    scaler = Standardizer("global").fit(feats.loc[fit["utt_id"]].to_numpy())
    tr, dv = fit[fit["split"] == "train"], fit[fit["split"] == "dev"]
    svc = SVC(C=1.0, gamma=sel["best"]["gamma"], break_ties=True, random_state=0)
    svc.fit(scaler.transform(feats.loc[tr["utt_id"]].to_numpy()), tr["label"])
    uar = balanced_accuracy_score(
        dv["label"], svc.predict(scaler.transform(feats.loc[dv["utt_id"]].to_numpy()))
    )
    assert uar == pytest.approx(best["uar"])


def test_without_dev_falls_back_to_inner_cv():
    view, feats = separable(n=90)
    cfg = ClassicConfig.from_config(
        {"family": "knn", "grid": {"n_neighbors": [1, 3]}}, "knn", "corpus", 0
    )
    bundle, _ = train_predict(view, feats, cfg, CLASSES)
    assert bundle["selection"]["method"] == "inner_cv"


def test_multi_family_settings_and_default_svm_grid():
    model = {"family": ["knn", "svm"], "knn": {"params": {"n_neighbors": 3}}}
    knn = ClassicConfig.from_config(model, "knn", "global", 0)
    svm = ClassicConfig.from_config(model, "svm", "global", 0)
    assert knn.params == {"n_neighbors": 3} and knn.grid is None
    assert svm.grid == DEFAULT_SVM_GRID


def test_class_missing_from_training_gets_zero_probability():
    view, feats = separable()
    view = view[~((view["label"] == "sad") & (view["split"] != "test"))]
    cfg = ClassicConfig.from_config({"family": "logreg"}, "logreg", "global", 0)
    bundle, preds = train_predict(view, feats, cfg, CLASSES)
    assert bundle["train_classes"] == ["angry", "happy"]
    assert (preds["prob_sad"] == 0).all() and set(preds["pred"]) <= {"angry", "happy"}


def test_speaker_standardisation_needs_speakers_and_unknown_labels_fail():
    view, feats = separable()
    cfg = ClassicConfig.from_config({"family": "gaussian_nb"}, "gaussian_nb", "speaker", 0)
    with pytest.raises(ValueError, match="speakers"):
        train_predict(view, feats, cfg, CLASSES)
    speakers = pd.Series({u: f"spk{i % 4}" for i, u in enumerate(view["utt_id"])})
    _, preds = train_predict(view, feats, cfg, CLASSES, speakers=speakers)
    assert len(preds) == (view["split"] == "test").sum()
    with pytest.raises(ValueError, match="not among the classes"):
        train_predict(view, feats, cfg, ["angry", "happy"], speakers=speakers)


def test_save_model_and_predictions(tmp_path):
    view, feats = separable()
    cfg = ClassicConfig.from_config({"family": "decision_tree"}, "decision_tree", "global", 0)
    bundle, preds = train_predict(view, feats, cfg, CLASSES)
    save_model(bundle, tmp_path / "m" / "model.joblib", tmp_path / "m" / "label_map.json",
               tmp_path / "m" / "config.json", {"experiment": "x"})  # fmt: skip
    assert json.loads((tmp_path / "m" / "label_map.json").read_text()) == {
        "classes": CLASSES, "label2id": {"angry": 0, "happy": 1, "sad": 2}}  # fmt: skip
    loaded = joblib.load(tmp_path / "m" / "model.joblib")
    X = loaded["standardizer"].transform(feats.loc[preds["utt_id"]].to_numpy())
    assert (np.array(loaded["train_classes"])[loaded["estimator"].predict(X)]
            == preds["pred"].to_numpy()).all()  # fmt: skip
    write_predictions(preds, tmp_path / "p.parquet")
    assert pd.read_parquet(tmp_path / "p.parquet").shape == preds.shape


@pytest.mark.parametrize("dev", [True, False], ids=["dev", "inner_cv"])
def test_rbf_grid_with_shared_distances_scores_like_plain_svc(dev):
    """The precomputed-kernel path gives the grid points the UARs sklearn's own RBF SVC gives."""
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.svm import SVC

    from crossemo.models.selection import select_params

    rng = np.random.default_rng(5)
    y = np.repeat([0, 1, 2], 40)
    X = rng.normal(size=(120, 30)) + y[:, None] * 0.35  # overlapping: UARs differ across points
    dev_mask = np.zeros(120, dtype=bool)
    dev_mask[::5] = dev
    points = param_grid(
        {"C": {"base": 2, "from": -3, "to": 7, "step": 2}, "gamma": [1e-3, 1e-2, 0.1, 1.0]}
    ) + [{"C": 1.0}]  # gamma "scale"
    selection = select_params("svm", points, X, y, None, dev_mask, seed=0)
    assert selection.method == ("dev" if dev else "inner_cv")
    got = [r["uar"] for r in selection.results]
    if dev:
        tr, va = ~dev_mask, dev_mask
        plain = [
            balanced_accuracy_score(y[va], SVC(**p).fit(X[tr], y[tr]).predict(X[va]))
            for p in points
        ]
        # the same optimisation problem; libsvm stops within its tolerance (tol=1e-3), so a
        # badly conditioned point (large C, small gamma) may land one dev utterance away
        diff = np.abs(np.array(got) - np.array(plain))
        assert (diff < 1e-12).sum() >= len(points) - 2
        one_utterance = 1 / 3 / 8  # 3 classes, 8 dev utterances each
        assert diff.max() <= one_utterance + 1e-12
    assert len(set(np.round(got, 6))) > 3  # the grid really discriminates
    assert selection.best == points[int(np.argmax(got))]


def _layered(n=150, seed=0):
    """A view with dev rows and three 'encoder layers': layer 0 is noise, layer 1 codes the label
    weakly everywhere, layer 2 strongly on train and test rows but not on dev."""
    view, _ = separable(n=n, seed=seed, n_dev=30)
    rng = np.random.default_rng(seed)
    code = view["label"].map(CLASSES.index).to_numpy()[:, None]
    dev = (view["split"] == "dev").to_numpy()[:, None]
    layers = {0: rng.normal(size=(n, 4)), 1: rng.normal(size=(n, 4)) + 1.5 * code,
              2: rng.normal(size=(n, 4)) + np.where(dev, 0.0, 4.0 * code)}  # fmt: skip
    columns = {f"whisper_l{layer}_mean_{k:03d}": x[:, k] for layer, x in layers.items()
               for k in range(4)}  # fmt: skip
    return view, pd.DataFrame(columns, index=view["utt_id"].to_numpy())


@pytest.mark.parametrize("grid", [{"C": [0.1, 1.0], "gamma": [0.1]}, {"C": [1.0], "gamma": [0.1]}])
def test_layer_probe_chooses_the_layer_on_dev_and_reports_every_layer(grid):
    view, feats = _layered()
    cfg = ClassicConfig.from_config({"family": "svm", "grid": grid, "layer_probe": True}, "svm",
                                    "global", 0)  # fmt: skip
    bundle, preds = train_predict_by_layer(view, feats, cfg, CLASSES)
    layers = {row["layer"]: row for row in bundle["layers"]}
    assert sorted(layers) == [0, 1, 2] and bundle["layer"] == 1 and layers[1]["chosen"]
    assert layers[1]["dev_uar"] > max(layers[0]["dev_uar"], layers[2]["dev_uar"])
    assert {row["selection"] for row in bundle["layers"]} == {"dev"}
    # layer 2 would score best on test: the choice never looks there
    assert layers[2]["test_uar"] > layers[1]["test_uar"]
    assert bundle["feature_names"] == [c for c in feats.columns if c.startswith("whisper_l1_")]
    # the predictions are the chosen layer's own model
    _, alone = train_predict(view, feats[bundle["feature_names"]], cfg, CLASSES)
    pd.testing.assert_frame_equal(preds, alone)


def test_layer_probe_needs_several_layers_and_dev_rows():
    view, feats = _layered()
    cfg = ClassicConfig.from_config(
        {"family": "logreg", "layer_probe": True}, "logreg", "global", 0
    )
    with pytest.raises(ValueError, match="several encoder layers"):
        train_predict_by_layer(view, feats[[c for c in feats if "_l1_" in c]], cfg, CLASSES)
    no_dev = view.assign(split=view["split"].replace("dev", "train"))
    with pytest.raises(ValueError, match="dev"):
        train_predict_by_layer(no_dev, feats, cfg, CLASSES)


def test_layer_table_lists_each_run_s_layers(tmp_path):
    view, feats = _layered()
    cfg = ClassicConfig.from_config({"family": "logreg", "layer_probe": True}, "logreg", "global",
                                    0)  # fmt: skip
    bundle, _ = train_predict_by_layer(view, feats, cfg, CLASSES)
    paths = {}
    for run in ("fold0", "fold1"):
        paths[run] = tmp_path / run / "config.json"
        save_model(bundle, tmp_path / run / "model.joblib", tmp_path / run / "label_map.json",
                   paths[run], {"run": run})  # fmt: skip
    table = write_layer_table(paths, tmp_path / "layers.csv")
    assert list(table.columns) == [
        "run", "layer", "selection", "dev_uar", "loco_uar", "test_uar", "chosen",
    ]  # fmt: skip
    assert list(table["run"]) == ["fold0"] * 3 + ["fold1"] * 3
    assert list(table.loc[table["chosen"], "layer"]) == [1, 1]
    assert pd.read_csv(tmp_path / "layers.csv").shape == (6, 7)
    plain_cfg = ClassicConfig.from_config({"family": "logreg"}, "logreg", "global", 0)
    plain, _ = train_predict(view, feats, plain_cfg, CLASSES)
    save_model(plain, tmp_path / "p" / "m.joblib", tmp_path / "p" / "l.json",
               tmp_path / "p" / "config.json", {})  # fmt: skip
    with pytest.raises(ValueError, match="layer_probe"):
        layer_table({"main": tmp_path / "p" / "config.json"})


def test_classic_run_fits_once_and_its_dev_predictions_are_the_saved_model_s(tmp_path):
    """The job's files: the model holds no prediction tables, and the dev predictions (what
    calibration is fitted on) come from the chosen layer's model, the one saved."""
    from crossemo.models.classic_engine import train_classic_run

    view, feats = _layered()
    split = view.assign(fold=0, speaker=view["utt_id"].str[-1])
    names = {"view": "view.parquet", "split": "split.parquet", "scheme": "scheme.yaml",
             "features": "features.parquet"}  # fmt: skip
    paths = {k: tmp_path / name for k, name in names.items()}
    view.to_parquet(paths["view"], index=False)
    split.to_parquet(paths["split"], index=False)
    paths["scheme"].write_text(json.dumps({"classes": CLASSES}))
    feats.rename_axis("utt_id").reset_index().to_parquet(paths["features"], index=False)
    outputs = {k: tmp_path / "run" / f for k, f in [
        ("model", "model.joblib"), ("label_map", "label_map.json"), ("config", "config.json"),
        ("predictions", "fold0.parquet"), ("dev_predictions", "fold0.dev.parquet")]}  # fmt: skip
    model = {"family": "logreg", "layer_probe": True}
    train_classic_run(
        view_path=paths["view"], split_path=paths["split"], scheme_path=paths["scheme"],
        feature_paths=[paths["features"]], augmented_path=None,
        experiment={"model": model, "standardize": "global", "seed": 0}, family="logreg",
        name="probe", run="fold0", outputs=outputs,
    )  # fmt: skip
    bundle = joblib.load(outputs["model"])
    assert "dev_predictions" not in bundle and bundle["layer"] == 1
    cfg = ClassicConfig.from_config(model, "logreg", "global", 0)
    speakers = split.set_index("utt_id")["speaker"]
    chosen, _ = train_predict(view, feats[bundle["feature_names"]], cfg, CLASSES, speakers)
    dev = pd.read_parquet(outputs["dev_predictions"])
    assert len(dev) == 30
    pd.testing.assert_frame_equal(dev, chosen["dev_predictions"].reset_index(drop=True),
                                  check_dtype=False)  # fmt: skip
