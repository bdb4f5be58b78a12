"""Calibration: ECE and Brier by hand, temperature scaling of a planted overconfident model,
EM recovering a planted prior shift, the table's notes where a correction cannot be made, and
its intervals: clustered ones wider than utterance ones where speakers' errors go together."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.calibration import (
    adjust_priors,
    brier_score,
    calibration_files,
    calibration_measures,
    calibration_sums,
    em_priors,
    expected_calibration_error,
    fit_temperature,
    log_loss,
    scale,
)
from crossemo.evaluation.metrics import score

NO_CI = {"resamples": 0}
MEANS = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])


def sample(n: int, priors, seed: int):
    """Labels drawn with ``priors`` and 2-D Gaussian features around MEANS; returns the labels
    and the exact posteriors under *uniform* priors (the model a balanced training set gives)."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=priors)
    x = MEANS[y] + rng.normal(size=(n, 2))
    loglik = -0.5 * ((x[:, None, :] - MEANS[None]) ** 2).sum(-1)
    post = np.exp(loglik - loglik.max(1, keepdims=True))
    return y, post / post.sum(1, keepdims=True)


def test_ece_and_brier_by_hand():
    probs = np.array([[1.0, 0.0], [0.6, 0.4]])
    labels = np.array([0, 1])
    # bin of 1.0: right, confidence 1 -> 0; bin of 0.6: wrong, confidence 0.6 -> 0.6; weight 1/2
    assert expected_calibration_error(probs, labels, bins=10) == pytest.approx(0.3)
    assert brier_score(probs, labels) == pytest.approx((0 + 0.36 + 0.36) / 2)


def test_temperature_scaling_cures_a_planted_overconfident_model():
    y_dev, post_dev = sample(3000, [1 / 3] * 3, seed=0)
    y_test, post_test = sample(3000, [1 / 3] * 3, seed=1)
    overconfident = scale(post_test, 1 / 3)  # logits x 3
    raw_ece = expected_calibration_error(overconfident, y_test)
    assert expected_calibration_error(post_test, y_test) < 0.03  # the true posteriors: calibrated
    assert raw_ece > 0.1
    temperature = fit_temperature(scale(post_dev, 1 / 3), y_dev)  # fitted on dev only
    assert temperature == pytest.approx(3.0, rel=0.15)
    fixed = scale(overconfident, temperature)
    assert expected_calibration_error(fixed, y_test) < raw_ece / 3
    assert (fixed.argmax(1) == overconfident.argmax(1)).all()  # decisions unchanged


def test_em_recovers_a_planted_prior_shift_without_labels():
    shifted = np.array([0.7, 0.2, 0.1])
    y, post = sample(6000, shifted, seed=2)  # posteriors of a model trained on uniform priors
    found = em_priors(post, np.full(3, 1 / 3))
    np.testing.assert_allclose(found, shifted, atol=0.03)
    assert abs(post.mean(0)[0] - 0.7) > 0.05  # the naive mean of the posteriors is biased
    adjusted = adjust_priors(post, np.full(3, 1 / 3), found)
    assert (adjusted.argmax(1) == y).mean() > (post.argmax(1) == y).mean()  # accuracy improves


def _frame(y, probs, corpus, prefix):
    classes = ["a", "b", "c"]
    frame = pd.DataFrame({"utt_id": [f"{prefix}{i}" for i in range(len(y))], "corpus": corpus,
                          "label": [classes[i] for i in y],
                          "pred": [classes[i] for i in probs.argmax(1)]})  # fmt: skip
    for k, c in enumerate(classes):
        frame[f"prob_{c}"] = probs[:, k]
    return frame


def test_the_rule_table_shows_each_correction_and_says_what_it_could_not_do(tmp_path):
    y_dev, p_dev = sample(1500, [1 / 3] * 3, seed=3)
    y_test, p_test = sample(1500, [0.6, 0.3, 0.1], seed=4)
    _frame(y_test, scale(p_test, 0.5), "x", "t").to_parquet(tmp_path / "main.parquet")
    _frame(y_dev, scale(p_dev, 0.5), "tr", "d").to_parquet(tmp_path / "main.dev.parquet")
    view = pd.DataFrame({"label": ["a", "b", "c"] * 10, "split": "train", "weight": 1.0})
    view.to_parquet(tmp_path / "view.parquet")
    settings = {"bins": 10, "temperature": True, "prior_shift": "em"}
    table = calibration_files({"main": tmp_path / "main.parquet"},
                              {"main": tmp_path / "main.dev.parquet"},
                              {"main": tmp_path / "view.parquet"}, tmp_path / "c.csv",
                              tmp_path / "r.png", "exp", settings,
                              {"unit": "utterance", "resamples": 50})  # fmt: skip
    by = table.set_index("method")
    assert (by["ece_ci_low"] <= by["ece"]).all() and (by["ece"] <= by["ece_ci_high"]).all()
    assert list(by.index) == ["raw", "temperature", "prior", "temperature+prior"]
    assert by.loc["temperature", "ece"] < by.loc["raw", "ece"]
    assert by.loc["temperature", "temperature"] == pytest.approx(2.0, rel=0.2)
    assert by.loc["temperature", "uar"] == by.loc["raw", "uar"]
    assert by.loc["temperature+prior", "wa"] > by.loc["raw", "wa"]  # the shift is undone
    assert json.loads(by.loc["temperature+prior", "target_priors"])["a"] == pytest.approx(
        0.6, abs=0.05)  # EM on the test corpus's own probabilities, no labels  # fmt: skip
    assert (tmp_path / "r.png").stat().st_size > 1000
    # a run without dev predictions: no temperature, said in the table
    table = calibration_files({"main": tmp_path / "main.parquet"}, {},
                              {"main": tmp_path / "view.parquet"}, tmp_path / "c.csv",
                              tmp_path / "r.png", "exp", settings, NO_CI)  # fmt: skip
    assert list(table["method"]) == ["raw", "prior"]
    assert (table["note"] == "no dev predictions: temperature not fitted").all()
    # a handful of dev predictions: no temperature either (it would run to zero)
    pd.read_parquet(tmp_path / "main.dev.parquet").head(10).to_parquet(tmp_path / "few.parquet")
    table = calibration_files({"main": tmp_path / "main.parquet"},
                              {"main": tmp_path / "few.parquet"},
                              {"main": tmp_path / "view.parquet"}, tmp_path / "c.csv",
                              tmp_path / "r.png", "exp", settings, NO_CI)  # fmt: skip
    assert list(table["method"]) == ["raw", "prior"] and table["n_dev"].eq(10).all()
    assert table["note"].str.startswith("10 dev predictions, fewer than").all()
    # predictions without class probabilities: a row saying so, no failure
    pd.read_parquet(tmp_path / "main.parquet").filter(regex="^(?!prob_)").to_parquet(
        tmp_path / "main.parquet")  # fmt: skip
    table = calibration_files({"main": tmp_path / "main.parquet"}, {},
                              {"main": tmp_path / "view.parquet"}, tmp_path / "c.csv",
                              tmp_path / "r.png", "exp", settings, NO_CI)  # fmt: skip
    assert table["note"].tolist() == ["no class probabilities in the predictions"]


