"""Decision tree (scikit-learn ``DecisionTreeClassifier``)."""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "DecisionTreeClassifier"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(**({"random_state": seed} | params))
