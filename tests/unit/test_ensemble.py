"""Late fusion (crossemo.models.ensemble, family ensemble): the combination on synthetic
predictions, and what the plan makes of an ensemble experiment (runs, inputs, checks)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from plan_configs import load

from crossemo.evaluation.calibration import fit_temperature
from crossemo.models import ensemble, families
from crossemo.models.predictions import predictions_frame
from crossemo.plan import Plan, paths, split_keys

CLASSES = ["negative", "neutral", "positive"]


def _member(labels: np.ndarray, skill: float, seed: int, prefix: str = "u",
            sharp: float = 1.0) -> pd.DataFrame:  # fmt: skip
    """Predictions of ``labels`` (class indices) by a member that puts ``skill`` extra logit on
    the truth, over noise (``sharp`` scales the logits: a badly calibrated member)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(len(labels), len(CLASSES)))
    logits[np.arange(len(labels)), labels] += skill
    probs = np.exp(sharp * logits)
    probs /= probs.sum(axis=1, keepdims=True)
    ids = [f"{prefix}{i}" for i in range(len(labels))]
    corpora = ["savee" if i % 2 else "emodb" for i in range(len(labels))]
    return predictions_frame(ids, corpora, labels, probs, CLASSES)


def _labels(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, len(CLASSES), n)


@pytest.fixture(scope="module")
def pair():
    """A good member and a poor one: (test tables, dev tables)."""
    y_test, y_dev = _labels(300, 1), _labels(200, 2)
    test = {"good": _member(y_test, 2.5, 3), "poor": _member(y_test, 0.3, 4)}
    dev = {"good": _member(y_dev, 2.5, 5, "d"), "poor": _member(y_dev, 0.3, 6, "d")}
    return test, dev


def test_dev_weights_favour_the_better_member(pair):
    test, dev = pair
    # uncalibrated (temperature scaling alone already softens the poor member: a tie)
    settings = {"combine": "average", "weights": "dev", "calibrate": "none"}
    fused = ensemble.fuse(test, dev, settings)
    weights = fused["info"]["weights"]
    assert weights["good"] > weights["poor"] and sum(weights.values()) == pytest.approx(1)
    equal = ensemble.fuse(test, dev, {**settings, "weights": "equal"})
    assert equal["info"]["weights"] == {"good": 0.5, "poor": 0.5}
    assert not np.allclose(fused["test"]["prob_neutral"], equal["test"]["prob_neutral"])
    # the member order does not change the choice
    swapped = ensemble.fuse(dict(reversed(test.items())), dict(reversed(dev.items())), settings)
    assert swapped["info"]["weights"] == weights


def test_dev_weights_ties_give_equal_weights_and_many_members_ascend():
    probs = [np.eye(3)[[0, 1, 2]]] * 3  # three identical members: every weighting ties
    assert ensemble.dev_weights(probs, np.array([0, 1, 2])).tolist() == pytest.approx([1 / 3] * 3)
    y = _labels(150, 7)
    members = [_member(y, s, i) for i, s in enumerate([0.1, 3.0, 0.2, 0.1])]
    probs = [m[[f"prob_{c}" for c in CLASSES]].to_numpy() for m in members]
    w = ensemble.dev_weights(probs, y, seed=0)
    assert w.argmax() == 1 and w.sum() == pytest.approx(1) and (w >= 0).all()
    assert ensemble.dev_weights(probs, y, seed=0).tolist() == w.tolist()  # deterministic
    assert len(ensemble.simplex_grid(3)) == 66  # compositions of 10 into 3 parts