def test_cluster_sums_add_up_to_the_measures_of_the_whole():
    y, post = sample(500, [0.5, 0.3, 0.2], seed=5)
    pred = np.roll(post.argmax(1), 7)  # decisions that are not the top class
    cluster = np.random.default_rng(0).integers(0, 9, size=len(y))
    found = calibration_measures(calibration_sums(post, y, pred, cluster, 9, bins=10).sum(0), 10)
    assert found["ece"] == pytest.approx(expected_calibration_error(post, y, bins=10))
    assert found["brier"] == pytest.approx(brier_score(post, y))
    assert found["log_loss"] == pytest.approx(log_loss(post, y))
    assert found["uar"] == pytest.approx(score(y, pred, "uar", [0, 1, 2]))
    assert found["wa"] == pytest.approx(score(y, pred, "wa", [0, 1, 2]))


def _speakers_table(tmp_path, speakers: int = 40, per: int = 50):
    """Predictions of a model always 80 % sure of its top class, right on every utterance of
    half the speakers and on none of the other half's (errors go together within a speaker),
    its split table (speaker = group) and a training view."""
    rng = np.random.default_rng(6)
    y = rng.integers(0, 3, size=speakers * per)
    good = np.repeat(rng.permutation(speakers) < speakers // 2, per)
    top = np.where(good, y, (y + 1) % 3)
    probs = np.full((len(y), 3), 0.1)
    probs[np.arange(len(y)), top] = 0.8
    frame = _frame(y, probs, "x", "u")
    frame.to_parquet(tmp_path / "main.parquet")
    split = pd.DataFrame({"utt_id": frame["utt_id"], "group": np.repeat(np.arange(speakers), per)})
    split.to_parquet(tmp_path / "split.parquet")
    view = pd.DataFrame({"label": ["a", "b", "c"] * 10, "split": "train", "weight": 1.0})
    view.to_parquet(tmp_path / "view.parquet")


def _raw_row(tmp_path, interval: dict) -> pd.Series:
    table = calibration_files({"main": tmp_path / "main.parquet"}, {},
                              {"main": tmp_path / "view.parquet"}, tmp_path / "c.csv",
                              tmp_path / "r.png", "exp", {"temperature": False}, interval,
                              tmp_path / "split.parquet")  # fmt: skip
    assert list(table["method"]) == ["raw"]
    return table.iloc[0]


def test_speaker_correlated_errors_widen_the_clustered_intervals(tmp_path):
    _speakers_table(tmp_path)
    spec = {"resamples": 400, "seed": 1}
    clustered = _raw_row(tmp_path, {"unit": "cluster", **spec})
    utterance = _raw_row(tmp_path, {"unit": "utterance", **spec})
    for name in ("ece", "brier", "log_loss", "uar", "wa"):
        for row in (clustered, utterance):
            assert row[f"{name}_ci_low"] <= row[name] <= row[f"{name}_ci_high"], name
    width = {name: (clustered[f"{name}_ci_high"] - clustered[f"{name}_ci_low"])
             / (utterance[f"{name}_ci_high"] - utterance[f"{name}_ci_low"])
             for name in ("ece", "brier", "wa")}  # fmt: skip
    assert min(width.values()) > 3, width  # 40 speakers, not 2000 independent utterances
    # the table on disk has the columns too
    written = pd.read_csv(tmp_path / "c.csv")
    assert written.loc[0, "ece_ci_high"] == pytest.approx(utterance["ece_ci_high"], rel=1e-5)


def test_no_resamples_leaves_the_interval_columns_empty(tmp_path):
    _speakers_table(tmp_path)
    row = _raw_row(tmp_path, {"resamples": 0})
    columns = [f"{m}_ci_{s}" for m in ("ece", "brier", "log_loss", "uar", "wa")
               for s in ("low", "high")]  # fmt: skip
    assert row[columns].isna().all()
    assert row["ece"] == pytest.approx(0.3, abs=0.01)  # 80 % sure, right half the time
