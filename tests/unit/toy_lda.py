"""A toy classic family for the registry's tests: shrinkage linear discriminant analysis
(scikit-learn ``LinearDiscriminantAnalysis``).

Everything a classic family is: this module and one registry line (``Family("toy_lda",
CLASSIC, FEATURES)`` in crossemo.models.families, or ``families.register`` at run time).
"""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "ToyLDA"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis(**({"solver": "lsqr", "shrinkage": "auto"} | params))
