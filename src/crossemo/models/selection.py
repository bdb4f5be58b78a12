"""Estimators of the classic families and the choice of their hyper-parameters on a grid: by
UAR on the dev rows, or by inner group cross-validation when a view has none
(:func:`select_params`; the classic engine, :mod:`crossemo.models.classic`, calls it; leaving
one training corpus out is :mod:`crossemo.models.loco`, on the same :func:`split_uars`).
"""

from __future__ import annotations

import inspect
import itertools
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crossemo.evaluation.metrics import uar
from crossemo.models import families
from crossemo.models.families.keys import CLASSIC_DEFAULTS

log = logging.getLogger(__name__)


def expand_grid_values(spec) -> list:
    """A grid axis from a list, a scalar, or ``{base, from, to, step}`` (exponential sweep)."""
    if isinstance(spec, dict):
        base = float(spec.get("base", 2))
        exps = np.arange(spec["from"], spec["to"] + 1e-9, spec.get("step", 1))
        return [float(base**e) for e in exps]
    return list(spec) if isinstance(spec, list | tuple) else [spec]


def param_grid(grid: dict | None) -> list[dict]:
    """Every combination of the grid's axes (``[{}]`` for no grid)."""
    if not grid:
        return [{}]
    keys = sorted(grid)
    axes = [expand_grid_values(grid[k]) for k in keys]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]


def classic_family(name: str) -> families.Family:
    """The registered classic family ``name``; ValueError for unknown or neural ones."""
    family = families.get(name)
    if family.kind != families.CLASSIC:
        raise ValueError(
            f"{name} is a {family.kind} family, not a classic one; classic families: "
            f"{', '.join(families.names(families.CLASSIC))}"
        )
    return family


def make_estimator(family: str, params: dict | None = None, seed: int = 0, threads: int = 1):
    """An unfitted estimator of ``family`` with the paper's defaults, ``params`` on top."""
    return classic_family(family).impl.estimator(dict(params or {}), seed, threads)


def _accepts_sample_weight(estimator) -> bool:
    return "sample_weight" in inspect.signature(estimator.fit).parameters


def _fit(estimator, X, y, weight=None):
    if weight is not None and _accepts_sample_weight(estimator) and not np.allclose(weight, 1):
        return estimator.fit(X, y, sample_weight=weight)
    return estimator.fit(X, y)


def scores(estimator, X: np.ndarray, n_classes: int) -> np.ndarray:
    """Class probabilities (rows sum to one) over the encoded classes ``0..n_classes-1``."""
    fitted = [int(c) for c in estimator.classes_]
    if hasattr(estimator, "predict_proba"):
        raw = estimator.predict_proba(X)
    else:  # SVC: softmax of the one-vs-rest decision values (argmax == predict with break_ties)
        dec = estimator.decision_function(X)
        if dec.ndim == 1:  # binary
            dec = np.column_stack([-dec, dec])
        dec = dec - dec.max(axis=1, keepdims=True)
        raw = np.exp(dec) / np.exp(dec).sum(axis=1, keepdims=True)
    out = np.zeros((len(X), n_classes))
    out[:, fitted] = raw
    return out


@dataclass
class Selection:
    """How hyper-parameters were chosen: candidates with their UAR, the winner and the method."""

    method: str
    best: dict
    results: list[dict] = field(default_factory=list)


def split_uars(family: str, grid_points: list[dict], X: np.ndarray, y: np.ndarray,
               splits: list[tuple[np.ndarray, np.ndarray]], *, seed: int,
               threads: int = 1) -> list[float]:  # fmt: skip
    """UAR of every grid point, fitted on each split's first rows and scored on its second,
    averaged over the splits (the family's fast ``grid_uars`` where it has one)."""
    fast = getattr(classic_family(family).impl, "grid_uars", None)  # e.g. svm: shared distances
    uars = fast(grid_points, X, y, splits, seed) if fast is not None else None
    if uars is not None:
        return uars
    uars = []
    for point in grid_points:
        fold_scores = []
        for tr, va in splits:
            est = _fit(make_estimator(family, point, seed, threads), X[tr], y[tr])
            fold_scores.append(uar(y[va], est.predict(X[va])))
        uars.append(float(np.mean(fold_scores)))
    return uars


def select_params(family, grid_points, X, y, groups, dev_mask, *, seed,
                  cv_folds=CLASSIC_DEFAULTS["cv_folds"], threads=1):  # fmt: skip
    """Choose the grid point with the best UAR on the dev rows, else by inner group CV."""
    if len(grid_points) == 1:
        return Selection("fixed", grid_points[0])
    train_mask = ~dev_mask
    if dev_mask.any() and train_mask.any():
        method = "dev"
        splits = [(np.flatnonzero(train_mask), np.flatnonzero(dev_mask))]
    else:
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

        method = "inner_cv"
        n_min = int(pd.Series(y).value_counts().min())
        k = max(2, min(cv_folds, n_min))
        if groups is not None and len(set(groups)) >= k:
            splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
            splits = list(splitter.split(X, y, groups))
        else:
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            splits = list(splitter.split(X, y))
    uars = split_uars(family, grid_points, X, y, splits, seed=seed, threads=threads)
    results = [{"params": p, "uar": u} for p, u in zip(grid_points, uars, strict=True)]
    best = max(results, key=lambda r: r["uar"])  # first of ties: grids are ordered
    log.info("%s: %s picked %s (UAR %.4f) from %d points", family, method, best["params"],
             best["uar"], len(results))  # fmt: skip
    return Selection(method, best["params"], results)
