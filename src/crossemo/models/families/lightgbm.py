"""Gradient-boosted trees (LightGBM ``LGBMClassifier``; 200 trees, deterministic)."""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "LGBClassifier"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from lightgbm import LGBMClassifier

    base = {"n_estimators": 200, "random_state": seed, "n_jobs": threads, "verbose": -1,
            "deterministic": True}  # fmt: skip
    return LGBMClassifier(**(base | params))
