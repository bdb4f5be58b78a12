"""Logistic regression (scikit-learn ``LogisticRegression``)."""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "LogisticRegression"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(**({"max_iter": 2000, "random_state": seed} | params))
