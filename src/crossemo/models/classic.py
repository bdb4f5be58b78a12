"""The classic engine: every classic family (a scikit-learn style estimator on utterance-level
features: the iberspeech SVM, the multimodal paper's baselines) trains and loads alike.

A classic family is a module of :mod:`crossemo.models.families` with ``estimator(params, seed,
threads)`` (and optionally ``DEFAULT_GRID``, ``OWN_LABELS``, ``grid_uars``); this module does the
rest. One experiment run = one fold's training view: features are standardised with statistics of
the training rows only (:class:`crossemo.features.Standardizer`), hyper-parameters are optionally
chosen on a grid by UAR on the dev split (or by inner cross-validation when the view has no dev
rows, or by leaving one training corpus out: :mod:`crossemo.models.loco`), the model is
refitted, and the test rows get predictions in the one predictions contract
(:mod:`crossemo.models.predictions`). :func:`load` gives ``crossemo predict`` a saved run: the
run's feature set extracted from the audio, standardised and classified as in training.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.names import (
    AUG_MARKER,
    CLASSIC_EXPERIMENT_KEYS,
    augmented_source,
    job_keys,
    run_fold_index,
)
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.metrics import uar
from crossemo.features import Standardizer
from crossemo.features.fusion import (
    block_scale,
    folders,
    is_fused,
    prefixed,
    read_fused,
    run_weights,
    specs,
)
from crossemo.models import families
from crossemo.models.families.keys import CLASSIC_DEFAULTS
from crossemo.models.loco import (
    LOCO,
    TooFewCorpora,
    corpus_splits,
    out_of_corpus_predictions,
    rescaler,
    select_loco,
)
from crossemo.models.layers import combine, fit_combination, summary
from crossemo.models.predictions import (
    Predictions,
    scheme_classes,
    write_label_map,
    write_predictions,
)
from crossemo.models.selection import (
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
    #: multipliers of the standardised columns (block scaling of fused feature sets), or None
    column_weights: np.ndarray | None = None

    @classmethod
    def from_config(cls, model: dict, family: str, standardize: str, seed: int) -> ClassicConfig:
        """Settings of ``family`` from an experiment's ``model:`` entry.

        A single-family entry carries ``params``/``grid`` itself; a multi-family entry
        (``family: [knn, mlp, ...]``) carries them per family (``knn: {params: ..., grid: ...}``).
        Without a grid a family gets its module's ``DEFAULT_GRID`` (the SVM: the paper's
        exponential C/gamma sweep), if it has one.
        """
        own = model if isinstance(model.get("family"), str) else model.get(family, {})
        grid = own.get("grid", getattr(classic_family(family).impl, "DEFAULT_GRID", None))
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
        )


def train_predict(
    view: pd.DataFrame,
    features: pd.DataFrame,
    cfg: ClassicConfig,
    classes: list[str],
    speakers: pd.Series | None = None,
    threads: int = 1,
) -> tuple[dict, pd.DataFrame]:
    """Fit on the view's train (+dev) rows, predict its test rows.

    ``view``: utt_id corpus label split [weight]; ``features`` indexed by utt_id; ``speakers``
    maps utt_id -> speaker (needed for ``standardize: speaker``). Returns the model bundle
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
    scaler = Standardizer(cfg.standardize, weights=cfg.column_weights)
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
    loco = None
    if cfg.select_on == LOCO:  # each training corpus held out once; its copies are not scored
        loco = corpus_splits(
            fit_view["corpus"].to_numpy(),
            ~fit_view["utt_id"].str.contains(AUG_MARKER, regex=False).to_numpy(),
        )
        rescale = rescaler(cfg.standardize, X_all[fit_rows], X[fit_rows])
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
    return bundle, Predictions.validate(table)


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


def _dev_uar(
    view: pd.DataFrame,
    features: pd.DataFrame,
    cfg: ClassicConfig,
    classes: list[str],
    speakers: pd.Series | None,
    threads: int,
    selection: dict,
) -> float:
    """Selection UAR of a layer's chosen grid point: the grid selection's own score (dev, or
    loco: always scored), or (a single point, never scored on dev) that point fitted on the
    train rows and scored on the dev rows."""
    scored = [r["uar"] for r in selection["results"] if r["params"] == selection["best"]]
    if scored:
        return float(scored[0])
    dev = view[view["split"] != "test"].assign(split=lambda v: v["split"].replace("dev", "test"))
    dev = dev[dev["split"].isin(["train", "test"])]
    fixed = ClassicConfig(**{**cfg.__dict__, "params": dict(selection["best"]), "grid": None,
                             "layer_probe": False})  # fmt: skip
    _, table = train_predict(dev, features, fixed, classes, speakers, threads)
    return float(uar(table["label"].to_numpy(), table["pred"].to_numpy()))


