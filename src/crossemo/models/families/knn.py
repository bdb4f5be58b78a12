"""k nearest neighbours (scikit-learn ``KNeighborsClassifier``; 5 neighbours by default)."""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "KNeighborsClassifier"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(**({"n_neighbors": 5, "n_jobs": threads} | params))
