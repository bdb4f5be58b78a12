"""Multi-layer perceptron (scikit-learn ``MLPClassifier``; one hidden layer of 256 by default)."""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "MLPClassifier"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from sklearn.neural_network import MLPClassifier

    base = {"hidden_layer_sizes": (256,), "max_iter": 500, "early_stopping": False,
            "random_state": seed}  # fmt: skip
    params = dict(params)
    if "hidden_layer_sizes" in params:
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    return MLPClassifier(**(base | params))