def train_predict_by_layer(
    view: pd.DataFrame,
    features: pd.DataFrame,
    cfg: ClassicConfig,
    classes: list[str],
    speakers: pd.Series | None = None,
    threads: int = 1,
) -> tuple[dict, pd.DataFrame]:
    """``layer_probe``: :func:`train_predict` on each encoder layer's columns alone; the layer
    with the best selection UAR (``select_on`` dev: the dev UAR, loco: the mean held-out corpus
    UAR; of its grid point, chosen the same way; the lower layer of ties) gives the model and
    the predictions. Test rows never take part in the choice: the bundle's ``layers`` table
    lists each layer's selection and its UAR (``dev_uar`` or ``loco_uar``) beside its test UAR
    (the report)."""
    from crossemo.features.upstreams.whisper.features import layer_columns

    if cfg.layer_combination:
        raise ValueError("model.layer_probe and model.layer_combination exclude each other")
    by_layer = layer_columns(features.columns)
    if len(by_layer) < 2:
        raise ValueError(
            "layer_probe needs features of several encoder layers (whisper_l{layer}_... "
            f"columns, e.g. features: {{name: whisper, backend: transformers, layers: all}}); "
            f"found layers {sorted(by_layer)}"
        )
    method = cfg.select_on
    if method not in ("dev", LOCO) or (method == "dev" and not (view["split"] == "dev").any()):
        raise ValueError("layer_probe chooses the layer on the dev split (it needs dev rows: "
                         "dev_fraction > 0) or by select_on: loco, not select_on: cv")  # fmt: skip
    runs, rows = {}, []
    for layer, columns in by_layer.items():
        bundle, table = train_predict(view, features[columns], cfg, classes, speakers, threads)
        score = _dev_uar(view, features[columns], cfg, classes, speakers, threads,
                         bundle["selection"])  # fmt: skip
        test = uar(table["label"].to_numpy(), table["pred"].to_numpy())
        rows.append({"layer": layer, "selection": method, f"{method}_uar": score,
                     "test_uar": float(test)})  # fmt: skip
        runs[layer] = (bundle, table)
        log.info("layer %d: %s UAR %.4f, test UAR %.4f (%d features)", layer, method, score,
                 test, len(columns))  # fmt: skip
    best = max(rows, key=lambda r: r[f"{method}_uar"])["layer"]  # first (lowest layer) of ties
    bundle, table = runs[best]
    for row in rows:
        row["chosen"] = row["layer"] == best
    bundle["layer"] = best
    bundle["layers"] = rows
    return bundle, table


def save_model(bundle: dict, model_path: str | Path, label_map_path: str | Path,
               config_path: str | Path, run_config: dict) -> None:  # fmt: skip
    """``model.joblib`` + ``label_map.json`` (:func:`crossemo.models.predictions.label_map`)
    + ``config.json`` of the run (what :func:`load` needs: family, features, standardize)."""
    import joblib

    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, model_path)
    write_label_map(label_map_path, bundle["classes"])
    info = run_config | {"selection": bundle["selection"], "family": bundle["family"],
                         "n_features": len(bundle["feature_names"])}  # fmt: skip
    if "layers" in bundle:  # layer_probe: the chosen layer, every layer's selection/test UAR
        info |= {"layer": bundle["layer"], "layers": bundle["layers"]}
    if "layer_combination" in bundle:  # the spec with the learnt weights (or concat scales)
        spec = info.get("layer_combination") or {}
        info["layer_combination"] = spec | summary(bundle["layer_combination"])
    Path(config_path).write_text(json.dumps(info, indent=2, default=str) + "\n")


#: columns of the layer table (rule make_layer_table)
LAYER_COLUMNS = ["run", "layer", "selection", "dev_uar", "loco_uar", "test_uar", "chosen"]


