"""Gradient-boosted trees (XGBoost ``XGBClassifier``; 200 trees, histogram method)."""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "XGBClassifier"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from xgboost import XGBClassifier

    base = {"n_estimators": 200, "random_state": seed, "n_jobs": threads,
            "tree_method": "hist", "verbosity": 0}  # fmt: skip
    return XGBClassifier(**(base | params))