def test_stacking_fits_on_dev_only(pair):
    test, dev = pair
    settings = {"combine": "stacking", "calibrate": "none"}
    fused = ensemble.fuse(test, dev, settings)
    garbage = {n: t.assign(label="garbage") for n, t in test.items()}
    again = ensemble.fuse(garbage, dev, settings)
    cols = [f"prob_{c}" for c in CLASSES]
    np.testing.assert_allclose(again["test"][cols], fused["test"][cols])
    assert again["test"]["pred"].tolist() == fused["test"]["pred"].tolist()
    assert (again["test"]["label"] == "garbage").all()  # labels are carried, never used
    coef = np.asarray(fused["info"]["stacker"]["coef"])
    assert coef.shape == (3, 2 * len(CLASSES))
    # the good member's log-probabilities carry more weight than the poor one's
    assert np.abs(coef[:, :3]).sum() > np.abs(coef[:, 3:]).sum()
    # other dev labels change the stacker
    shuffled = {n: d.assign(label=d["label"].sample(frac=1, random_state=0).to_numpy())
                for n, d in dev.items()}  # fmt: skip
    moved = ensemble.fuse(test, shuffled, settings)
    assert not np.allclose(moved["test"][cols], fused["test"][cols])


def test_each_member_is_temperature_scaled_on_its_dev_predictions():
    y_test, y_dev = _labels(200, 8), _labels(200, 9)
    test = {"over": _member(y_test, 1.0, 10, sharp=6.0), "fine": _member(y_test, 1.0, 11)}
    dev = {"over": _member(y_dev, 1.0, 12, "d", sharp=6.0), "fine": _member(y_dev, 1.0, 13, "d")}
    fused = ensemble.fuse(test, dev, {"weights": "equal", "calibrate": "temperature"})
    temps = fused["info"]["temperatures"]
    probs = dev["over"][[f"prob_{c}" for c in CLASSES]].to_numpy()
    assert temps["over"] == pytest.approx(fit_temperature(probs, y_dev)) and temps["over"] > 3
    raw = ensemble.fuse(test, dev, {"weights": "equal", "calibrate": "none"})
    assert raw["info"]["temperatures"] == {"over": 1.0, "fine": 1.0}
    # scaled: the overconfident member no longer dominates the mean
    assert fused["test"]["prob_neutral"].max() < raw["test"]["prob_neutral"].max()


def test_members_on_other_utterances_are_refused(pair):
    test, dev = pair
    short = {"good": test["good"], "poor": test["poor"].iloc[:-5]}
    with pytest.raises(ValueError, match=r"member poor: .*295 utterances.*5 of good's missing"):
        ensemble.fuse(short, dev, {})
    # dev rows: the ones every member predicted
    fewer = {"good": dev["good"], "poor": dev["poor"].iloc[10:]}
    assert ensemble.fuse(test, fewer, {"weights": "equal"})["info"]["n_dev"] == 190


def test_the_job_writes_the_contract_and_the_scores_side_by_side(pair, tmp_path):
    test, dev = pair
    files = {}
    for name in test:
        for what, table in (("test", test[name]), ("dev", dev[name])):
            files[what, name] = tmp_path / f"{name}.{what}.parquet"
            table.to_parquet(files[what, name])
    out = {k: str(tmp_path / f) for k, f in
           (("predictions", "e.parquet"), ("dev_predictions", "e.dev.parquet"),
            ("config", "config.json"))}  # fmt: skip
    job = families.TrainJob(
        family="ensemble", name="fusion", run="main",
        experiment={"model": {"family": "ensemble", "members": ["good", "poor"]}, "seed": 0},
        inputs={"members": [files["test", n] for n in test],
                "members_dev": [files["dev", n] for n in test]},
        outputs=out)  # fmt: skip
    families.train(job)
    assert len(pd.read_parquet(out["predictions"])) == 300
    assert len(pd.read_parquet(out["dev_predictions"])) == 200
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["members"] == ["good", "poor"] and set(config["temperatures"]) == {"good", "poor"}
    scores = pd.DataFrame(config["scores"]).set_index(["model", "scope"])
    assert set(scores.index.get_level_values("scope")) == {"dev", "emodb", "savee", "overall"}
    assert scores.loc[("good", "overall"), "uar"] > scores.loc[("poor", "overall"), "uar"]
    assert scores.loc[("ensemble", "dev"), "uar"] >= scores.loc[("good", "dev"), "uar"]
    table = ensemble.ensemble_table({"main": out["config"]}, tmp_path / "t.csv", "fusion")
    assert len(table) == 3 * 4 and set(table["model"]) == {"good", "poor", "ensemble"}
    assert table.loc[table["model"] == "good", "weight"].iloc[0] == config["weights"]["good"]
    from crossemo.models.predict import ModelFolderError, load_model

    with pytest.raises(ModelFolderError, match="cannot answer audio"):
        load_model(tmp_path)  # the run's config.json names family ensemble