def layer_table(config_paths: dict[str, str | Path]) -> pd.DataFrame:
    """UAR by encoder layer of a ``layer_probe`` experiment: one row per run and layer (``run
    layer selection dev_uar loco_uar test_uar chosen``) from each run's ``config.json`` (run ->
    path). ``selection`` names the score that chose the layer (``dev_uar`` or ``loco_uar``; the
    other is empty); ``test_uar`` is reported, never used for the choice."""
    rows = []
    for run, path in config_paths.items():
        info = json.loads(Path(path).read_text())
        if "layers" not in info:
            raise ValueError(f"{path}: run {run} was not trained with model.layer_probe")
        rows += [{"run": run, "selection": "dev", **row} for row in info["layers"]]
    return pd.DataFrame(rows, columns=LAYER_COLUMNS)


def write_layer_table(config_paths: dict[str, str | Path], output: str | Path) -> pd.DataFrame:
    """Rule make_layer_table: :func:`layer_table` as a CSV."""
    table = layer_table(config_paths)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, output, index=False)
    return table


def train_classic_run(*, view_path, split_path, scheme_path, feature_paths, augmented_path,
                      experiment: dict, family: str, name: str, run: str, outputs: dict,
                      threads: int = 1) -> pd.DataFrame:  # fmt: skip
    """Rule train_classic: one run (fold x family) of a classic experiment, end to end."""
    from crossemo.features import read_features

    experiment = job_keys(experiment, CLASSIC_EXPERIMENT_KEYS)  # what the rule's params hold
    fold = run_fold_index(run)
    classes = scheme_classes(scheme_path)
    view = pd.read_parquet(view_path)
    split = pd.read_parquet(split_path)
    split = split[split["fold"] == fold]
    if not (view["split"] == "test").any():  # views may hold training rows only
        test = split[split["split"] == "test"][["utt_id", "corpus", "label", "split"]]
        view = pd.concat([view, test.assign(weight=1.0)], ignore_index=True)
    paths = list(feature_paths)
    if augmented_path:  # one file, or one per fused feature set
        paths += [augmented_path] if isinstance(augmented_path, str | Path) else augmented_path
    if is_fused(experiment.get("features")):  # early fusion: every set's columns, per utterance
        features = read_fused(paths, folders(experiment["features"]))
    else:
        features = read_features(paths)
        features = features.loc[~features.index.duplicated()]
    speakers = split.drop_duplicates("utt_id").set_index("utt_id")["speaker"]
    cfg = ClassicConfig.from_config(
        experiment.get("model", {}), family, experiment.get("standardize", "global"),
        experiment.get("seed", 0),
    )  # fmt: skip
    cfg.column_weights = run_weights(list(features.columns), experiment)  # None: one set
    log.info("%s/%s: %s on %d rows (%s), standardize=%s", name, run, family, len(view),
             view["split"].value_counts().to_dict(), cfg.standardize)  # fmt: skip
    fit = train_predict_by_layer if cfg.layer_probe else train_predict
    try:
        bundle, predictions = fit(view, features, cfg, classes, speakers, threads)
    except TooFewCorpora as err:
        raise ValueError(f"experiments.{name}.model.select_on (run {run}): {err}") from None
    dev_predictions = bundle.pop("dev_predictions")  # the saved model's own, not a twin's
    run_config = {"experiment": name, "run": run, "fold": fold, "features":
                  experiment.get("features"), "standardize": cfg.standardize, "seed": cfg.seed,
                  "params": cfg.params, "grid": cfg.grid,
                  "layer_probe": cfg.layer_probe,
                  "layer_combination": cfg.layer_combination}  # fmt: skip
    if is_fused(experiment.get("features")):
        run_config["block_scale"] = block_scale(experiment.get("fusion"))
    save_model(bundle, outputs["model"], outputs["label_map"], outputs["config"], run_config)
    write_predictions(predictions, outputs["predictions"])
    if outputs.get("dev_predictions"):  # header-only for a view without dev rows
        write_predictions(dev_predictions, outputs["dev_predictions"])
    return predictions


