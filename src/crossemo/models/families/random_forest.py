"""Random forest (scikit-learn ``RandomForestClassifier``; 200 trees)."""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "RandomForestClassifier"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from sklearn.ensemble import RandomForestClassifier

    base = {"n_estimators": 200, "random_state": seed, "n_jobs": threads}
    return RandomForestClassifier(**(base | params))
