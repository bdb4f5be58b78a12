"""Layer combination (model.layer_combination): the learnt weights find the informative layer on
the training rows only, concat takes the chosen columns, and a saved run applies them again."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crossemo.models import families
from crossemo.models.classic import ClassicConfig, train_predict
from crossemo.models.classic_engine import load, save_model
from crossemo.models.layers import combine, fit_combination, fit_layer_weights

CLASSES = ["angry", "happy", "sad"]


def _layered(n=120, seed=0, informative=2, n_layers=4, width=3):
    """A view (train / dev / test rows) and Whisper-style columns of ``n_layers`` layers, only
    ``informative`` coding the label, plus one column of no layer."""
    rng = np.random.default_rng(seed)
    labels = np.array([CLASSES[i % 3] for i in range(n)])
    code = np.array([CLASSES.index(c) for c in labels])[:, None]
    split = np.array(["train"] * n, dtype=object)
    split[: n // 6], split[-n // 4 :] = "dev", "test"
    ids = [f"demo/{i:04d}" for i in range(n)]
    view = pd.DataFrame({"utt_id": ids, "corpus": "demo", "label": labels, "split": split,
                         "weight": 1.0})  # fmt: skip
    columns = {}
    for layer in range(n_layers):
        x = rng.normal(size=(n, width)) * (layer + 1) + (3.0 * code if layer == informative else 0)
        columns |= {f"whisper_l{layer}_mean_{k:03d}": x[:, k] for k in range(width)}
    columns["pitch"] = rng.normal(size=n)
    return view, pd.DataFrame(columns, index=ids)


def _blocks(feats: pd.DataFrame) -> list[np.ndarray]:
    return [feats.filter(like=f"whisper_l{i}_").to_numpy() for i in range(4)]


def test_weights_favour_the_informative_layer_and_are_deterministic_per_seed():
    view, feats = _layered()
    y = view["label"].map(CLASSES.index).to_numpy()
    X = [(x - x.mean(0)) / x.std(0) for x in _blocks(feats)]
    weights = fit_layer_weights(X, y, seed=0)
    assert weights.shape == (4,) and np.isclose(weights.sum(), 1.0) and (weights > 0).all()
    assert int(np.argmax(weights)) == 2 and weights[2] > 0.5
    np.testing.assert_array_equal(weights, fit_layer_weights(X, y, seed=0))
    _, other = _layered(informative=0)
    X0 = [(x - x.mean(0)) / x.std(0) for x in _blocks(other)]
    assert int(np.argmax(fit_layer_weights(X0, y, seed=0))) == 0


def test_weights_are_learnt_on_the_train_rows_only():
    view, feats = _layered()
    spec = {"method": "weighted_sum", "layers": "all", "steps": 100}
    fitted = fit_combination(view, feats, spec, seed=3)
    # other labels (NaN too) and other features on dev and test rows change nothing
    others = view["split"] != "train"
    view2 = view.assign(label=view["label"].where(~others, np.nan).astype(object))
    feats2 = feats.copy()
    rows = others.to_numpy()
    feats2.loc[rows] = np.random.default_rng(9).normal(size=feats2[rows].shape)
    refit = fit_combination(view2, feats2, spec, seed=3)
    assert refit["weights"] == fitted["weights"]
    np.testing.assert_array_equal(refit["mean"], fitted["mean"])
    assert fit_combination(view, feats, spec, seed=4)["weights"] != fitted["weights"]


def test_weighted_sum_is_one_layer_wide_and_keeps_columns_of_no_layer():
    view, feats = _layered()
    fitted = fit_combination(view, feats, {"method": "weighted_sum", "layers": [1, 2]}, seed=0)
    out = combine(feats, fitted)
    assert list(out.columns) == [f"whisper_wsum_mean_{k:03d}" for k in range(3)] + ["pitch"]
    train = (view["split"] == "train").to_numpy()
    expected = 0.0
    for w, x in zip(fitted["weights"], _blocks(feats)[1:3], strict=True):
        expected = expected + w * (x - x[train].mean(0)) / x[train].std(0)
    np.testing.assert_allclose(out.iloc[:, :3].to_numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(out["pitch"], feats["pitch"])


@pytest.mark.parametrize("scale", [False, True])
def test_concat_takes_exactly_the_chosen_layers(scale):
    view, feats = _layered()
    fitted = fit_combination(view, feats, {"method": "concat", "layers": [3, 1], "scale": scale})
    out = combine(feats, fitted)
    chosen = [f"whisper_l{i}_mean_{k:03d}" for i in (3, 1) for k in range(3)]
    assert list(out.columns) == chosen + ["pitch"]
    if not scale:
        pd.testing.assert_frame_equal(out, feats[chosen + ["pitch"]])
    else:  # every block has total standard deviation 1 on the training rows
        train = out.loc[view.loc[view["split"] == "train", "utt_id"]]
        for i in (3, 1):
            total = np.sqrt(train.filter(like=f"whisper_l{i}_").var(ddof=0).sum())
            assert total == pytest.approx(1.0)


def test_missing_layers_and_unknown_methods_are_refused():
    view, feats = _layered()
    with pytest.raises(ValueError, match=r"layer_combination.layers \[2, 7\].*\[0, 1, 2, 3\]"):
        fit_combination(view, feats, {"method": "concat", "layers": [2, 7]})
    with pytest.raises(ValueError, match=r"layers all: the features have encoder layers \[\]"):
        fit_combination(view, feats[["pitch"]], {"method": "concat"})
    with pytest.raises(ValueError, match="method"):
        fit_combination(view, feats, {"method": "attention"})
    cfg = ClassicConfig.from_config(
        {"family": "logreg", "layer_probe": True, "layer_combination": {"method": "concat"}},
        "logreg", "global", 0,
    )  # fmt: skip
    from crossemo.models.layer_probe import train_predict_by_layer

    with pytest.raises(ValueError, match="exclude each other"):
        train_predict_by_layer(view, feats, cfg, CLASSES)


def test_a_saved_run_applies_the_stored_weights_in_predict(tmp_path):
    view, feats = _layered()
    model = {"family": "logreg", "layer_combination": {"method": "weighted_sum", "steps": 50}}
    cfg = ClassicConfig.from_config(model, "logreg", "global", 0)
    bundle, table = train_predict(view, feats, cfg, CLASSES)
    bundle.pop("dev_predictions")
    run = {"features": {"name": "whisper"}, "layer_combination": cfg.layer_combination}
    save_model(bundle, tmp_path / "model.joblib", tmp_path / "label_map.json",
               tmp_path / "config.json", run)  # fmt: skip
    info = json.loads((tmp_path / "config.json").read_text())["layer_combination"]
    assert info["method"] == "weighted_sum" and info["steps"] == 50
    assert info["layers"] == [0, 1, 2, 3]
    assert info["weights"] == bundle["layer_combination"]["weights"]
    loaded = load(families.get("logreg"), tmp_path)
    test_ids = view.loc[view["split"] == "test", "utt_id"]
    loaded._features = lambda waves: feats.loc[test_ids].reset_index(drop=True)  # raw columns
    labels, probs = loaded.predict(list(range(len(test_ids))))
    assert labels == table["pred"].tolist()
    np.testing.assert_allclose(probs, table[[f"prob_{c}" for c in CLASSES]].to_numpy(), atol=1e-6)


def _plan_with(tmp_path, model_keys: dict, features: dict):
    """The demo config plus a classic experiment (demo_whisper_svm_cross's split) on
    ``features`` with ``model_keys``, validated by the schema and the start-up checks."""
    import yaml
    from plan_configs import REPO, load

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    base = config["experiments"]["demo_whisper_svm_cross"]
    model = {"family": "svm", **model_keys}
    config["experiments"]["combined"] = {**base, "features": features, "model": model}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return load(path)


HF = {"name": "whisper", "model": "models/whisper-hf", "backend": "transformers", "layers": "all"}


def test_start_up_checks_the_features_layers_and_layer_probe(tmp_path):
    combination = {"method": "weighted_sum", "layers": [1, 3]}
    plan = _plan_with(tmp_path, {"layer_combination": combination}, HF)
    assert plan.model("combined")["layer_combination"] == combination
    _plan_with(tmp_path, {"layer_combination": combination}, HF | {"layers": [0, 1, 3]})
    with pytest.raises(ValueError, match=r"layer_combination.layers \[1, 3\].*\[0, 1\] only"):
        _plan_with(tmp_path, {"layer_combination": combination}, HF | {"layers": [0, 1]})
    with pytest.raises(ValueError, match="layer_combination needs Whisper features of several"):
        _plan_with(tmp_path, {"layer_combination": combination}, HF | {"layers": -1})
    with pytest.raises(ValueError, match="layer_combination and model.layer_probe exclude"):
        _plan_with(tmp_path, {"layer_combination": combination, "layer_probe": True}, HF)


@pytest.mark.parametrize("method", ["weighted_sum", "concat"])
def test_layers_of_a_fused_set_are_combined_and_the_sets_weighed_after(method):
    """Early fusion (columns ``<set>/...``) with a layer combination: the Whisper set's layers
    are combined, the sum keeps its set's prefix, the other set passes through, and the block
    weights are those of the combined columns."""
    view, feats = _layered()
    whisper = feats.filter(like="whisper_l").add_prefix("whisper-x/")
    other = feats[["pitch"]].add_prefix("egemaps/")
    fused = pd.concat([other, whisper], axis=1)
    cfg = ClassicConfig(family="logreg", layer_combination={"method": method, "layers": [1, 2]},
                        fused_sets=("egemaps", "whisper-x"), standardize="global")  # fmt: skip
    bundle, table = train_predict(view, fused, cfg, CLASSES)
    names = bundle["feature_names"]
    assert "egemaps/pitch" in names
    combined = [n for n in names if n.startswith("whisper-x/")]
    if method == "weighted_sum":
        assert combined == [f"whisper-x/whisper_wsum_mean_{k:03d}" for k in range(3)]
    else:
        assert combined == [
            f"whisper-x/whisper_l{i}_mean_{k:03d}" for i in (1, 2) for k in range(3)
        ]
    weights = bundle["standardizer"].weights
    width = len(combined)
    expected_pitch = np.sqrt((width + 1) / 2)  # one column carries half of the distance
    assert np.isclose(weights[names.index("egemaps/pitch")], expected_pitch)
    assert (table["pred"] == table["label"]).mean() > 0.55  # layer 2 carries it (chance 1/3)
