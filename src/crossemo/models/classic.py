"""The classic engine: every classic family (a scikit-learn style estimator on utterance-level
features: the iberspeech SVM, the multimodal paper's baselines) trains and loads alike.

A classic family is a module of :mod:`crossemo.models.families` with ``estimator(params, seed,
threads)`` (and optionally ``DEFAULT_GRID``, ``OWN_LABELS``, ``grid_uars``); this module does the
rest. One experiment run = one fold's training view: features are standardised with statistics of
the training rows only (:class:`crossemo.features.Standardizer`), hyper-parameters are optionally
chosen on a grid by UAR on the dev split (or by inner cross-validation when the view has no dev
rows, or by leaving one training corpus out: :mod:`crossemo.models.loco`), the model is
refitted, and the test rows get predictions in the one predictions contract
(:mod:`crossemo.models.predictions`). The rule's job and ``crossemo predict``'s loading of a saved
run live in :mod:`crossemo.models.classic_engine`; layer probing in
:mod:`crossemo.models.layer_probe`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crossemo.core.names import (
    AUG_MARKER,
    augmented_source,
)
from crossemo.features import Standardizer
from crossemo.features.fusion import column_weights
from crossemo.models import families
from crossemo.models.families.keys import CLASSIC_DEFAULTS
from crossemo.models.layers import combine, fit_combination
from crossemo.models.loco import (
    LOCO,
    corpus_splits,
    out_of_corpus_predictions,
    rescaler,
    select_loco,
)
from crossemo.models.predictions import (
    Predictions,
    write_predictions,
)
from crossemo.models.selection import (
    Selection,
    _fit,
    classic_family,
    make_estimator,
    param_grid,
    scores,
    select_params,
)

log = logging.getLogger(__name__)

__all__ = ["Predictions", "write_predictions"]  # the contract, as the engine's callers knew it


def __getattr__(name: str):
    """``PAPER_NAMES``: the families' names in the papers' tables, from the registry
    (:func:`crossemo.models.families.paper_names`)."""
    if name == "PAPER_NAMES":
        return families.paper_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def speaker_of(utt_ids: pd.Series, speakers: pd.Series | None) -> pd.Series | None:
    """Speaker of each row; augmented copies (``<utt_id>#aug<k>``) inherit their source's."""
    if speakers is None:
        return None
    base = utt_ids.map(augmented_source)
    return base.map(speakers).fillna(base)


@dataclass
class ClassicConfig:
    family: str
    params: dict = field(default_factory=dict)
    grid: dict | None = None
    #: dev (falls back to inner CV without dev rows) | cv | loco (leave one training corpus out)
    select_on: str = CLASSIC_DEFAULTS["select_on"]
    cv_folds: int = CLASSIC_DEFAULTS["cv_folds"]
    refit_with_dev: bool = CLASSIC_DEFAULTS["refit_with_dev"]
    #: one model per encoder layer, the layer chosen on dev
    layer_probe: bool = CLASSIC_DEFAULTS["layer_probe"]
    #: several encoder layers combined into one matrix (crossemo.models.layers)
    layer_combination: dict | None = None
    standardize: str = "global"
    seed: int = 0
    #: early fusion: the fused sets' folders (their columns' prefixes) and how their blocks are
    #: weighed after standardisation (crossemo.features.fusion.column_weights); () for one set
    fused_sets: tuple[str, ...] = ()
    block_scale: str = "equal"
    #: the experiment's ``search:`` (crossemo.models.search): replaces the grid selection
    search: dict | None = None

    @classmethod
    def from_config(cls, model: dict, family: str, standardize: str, seed: int,
                    search: dict | None = None) -> ClassicConfig:  # fmt: skip
        """Settings of ``family`` from an experiment's ``model:`` entry.

        A single-family entry carries ``params``/``grid`` itself; a multi-family entry
        (``family: [knn, mlp, ...]``) carries them per family (``knn: {params: ..., grid: ...}``).
        Without a grid a family gets its module's ``DEFAULT_GRID`` (the SVM: the paper's
        exponential C/gamma sweep), if it has one, unless a ``search`` chooses the settings.
        """
        own = model if isinstance(model.get("family"), str) else model.get(family, {})
        default = None if search else getattr(classic_family(family).impl, "DEFAULT_GRID", None)
        grid = own.get("grid", default)
        return cls(
            family=family,
            params=dict(own.get("params", {})),
            grid=grid,
            select_on=model.get("select_on", CLASSIC_DEFAULTS["select_on"]),
            cv_folds=int(model.get("cv_folds", CLASSIC_DEFAULTS["cv_folds"])),
            refit_with_dev=bool(model.get("refit_with_dev", CLASSIC_DEFAULTS["refit_with_dev"])),
            layer_probe=bool(model.get("layer_probe", CLASSIC_DEFAULTS["layer_probe"])),
            layer_combination=model.get("layer_combination"),
            standardize=standardize,
            seed=int(seed),
            search=dict(search) if search else None,
        )


def train_predict(
    view: pd.DataFrame,
    features: pd.DataFrame,
    cfg: ClassicConfig,
    classes: list[str],
    speakers: pd.Series | None = None,
    threads: int = 1,
    groups: pd.Series | None = None,
) -> tuple[dict, pd.DataFrame]:
    """Fit on the view's train (+dev) rows, predict its test rows.

    ``view``: utt_id corpus label split [weight]; ``features`` indexed by utt_id; ``speakers``
    maps utt_id -> speaker (needed for ``standardize: speaker``); ``groups`` utt_id -> leakage
    group (a ``search``'s inner folds; speakers when None). Returns the model bundle
    (standardiser, estimator, label map, selection) and the predictions table.
    """
    view = view.reset_index(drop=True)
    # layer combination: fitted on the train rows, before standardisation and selection
    combination = fit_combination(view, features, cfg.layer_combination, cfg.seed)
    features = combine(features, combination)
    unknown = sorted(set(view["label"]) - set(classes))
    if unknown:
        raise ValueError(f"labels {unknown} are not among the classes {classes}")
    X_all = features.loc[view["utt_id"]].to_numpy(dtype=np.float64)
    if cfg.standardize == "speaker":
        groups_all = speaker_of(view["utt_id"], speakers)
        if groups_all is None:
            raise ValueError("standardize: speaker needs the speakers of the utterances")
    elif cfg.standardize == "corpus":
        groups_all = view["corpus"]
    else:
        groups_all = None
    fit_rows = view["split"].isin(["train", "dev"]).to_numpy()
    test_rows = (view["split"] == "test").to_numpy()
    if not fit_rows.any() or not test_rows.any():
        raise ValueError("the view needs training and test rows")
    weights = (
        column_weights(list(features.columns), cfg.fused_sets, cfg.block_scale)
        if cfg.fused_sets
        else None
    )  # fmt: skip  (after the layer combination)
    scaler = Standardizer(cfg.standardize, weights=weights)
    fit_groups = None if groups_all is None else groups_all[fit_rows]
    scaler.fit(X_all[fit_rows], fit_groups)
    X = np.empty_like(X_all, dtype=np.float32)
    X[fit_rows] = scaler.transform(X_all[fit_rows], fit_groups)
    X[test_rows] = scaler.transform(
        X_all[test_rows], None if groups_all is None else groups_all[test_rows]
    )

    train_classes = [c for c in classes if c in set(view.loc[fit_rows, "label"])]
    code = {c: i for i, c in enumerate(train_classes)}
    y = view["label"].map(code).to_numpy()
    weight = view["weight"].to_numpy(dtype=float) if "weight" in view else None

    fit_view = view[fit_rows].reset_index(drop=True)
    points = [cfg.params | p for p in param_grid(cfg.grid)]
    loco, record = None, None
    if cfg.search:  # inner group CV on the train rows alone (never dev, never test)
        selection, record = _searched(cfg, X, y, view, groups if groups is not None else speakers,
                                      threads)  # fmt: skip
    elif cfg.select_on == LOCO:  # each training corpus held out once; its copies are not scored
        loco = corpus_splits(
            fit_view["corpus"].to_numpy(),
            ~fit_view["utt_id"].str.contains(AUG_MARKER, regex=False).to_numpy(),
        )
        rescale = rescaler(cfg.standardize, X_all[fit_rows], X[fit_rows], weights)
        selection = select_loco(cfg.family, points, rescale, y[fit_rows], loco, seed=cfg.seed,
                                threads=threads)  # fmt: skip
    else:
        dev_mask = (fit_view["split"] == "dev").to_numpy()
        if cfg.select_on == "cv":
            dev_mask = np.zeros_like(dev_mask)
        sel_groups = speaker_of(fit_view["utt_id"], speakers)
        selection = select_params(
            cfg.family, points, X[fit_rows], y[fit_rows],
            None if sel_groups is None else sel_groups.to_numpy(), dev_mask, seed=cfg.seed,
            cv_folds=cfg.cv_folds, threads=threads,
        )  # fmt: skip
    final_rows = fit_rows.copy()
    if not cfg.refit_with_dev and loco is None:  # loco: the final model sees every training row
        final_rows &= (view["split"] == "train").to_numpy()
    estimator = make_estimator(cfg.family, selection.best, cfg.seed, threads)
    _fit(estimator, X[final_rows], y[final_rows], None if weight is None else weight[final_rows])

    table = _prediction_table(estimator, X, view, test_rows, cfg.family, classes, train_classes)
    if loco is not None:  # each training corpus predicted by the model fitted on the others
        dev_table = out_of_corpus_predictions(
            cfg.family, selection.best, rescale, y[fit_rows], loco, fit_view,
            lambda m, X_fit, rows: _prediction_table(m, X_fit, fit_view, rows, cfg.family,
                                                     classes, train_classes),
            None if weight is None else weight[fit_rows], seed=cfg.seed, threads=threads,
        )  # fmt: skip
    else:
        dev_table = _dev_table(estimator, X, y, weight, view, cfg, selection.best, classes,
                               train_classes, threads)  # fmt: skip
    bundle = {
        "family": cfg.family,
        "estimator": estimator,
        "standardizer": scaler,
        "classes": list(classes),
        "train_classes": train_classes,
        "feature_names": list(features.columns),
        "selection": {
            "method": selection.method,
            "best": selection.best,
            "results": selection.results,
        },  # fmt: skip
        "dev_predictions": dev_table,  # written beside the predictions, not into the model file
    }
    if combination:
        bundle["layer_combination"] = combination
    if record is not None:
        bundle["search"] = record
    return bundle, Predictions.validate(table)


def _searched(cfg: ClassicConfig, X: np.ndarray, y: np.ndarray, view: pd.DataFrame,
              groups: pd.Series | None, threads: int) -> tuple[Selection, dict]:  # fmt: skip
    """The settings a ``search`` chooses on the view's train rows, as a selection, and the
    search's record for the run's config.json."""
    from crossemo.models.search import search_classic

    rows = (view["split"] == "train").to_numpy()
    result = search_classic(
        cfg.family, cfg.params, X[rows], y[rows], view.loc[rows, "utt_id"],
        None if groups is None else groups.to_dict(), cfg.search, seed=cfg.seed,
        threads=threads, where="search",
    )  # fmt: skip
    results = [{"params": cfg.params | t["params"], "score": t["score"]} for t in result.trials]
    return Selection("search", cfg.params | result.best, results), result.record(cfg.search)


def _dev_table(estimator, X: np.ndarray, y: np.ndarray, weight: np.ndarray | None,
               view: pd.DataFrame, cfg: ClassicConfig, point: dict, classes: list[str],
               train_classes: list[str], threads: int) -> pd.DataFrame:  # fmt: skip
    """Dev predictions of a model that never saw dev (the final one unless it was refitted
    with dev: then a twin fitted on the train rows): post-hoc calibration is fitted on them."""
    dev_rows = (view["split"] == "dev").to_numpy()
    dev_model = estimator
    if dev_rows.any() and cfg.refit_with_dev:
        train_rows = (view["split"] == "train").to_numpy()
        dev_model = make_estimator(cfg.family, point, cfg.seed, threads)
        _fit(
            dev_model, X[train_rows], y[train_rows], None if weight is None else weight[train_rows]
        )
    return _prediction_table(dev_model, X, view, dev_rows, cfg.family, classes, train_classes)


def _prediction_table(estimator, X: np.ndarray, view: pd.DataFrame, rows: np.ndarray, family: str,
                      classes: list[str], train_classes: list[str]) -> pd.DataFrame:  # fmt: skip
    """Predictions of ``estimator`` for the ``rows`` of ``view`` in the shared format."""
    probs_train = scores(estimator, X[rows], len(train_classes)) if rows.any() else None
    probs = np.zeros((int(rows.sum()), len(classes)))
    for j, c in enumerate(train_classes):
        if probs_train is not None:
            probs[:, classes.index(c)] = probs_train[:, j]
    part = view[rows]
    own_labels = getattr(classic_family(family).impl, "OWN_LABELS", False)
    if own_labels and rows.any():  # e.g. SVC: predict() itself (argmax of its ovr decision)
        pred = [train_classes[int(i)] for i in estimator.predict(X[rows])]
    else:
        pred = [classes[int(i)] for i in probs.argmax(axis=1)]
    table = pd.DataFrame({
        "utt_id": part["utt_id"].to_numpy(), "corpus": part["corpus"].to_numpy(),
        "label": part["label"].to_numpy(), "pred": pred,
    })  # fmt: skip
    for j, c in enumerate(classes):
        table[f"prob_{c}"] = probs[:, j]
    return table
