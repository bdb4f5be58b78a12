"""Analysis of classic experiments on synthetic features: permutation importance finds the one
informative feature, the t-SNE frame has the right rows and colours, and the plan gives maps to
classic experiments and importance to named feature sets only."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.embedding import colours, embedding_frame, map_rows, subsample
from crossemo.evaluation.importance import POOLED, importance_table
from crossemo.features import Standardizer

REPO = Path(__file__).resolve().parents[2]


def _split(n: int, folds: int = 2) -> pd.DataFrame:
    """``folds`` folds: fold k tests rows i % folds == k, trains on the rest."""
    rng = np.random.default_rng(0)
    utt = [f"c{(i // 2) % 2}/u{i}" for i in range(n)]
    label = np.where(rng.random(n) < 0.5, "neg", "pos")
    rows = []
    for k in range(folds):
        split = np.where(np.arange(n) % folds == k, "test", "train")
        rows.append(pd.DataFrame({"utt_id": utt, "corpus": [u[:2] for u in utt],
                                  "speaker": [f"s{i % 6}" for i in range(n)], "label": label,
                                  "fold": k, "split": split}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def _features(split: pd.DataFrame) -> pd.DataFrame:
    """Three noise columns and ``pitch``, which is the label plus a little noise."""
    first = split.drop_duplicates("utt_id")
    rng = np.random.default_rng(1)
    n = len(first)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["noise_a", "noise_b", "noise_c"])
    frame.insert(1, "pitch", (first["label"].to_numpy() == "pos") * 3.0 + rng.normal(0, 0.3, n))
    return frame.set_index(first["utt_id"].to_numpy())


def _bundle(split: pd.DataFrame, features: pd.DataFrame, fold: int) -> dict:
    """A saved classic run as the engine writes it (logistic regression, global z-scores)."""
    from sklearn.linear_model import LogisticRegression

    rows = split[(split["fold"] == fold) & (split["split"] == "train")]
    scaler = Standardizer("global").fit(features.loc[rows["utt_id"]].to_numpy())
    X = scaler.transform(features.loc[rows["utt_id"]].to_numpy())
    y = (rows["label"] == "pos").astype(int).to_numpy()
    return {"family": "logreg", "estimator": LogisticRegression().fit(X, y),
            "standardizer": scaler, "classes": ["neg", "pos"], "train_classes": ["neg", "pos"],
            "feature_names": list(features.columns)}  # fmt: skip


def test_importance_finds_the_planted_informative_feature():
    split = _split(80)
    features = _features(split)
    bundles = {f"fold{k}": _bundle(split, features, k) for k in range(2)}
    table = importance_table(bundles, split, features, repeats=5, seed=0)
    for run in ("fold0", "fold1", POOLED):
        block = table[table["run"] == run]
        assert block.iloc[0]["feature"] == "pitch" and block.iloc[0]["rank"] == 1
        assert block.iloc[0]["importance_mean"] > 0.3  # UAR falls to about chance
        assert (block.iloc[1:]["importance_mean"].abs() < 0.1).all()
        assert len(block) == features.shape[1]
    pooled = table[table["run"] == POOLED].iloc[0]
    assert pooled["n_test"] == 80  # each utterance tested once over the folds
    assert pooled["test_uar"] > 0.9


def test_embedding_frame_has_the_rows_roles_and_one_colour_per_value():
    split = _split(60)
    features = _features(split)
    rows = map_rows(split)
    assert list(rows["role"].value_counts().sort_index()) == [30, 30]  # fold 0: test, train
    X = Standardizer("global").fit_transform(features.loc[rows["utt_id"]].to_numpy())
    frame = embedding_frame(rows, X, points=40, seed=0, perplexity=30)
    assert len(frame) == 40 and frame["utt_id"].is_unique
    assert set(frame["role"]) == {"train", "test"} and set(frame["corpus"]) == {"c0", "c1"}
    assert np.isfinite(frame[["x", "y"]].to_numpy()).all()
    assert frame.set_index("utt_id")["label"].to_dict() == rows.set_index("utt_id").loc[
        frame["utt_id"], "label"].to_dict()  # fmt: skip
    palette = colours(frame["label"])
    assert sorted(palette) == ["neg", "pos"] and palette["neg"] != palette["pos"]


def test_subsample_is_seeded_and_keeps_every_role_and_corpus():
    rows = map_rows(_split(200))
    a, b = subsample(rows, 50, seed=3), subsample(rows, 50, seed=3)
    assert np.array_equal(a, b) and len(a) == 50
    kept = rows.iloc[a]
    assert set(zip(kept["role"], kept["corpus"], strict=True)) == {
        (r, c) for r in ("train", "test") for c in ("c0", "c1")}  # fmt: skip
    assert len(subsample(rows, 500, seed=0)) == len(rows)


@pytest.fixture(scope="module")
def demo():
    from plan_configs import load

    return load("config/config.yaml")


def test_plan_maps_classic_experiments_and_ranks_named_sets(demo):
    import copy

    from crossemo.plan import Plan

    chosen = demo.config["analysis"]["experiments"]  # the demo analyses two experiments
    assert demo.mapped_experiments == demo.ranked_experiments == chosen
    config = copy.deepcopy(demo.config)
    del config["analysis"]["experiments"]  # absent: every experiment its family allows
    every = Plan(config, REPO / "config" / "label_schemes",
                 REPO / "src" / "crossemo" / "data" / "reference")  # fmt: skip
    assert "demo_fusion_early" in every.mapped_experiments
    assert "demo_exhubert" not in every.mapped_experiments  # neural: no feature rows
    assert "demo_egemaps_svm_emodb" in every.ranked_experiments
    assert "demo_handcrafted_multi" in every.ranked_experiments
    for unnamed in ("demo_whisper_svm_cross", "demo_fusion_early"):
        assert unnamed not in every.ranked_experiments
    inputs = demo.rank_inputs("demo_egemaps_svm_emodb")
    assert sorted(k for k in inputs if k.startswith("model_")) == [
        f"model_fold{k}" for k in range(5)]  # fmt: skip