# ---- the engine of the classic kind (crossemo.models.families.Family.train / .load) ----------
def train(family: families.Family, job: families.TrainJob) -> pd.DataFrame:
    """Rule train_classic's job for ``family`` (:class:`crossemo.models.families.TrainJob`)."""
    inputs = job.inputs
    return train_classic_run(
        view_path=inputs["view"], split_path=inputs["split"], scheme_path=inputs["scheme"],
        feature_paths=list(inputs["features"]), augmented_path=inputs.get("augmented"),
        experiment=dict(job.experiment), family=family.name, name=job.name, run=job.run,
        outputs=dict(job.outputs), threads=int(job.threads or 1),
    )  # fmt: skip


#: files of a saved classic run (rule train_classic's outputs)
MODEL_FILE, CONFIG_FILE = "model.joblib", "config.json"


def load(family: families.Family, folder: Path) -> ClassicModel:
    """The classic run saved in ``folder`` (``model.joblib`` + ``config.json``)."""
    import joblib

    bundle = joblib.load(folder / MODEL_FILE)
    info = json.loads((folder / CONFIG_FILE).read_text())
    if bundle.get("family") != family.name:
        raise ValueError(f"{folder}: a {bundle.get('family')} model, not {family.name}")
    if info.get("features") is None:
        raise ValueError(f"{folder}/{CONFIG_FILE}: no `features` (which feature set the run used)")
    return ClassicModel(bundle, info["features"])


class ClassicModel:
    """A saved classic run as ``crossemo predict`` uses it (a
    :class:`crossemo.models.families.Model`):
    each clip's features of the run's feature set, standardised as the run standardised its test
    rows and classified by the estimator. A run standardised by corpus or speaker normalised
    each test corpus with its own statistics: here the clips given are that corpus (``joint``),
    so give several clips of one recording condition."""

    needs_text = False
    min_samples = 1

    def __init__(self, bundle: dict, featureset) -> None:
        self.bundle = bundle
        self.featureset = featureset
        self.classes = [str(c) for c in bundle["classes"]]
        self.joint = bundle["standardizer"].by in ("corpus", "speaker")
        self._extract: dict[int, object] = {}  # each feature set's extractor, made once

    def _features(self, waves: list[np.ndarray]) -> pd.DataFrame:
        """The clips' features as the run read them: one set's, or (``features:`` a list) every
        set's, columns named as in :func:`crossemo.features.fusion.fuse`."""
        if not is_fused(self.featureset):
            return self._set_features(0, self.featureset, waves)
        sets = zip(specs(self.featureset), folders(self.featureset), strict=True)
        frames = [prefixed(self._set_features(i, spec, waves), folder)
                  for i, (spec, folder) in enumerate(sets)]  # fmt: skip
        return pd.concat(frames, axis=1)

    def _set_features(self, i: int, spec, waves: list[np.ndarray]) -> pd.DataFrame:
        from crossemo.features import extractor
        from crossemo.models.data import SAMPLE_RATE

        if i not in self._extract:
            if isinstance(spec, dict):
                from crossemo.features.upstreams.whisper.features import WhisperExtractor

                self._extract[i] = WhisperExtractor(spec)
            else:
                self._extract[i] = extractor(spec)
        fx = self._extract[i]
        if isinstance(spec, dict):  # configured (Whisper): the clips together
            return pd.DataFrame(fx(waves), columns=fx.names)
        rows = [fx(w, SAMPLE_RATE) for w in waves]
        return pd.DataFrame(np.vstack(rows).astype(np.float32), columns=list(fx.names))

    def prepare(self, wave: np.ndarray, text: str | None = None) -> np.ndarray:
        return np.asarray(wave, dtype=np.float32)

    def predict(self, prepared) -> tuple[list[str], np.ndarray]:
        """``(labels, probabilities)`` of the prepared clips, as the run predicted its test rows."""
        b = self.bundle
        frame = combine(self._features(list(prepared)), b.get("layer_combination"))
        X = frame[b["feature_names"]].to_numpy(dtype=np.float64)
        groups = ["clips"] * len(X) if self.joint else None
        X = b["standardizer"].transform(X, groups)
        view = pd.DataFrame({"utt_id": [str(i) for i in range(len(X))], "corpus": "clips",
                             "label": self.classes[0]})  # fmt: skip
        table = _prediction_table(b["estimator"], X, view, np.ones(len(X), dtype=bool),
                                  b["family"], self.classes, b["train_classes"])  # fmt: skip
        probs = table[[f"prob_{c}" for c in self.classes]].to_numpy(dtype=np.float64)
        return table["pred"].tolist(), probs
