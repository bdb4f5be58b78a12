"""Calibration: ECE and Brier by hand, temperature scaling of a planted overconfident model,
EM recovering a planted prior shift, and the table's notes where a correction cannot be made."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crossemo.calibration import (
    adjust_priors,
    calibration_files,
    em_priors,
    fit_temperature,
    scale,
)
from crossemo.metrics import brier_score, expected_calibration_error

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
                              tmp_path / "r.png", "exp", settings)  # fmt: skip
    by = table.set_index("method")
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
                              tmp_path / "r.png", "exp", settings)  # fmt: skip
    assert list(table["method"]) == ["raw", "prior"]
    assert (table["note"] == "no dev predictions: temperature not fitted").all()
    # a handful of dev predictions: no temperature either (it would run to zero)
    pd.read_parquet(tmp_path / "main.dev.parquet").head(10).to_parquet(tmp_path / "few.parquet")
    table = calibration_files({"main": tmp_path / "main.parquet"},
                              {"main": tmp_path / "few.parquet"},
                              {"main": tmp_path / "view.parquet"}, tmp_path / "c.csv",
                              tmp_path / "r.png", "exp", settings)  # fmt: skip
    assert list(table["method"]) == ["raw", "prior"] and table["n_dev"].eq(10).all()
    assert table["note"].str.startswith("10 dev predictions, fewer than").all()
    # predictions without class probabilities: a row saying so, no failure
    pd.read_parquet(tmp_path / "main.parquet").filter(regex="^(?!prob_)").to_parquet(
        tmp_path / "main.parquet")  # fmt: skip
    table = calibration_files({"main": tmp_path / "main.parquet"}, {},
                              {"main": tmp_path / "view.parquet"}, tmp_path / "c.csv",
                              tmp_path / "r.png", "exp", settings)  # fmt: skip
    assert table["note"].tolist() == ["no class probabilities in the predictions"]
