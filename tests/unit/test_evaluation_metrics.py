"""crossemo.evaluation.metrics against hand-computed values and scikit-learn's own functions,
and its registry: the only list of the measures' names (the config schema's included)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score

from crossemo.core.configuration import CONFIG_SCHEMA
from crossemo.evaluation import metrics

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


@pytest.mark.parametrize("seed", range(4))
def test_confusion_counts_as_scikit_learn_does(seed):
    """Labels as strings or numbers, classes in any order, labels outside the classes (true or
    predicted) not counted, classes never seen: scikit-learn's ``confusion_matrix`` counts."""
    rng = np.random.default_rng(seed)
    names = np.array(["neutral", "happy", "sad", "angry", "other"])
    y_true, y_pred = names[rng.integers(0, 5, 300)], names[rng.integers(0, 5, 300)]
    classes = list(rng.permutation(names[:4]))  # "other" is outside
    if seed == 3:
        classes.append("calm")  # never seen
    ours = metrics.confusion(list(y_true), y_pred, classes)
    assert ours.dtype == np.int64
    assert np.array_equal(ours, confusion_matrix(y_true, y_pred, labels=classes))
    a, b = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    ints = metrics.confusion(a, b.tolist(), [2, 0, 1])
    assert np.array_equal(ints, confusion_matrix(a, b, labels=[2, 0, 1]))
    assert metrics.confusion(["x"], ["y"], ["a", "b"]).tolist() == [[0, 0], [0, 0]]
    assert metrics.confusion([], [], []).shape == (0, 0)
    with pytest.raises(ValueError, match="3 true labels but 2 predictions"):
        metrics.confusion(["a"] * 3, ["a"] * 2, ["a"])


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


# ---------------------------------------------------------------- the registry of measures
SCHEMA = yaml.safe_load(Path(CONFIG_SCHEMA).read_text())


def schema_nodes(node, key: str = ""):
    """Every (key, schema node) of the config schema, at any depth."""
    if isinstance(node, dict):
        yield key, node
        for name, child in node.items():
            yield from schema_nodes(child, name)
    elif isinstance(node, list):
        for child in node:
            yield from schema_nodes(child, key)


def test_the_headline_lists_keep_their_order():
    """The run JSONs' keys and the tables' column order follow these tuples."""
    assert metrics.SCALARS == ("uar", "wa", "ua", "macro_f1", "weighted_f1")
    assert metrics.PER_CLASS == ("precision", "recall", "f1", "support")
    assert metrics.AVERAGES == ("weighted_precision", "weighted_recall", "macro_precision",
                                "macro_recall")  # fmt: skip
    assert metrics.distinct(metrics.SCALARS) == ("uar", "wa", "macro_f1", "weighted_f1")


def test_every_decision_measure_is_computed_and_every_alias_names_one():
    matrix = metrics.confusion(Y_TRUE, Y_PRED, ["a", "b", "c"])
    for name, measure in metrics.MEASURES.items():
        if measure.kind == metrics.PROBABILITY:
            with pytest.raises(ValueError, match="class probabilities"):
                metrics.confusion_measure(matrix, name)
            continue
        index = 0 if measure.kind == metrics.PER_CLASS_RATE else None
        assert np.isfinite(metrics.confusion_measure(matrix, name, index))
        if measure.same_as is not None:
            assert metrics.confusion_measure(matrix, name) == metrics.confusion_measure(
                matrix, measure.same_as)  # fmt: skip
    for alias, name in metrics.ALIASES.items():
        assert name in metrics.SCALARS and alias not in metrics.MEASURES
        assert metrics.confusion_measure(matrix, alias) == metrics.confusion_measure(matrix, name)
    with pytest.raises(ValueError, match="unknown metric 'acc'"):
        metrics.confusion_measure(matrix, "acc")


def test_labels_and_interval_keys_come_from_the_registry():
    assert metrics.label("uar") == "UAR" and metrics.label("accuracy") == "WA"
    assert metrics.label("recall[neu]") == "recall[neu]" and metrics.label("K1") == "K1"
    assert metrics.interval_key("ua") == "uar" and metrics.interval_key("weighted_recall") == "wa"
    assert metrics.interval_key("f1[a]") == "f1[a]"


def test_the_config_schema_names_the_registry_measures():
    """cv_metric's enum is the registry's CV metrics (headline scalars and older spellings);
    a paper binding's measure pattern names the registry's measures and the report's counts."""
    from crossemo.report.ours import COUNT_NAMES, METRIC_NAMES

    enums = [node["enum"] for key, node in schema_nodes(SCHEMA) if key == "cv_metric"]
    assert enums and all(enum == list(metrics.CV_METRICS) for enum in enums)
    patterns = {node["pattern"] for _, node in schema_nodes(SCHEMA)
                if str(node.get("pattern", "")).startswith("^(uar|")}  # fmt: skip
    assert len(patterns) == 1
    named = set(patterns.pop()[len("^(") :].split(")")[0].split("|"))
    lr_cv = {"K[0-9]+", "avg", "std"}  # the LR-CV table's columns
    assert named == set(METRIC_NAMES) | set(COUNT_NAMES) | lr_cv
