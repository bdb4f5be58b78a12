"""Standardisation of features at training time, never baked into the shards.

:class:`Standardizer` is fitted on the training rows only. ``by="global"`` applies the training
mean/std to everything; ``by="corpus"`` / ``by="speaker"`` z-normalise each corpus/speaker with
its own statistics (the usual remedy for cross-corpus shift). Those statistics come from the
group's features alone, never from labels, and a training group's statistics never depend on test
rows.
Optional column ``weights`` multiply the standardised columns (the block scaling of fused
feature sets, :mod:`crossemo.features.fusion`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

STANDARDIZE = ("none", "global", "corpus", "speaker")


class Standardizer:
    """z-normalisation fitted on training rows only (see the module docstring).

    ``fit(X, groups)`` learns the global mean/std of the training rows; ``transform(X, groups)``
    applies them (``by="global"``), or normalises every group of ``X`` with its own statistics
    (``by="corpus"``/``"speaker"``; ``groups`` then names each row's corpus/speaker). Constant
    features get a std of 1. ``by="none"`` passes features through. ``weights`` (one per
    column) multiply the result.
    """

    def __init__(self, by: str = "global", eps: float = 1e-8, weights=None):
        if by not in STANDARDIZE:
            raise ValueError(f"standardize must be one of {STANDARDIZE}, not {by!r}")
        self.by, self.eps = by, eps
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def _stats(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        return mean, np.where(std > self.eps, std, 1.0)

    def fit(self, X: np.ndarray, groups: Iterable[str] | None = None) -> Standardizer:
        X = np.asarray(X, dtype=np.float64)
        self.mean_, self.std_ = self._stats(X)
        return self

    def transform(self, X: np.ndarray, groups: Iterable[str] | None = None) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if self.by == "none":
            out = X
        elif self.by == "global":
            if self.mean_ is None:
                raise RuntimeError("Standardizer.transform before fit")
            out = (X - self.mean_) / self.std_
        else:
            if groups is None:
                raise ValueError(f"standardize by {self.by} needs the group of every row")
            groups = np.asarray(list(groups))
            out = np.empty_like(X)
            for g in pd.unique(groups):
                rows = groups == g
                mean, std = self._stats(X[rows])
                out[rows] = (X[rows] - mean) / std
        weights = getattr(self, "weights", None)  # None in runs saved before column weights
        if weights is not None:
            if weights.shape != out.shape[1:]:
                raise ValueError(f"{len(weights)} column weights for {out.shape[1]} columns")
            out = out * weights
        return np.nan_to_num(out).astype(np.float32)

    def fit_transform(self, X, groups=None) -> np.ndarray:
        return self.fit(X, groups).transform(X, groups)
