"""crossemo.metrics against hand-computed values and scikit-learn's own functions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from crossemo import metrics

# confusion (rows true a b c): [2 1 0] [0 1 1] [0 0 1]
Y_TRUE = ["a", "a", "a", "b", "b", "c"]
Y_PRED = ["a", "a", "b", "b", "c", "c"]


def test_scalars_by_hand():
    matrix = metrics.confusion(Y_TRUE, Y_PRED, ["a", "b", "c"])
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    got = metrics.scalars(matrix)
    assert got["n"] == 6
    assert got["uar"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert got["ua"] == got["uar"]
    assert got["wa"] == pytest.approx(4 / 6)
    assert got["macro_f1"] == pytest.approx((4 / 5 + 1 / 2 + 2 / 3) / 3)
    assert got["weighted_f1"] == pytest.approx((3 * 4 / 5 + 2 * 1 / 2 + 2 / 3) / 6)


def test_per_class_rates_by_hand():
    matrix = metrics.confusion(Y_TRUE, Y_PRED, ["a", "b", "c"])
    assert [float(metrics.confusion_measure(matrix, "precision", i)) for i in range(3)] == \
        pytest.approx([1.0, 0.5, 0.5])  # fmt: skip
    assert [float(metrics.confusion_measure(matrix, "recall", i)) for i in range(3)] == \
        pytest.approx([2 / 3, 0.5, 1.0])  # fmt: skip
    assert [int(metrics.confusion_measure(matrix, "support", i)) for i in range(3)] == [3, 2, 1]
    with pytest.raises(ValueError, match="per class"):
        metrics.confusion_measure(matrix, "recall")
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.confusion_measure(matrix, "auc")


def test_class_absent_from_truth_counts_in_macro_f1_not_in_uar():
    assert metrics.uar(["a", "a"], ["a", "b"]) == pytest.approx(0.5)
    assert metrics.score(["a", "a"], ["a", "b"], "macro_f1") == pytest.approx((2 / 3 + 0) / 2)


def test_integer_labels_outside_the_classes_are_not_counted():
    # -1: an unlabelled item; class 2 never occurs
    assert metrics.uar([0, 0, 1, -1], [0, 1, 1, 0], classes=range(3)) == pytest.approx(0.75)
    assert np.isnan(metrics.uar([-1, -1], [0, 1], classes=range(2)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y = rng.choice(["ang", "hap", "neu", "sad"], 200, p=[0.1, 0.2, 0.3, 0.4])
    p = np.where(rng.random(200) < 0.6, y, rng.choice(["ang", "hap", "neu", "sad"], 200))
    assert metrics.uar(y, p) == pytest.approx(balanced_accuracy_score(y, p))
    assert metrics.score(y, p, "wa") == pytest.approx(accuracy_score(y, p))
    assert metrics.score(y, p, "accuracy") == pytest.approx(accuracy_score(y, p))
    for average in ("macro", "weighted"):
        expected = f1_score(y, p, average=average, zero_division=0)
        assert metrics.score(y, p, f"{average}_f1") == pytest.approx(expected)
        assert metrics.score(y, p, f"f1_{average}") == pytest.approx(expected)


def test_bootstrap_is_the_percentiles_of_resampled_scores():
    rng = np.random.default_rng(3)
    y = rng.choice(["a", "b", "c"], 60)
    p = np.where(rng.random(60) < 0.5, y, rng.choice(["a", "b", "c"], 60))
    got = metrics.bootstrap(y, p, ["a", "b", "c"], n_boot=40, seed=7)
    draws = np.random.default_rng(7)
    uars, was = [], []
    for _ in range(40):
        idx = draws.integers(0, 60, 60)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a resample may lack a class
            uars.append(balanced_accuracy_score(y[idx], p[idx]))
        was.append(accuracy_score(y[idx], p[idx]))
    assert got["uar"] == pytest.approx(np.percentile(uars, [2.5, 97.5]).tolist())
    assert got["wa"] == pytest.approx(np.percentile(was, [2.5, 97.5]).tolist())
    assert metrics.bootstrap([], [], ["a"], n_boot=10) == {}