# ---- the plan ----
@pytest.fixture(scope="module")
def demo() -> Plan:
    return load("config/config.yaml")


def _with_ensemble(demo: Plan, members, **changes) -> Plan:
    """The demo plan plus an eGeMAPS SVM on demo_whisper_svm_cross's split (``same``) and an
    ensemble of ``members`` on that split (``changes``: its keys changed)."""
    config = copy.deepcopy(dict(demo.config))
    exps = config["experiments"]
    base = exps["demo_whisper_svm_cross"]
    exps["same"] = copy.deepcopy(exps["demo_egemaps_svm_loco"])  # eGeMAPS on the same split
    split = {k: copy.deepcopy(base[k]) for k in split_keys() if k in base}
    exps["fusion"] = {**split, "balance": base["balance"], **changes,
                      "model": {"family": "ensemble", "members": members}}  # fmt: skip
    plan = Plan(config, demo.scheme_dir, demo.reference_dir)
    plan.validate()
    return plan


def test_an_ensemble_runs_its_members_runs_and_reads_their_predictions(demo):
    plan = _with_ensemble(demo, ["demo_whisper_svm_cross", "same"])
    assert "fusion" in plan.ensemble_experiments and "fusion" in plan.model_experiments
    assert plan.runs("fusion") == ["main"]
    assert plan.ensemble_inputs("fusion", "main") == {
        "members": ["results/predictions/demo_whisper_svm_cross/main.parquet",
                    "results/predictions/same/main.parquet"],
        "members_dev": ["results/predictions/demo_whisper_svm_cross/main.dev.parquet",
                        "results/predictions/same/main.dev.parquet"],
    }  # fmt: skip
    assert "results/tables/ensemble_fusion.csv" in plan.all_targets()
    assert plan.evaluation_inputs("fusion")["dev_main"] == paths.fill(
        paths.DEV_PREDICTIONS, experiment="fusion", run="main"
    )
    assert plan.train_params("fusion") == {"model": plan.model("fusion"), "seed": 0}
    # an LR-CV member gives its final run; one family of a multi-family experiment its run
    assert plan.member_run("demo_finetune_lrcv", "main") == "final"
    assert plan.member_run("demo_handcrafted_multi/knn", "main") == "fold0-knn"


@pytest.mark.parametrize(
    "members, changes, error",
    [
        (
            ["demo_whisper_svm_cross", "same"],
            {"seed": 1},
            r"differs from fusion in split keys \['seed'\]",
        ),
        (
            ["demo_whisper_svm_cross", "demo_egemaps_svm_cross"],
            {},
            r"demo_egemaps_svm_cross differs .* split keys \['test', 'train'\]",
        ),
        (["demo_whisper_svm_cross", "nothing"], {}, "'nothing' is not an experiment with a model"),
        (["demo_whisper_svm_cross", "demo_valence_cross"], {}, "not an experiment with a model"),
        (["same"], {}, "two or more"),
        (["demo_whisper_svm_cross", "same/knn"], {}, r"name one family of same .* \['svm'\]"),
    ],
)
def test_start_up_refuses_members_that_cannot_line_up(demo, members, changes, error):
    with pytest.raises(ValueError, match=error):
        _with_ensemble(demo, members, **changes)


def test_an_ensemble_member_may_not_be_an_ensemble(demo):
    plan = _with_ensemble(demo, ["demo_whisper_svm_cross", "same"])
    config = copy.deepcopy(dict(plan.config))
    config["experiments"]["again"] = {**config["experiments"]["fusion"],
                                      "model": {"family": "ensemble",
                                                "members": ["fusion", "same"]}}  # fmt: skip
    with pytest.raises(ValueError, match="nor may it be an ensemble"):
        Plan(config, demo.scheme_dir, demo.reference_dir).validate()
