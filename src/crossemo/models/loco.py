"""Leave one training corpus out (``model.select_on: loco``): model selection that measures
transfer to an unseen corpus, not fit to the training corpora.

A dev split drawn from the training corpora rewards what separates the classes inside those
corpora, which need not transfer. Under loco every training corpus is held out once: the model
is fitted on the other training corpora's rows (train + dev) and scored (UAR) on the held-out
corpus's rows; a grid point's (or an encoder layer's) score is the mean over the held-out
corpora. The test corpora never take part. The classic engine
(:mod:`crossemo.models.classic`) then refits the chosen point on all training rows and writes,
as the run's dev predictions, each training corpus predicted by the model fitted on the others
(:func:`out_of_corpus_predictions`): post-hoc calibration fits on transfer-like predictions.

Standardisation: ``standardize: corpus`` and ``speaker`` normalise every group with its own
statistics, the same in every split; ``global`` statistics are refitted on each split's
training rows (the engine's ``rescale``), so the held-out corpus is standardised as an unseen
test corpus would be.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from crossemo.features import Standardizer
from crossemo.models.families.keys import LOCO
from crossemo.models.selection import Selection, _fit, make_estimator, split_uars

log = logging.getLogger(__name__)

#: one split: the held-out corpus, the rows fitted (its complement) and the rows scored
Split = tuple[str, np.ndarray, np.ndarray]
#: the fit rows' features, standardised with statistics of the given rows (``rescale(fitted)``)
Rescale = Callable[[np.ndarray], np.ndarray]

#: the predictions table of a fitted model for some rows: ``predict(model, features, mask)``
Predict = Callable[[object, np.ndarray, np.ndarray], pd.DataFrame]


class TooFewCorpora(ValueError):
    """``select_on: loco`` on training rows of fewer than two corpora."""


def corpus_splits(corpora: np.ndarray, scored: np.ndarray | None = None) -> list[Split]:
    """One split per training corpus, in sorted order: fit on the other corpora's rows, score
    the held-out corpus's rows (those of ``scored``, e.g. no augmented copies)."""
    corpora = np.asarray(corpora).astype(str)
    held_out = sorted({str(c) for c in corpora})
    if len(held_out) < 2:
        raise TooFewCorpora(
            f"select_on: loco holds out one training corpus at a time and needs at least two; "
            f"the training rows come from {held_out or 'no corpus'} (train on several corpora, "
            "or use select_on: dev or cv)"
        )
    keep = np.ones(len(corpora), dtype=bool) if scored is None else np.asarray(scored, bool)
    return [(c, np.flatnonzero(corpora != c), np.flatnonzero((corpora == c) & keep))
            for c in held_out]  # fmt: skip


def rescaler(standardize: str, X_raw: np.ndarray, X: np.ndarray,
             weights: np.ndarray | None = None) -> Rescale:  # fmt: skip
    """The fit rows' features standardised with statistics of a split's training rows:
    ``global`` refits its mean/std on them (then the fused sets' block ``weights``);
    per-group (and no) standardisation is the same in every split (``X``, the rows as the
    engine standardised them)."""
    if standardize != "global":
        return lambda fitted: X
    return lambda fitted: (
        Standardizer("global", weights=weights).fit(X_raw[fitted]).transform(X_raw)
    )


def select_loco(family: str, grid_points: list[dict], rescale: Rescale, y: np.ndarray,
                splits: list[Split], *, seed: int, threads: int = 1) -> Selection:  # fmt: skip
    """Every grid point scored on each held-out corpus (features ``rescale``d per split); the
    best mean UAR wins (the first of ties). Each result lists its ``corpus_uars``. A single
    point is scored too: its score ranks encoder layers (``layer_probe``)."""
    per_corpus: dict[str, list[float]] = {}
    for corpus, fitted, held in splits:
        X = rescale(fitted)
        per_corpus[corpus] = split_uars(family, grid_points, X, y, [(fitted, held)], seed=seed,
                                        threads=threads)  # fmt: skip
    results = [
        {"params": point, "uar": float(np.mean([u[i] for u in per_corpus.values()])),
         "corpus_uars": {c: float(u[i]) for c, u in per_corpus.items()}}
        for i, point in enumerate(grid_points)
    ]  # fmt: skip
    best = max(results, key=lambda r: r["uar"])  # first of ties: grids are ordered
    log.info("%s: loco picked %s (UAR %.4f: %s) from %d points", family, best["params"],
             best["uar"], best["corpus_uars"], len(results))  # fmt: skip
    return Selection(LOCO, best["params"], results)


def out_of_corpus_predictions(family: str, point: dict, rescale: Rescale, y: np.ndarray,
                              splits: list[Split], rows: pd.DataFrame, predict: Predict,
                              weight: np.ndarray | None, *, seed: int,
                              threads: int = 1) -> pd.DataFrame:  # fmt: skip
    """Every scored training row predicted once, by ``point`` fitted (with the rows' weights)
    on the other corpora: ``predict(model, features, held_out_mask)`` of each split, stacked
    (``rows``: the fit rows, in the order of ``y``)."""
    parts = []
    for _, fitted, held in splits:
        X = rescale(fitted)
        model = _fit(make_estimator(family, point, seed, threads), X[fitted], y[fitted],
                     None if weight is None else weight[fitted])  # fmt: skip
        parts.append(predict(model, X, np.isin(np.arange(len(rows)), held)))
    return pd.concat(parts, ignore_index=True)
