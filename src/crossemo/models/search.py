"""Hyper-parameter search nested in speaker-grouped cross-validation (an experiment's
``search:`` block), run inside each training job before the run's model is trained.

The objective of a trial is its mean score (``search.metric``, default UAR) over
``inner_folds`` inner folds of the run's TRAINING rows only (view split ``train``): the test
rows never take part, and the dev rows neither (they stay what they were: the neural model's
early stopping and every run's dev predictions, on which calibration is fitted). Inner folds
are group-disjoint (the split table's ``group``, the leakage unit: speaker, session or video;
augmented copies join their source's group and are never scored) and stratified by label.
Optuna samples the trials (``tpe``: TPESampler, ``grid``: GridSampler, ``random``:
RandomSampler, each seeded with ``search.seed``); the best trial's settings are then the run's,
and its model is trained on all its training rows as without a search.

Classic families fit the estimator per inner fold (:func:`search_classic`); neural families
train short runs of their own ``fit`` on inner train/validation views
(:func:`search_neural`: generic over every family's training skeleton, no dev rows so no early
stopping). The trials and the chosen settings are recorded in the run's config
(:meth:`SearchResult.record`); rule make_search_table collects them per experiment.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossemo.core.names import AUG_MARKER, augmented_source
from crossemo.core.safe_text import write_csv
from crossemo.evaluation import metrics
from crossemo.models import search_space

log = logging.getLogger(__name__)

#: the key of a run's config (classic config.json, neural crossemo_run.json) holding its search
RECORD_KEY = "search"


@dataclass
class SearchResult:
    """A finished search: the best trial's settings and score, every trial, the inner folds."""

    best: dict[str, Any]
    score: float
    trials: list[dict[str, Any]]
    best_trial: int = 0
    #: the groups held out by each inner fold (the validation part; the rest trained)
    folds: list[list[str]] = field(default_factory=list)
    utterances: int = 0  #: training rows the objective read

    def record(self, search: Mapping[str, Any]) -> dict[str, Any]:
        """What the run's config records: the settings asked for and what the search found."""
        return {**search_space.DEFAULTS, **dict(search), "best": self.best, "score": self.score,
                "best_trial": self.best_trial, "trials": self.trials,
                "inner_folds_groups": self.folds, "utterances": self.utterances}  # fmt: skip


def inner_folds(utt_ids: pd.Series, labels: pd.Series, groups: Mapping[str, str] | None,
                k: int, seed: int, where: str = "search") -> np.ndarray:  # fmt: skip
    """Inner fold of each row: group-disjoint, stratified by label; an augmented copy's group
    is its source's (an utterance without a group is its own)."""
    from sklearn.model_selection import StratifiedGroupKFold

    source = utt_ids.map(augmented_source)
    group = (source.map(groups) if groups else source).fillna(source).astype(str).to_numpy()
    if len(set(group)) < k:
        raise ValueError(f"{where}.inner_folds: {k} group-disjoint folds need {k} or more "
                         f"groups; the training rows have {len(set(group))}")  # fmt: skip
    out = np.full(len(group), -1, dtype=np.int64)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for fold, (_, held) in enumerate(splitter.split(np.zeros(len(group)), labels, group)):
        out[held] = fold
    return out


def held_groups(fold_of: np.ndarray, utt_ids: pd.Series,
                groups: Mapping[str, str] | None) -> list[list[str]]:  # fmt: skip
    """The groups each inner fold holds out (for the record)."""
    source = utt_ids.map(augmented_source)
    group = (source.map(groups) if groups else source).fillna(source).astype(str).to_numpy()
    return [sorted(set(group[fold_of == f])) for f in range(int(fold_of.max()) + 1)]


def scored(utt_ids: pd.Series) -> np.ndarray:
    """Rows an inner validation part scores: originals, never augmented copies."""
    return ~utt_ids.str.contains(AUG_MARKER, regex=False).to_numpy()


def sampler(search: Mapping[str, Any]):
    """The optuna sampler of ``search.method``, seeded with ``search.seed``."""
    import optuna

    method = search.get("method", search_space.DEFAULTS["method"])
    seed = int(search.get("seed", search_space.DEFAULTS["seed"]))
    if method == "grid":
        return optuna.samplers.GridSampler(search_space.grid(search["space"]), seed=seed)
    if method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def suggest(trial, space: Mapping[str, Mapping[str, Any]], method: str) -> dict[str, Any]:
    """The trial's value of every key of ``space``."""
    out = {}
    for key, spec in space.items():
        if method == "grid":
            out[key] = trial.suggest_categorical(key, search_space.grid({key: spec})[key])
        elif "choices" in spec:
            out[key] = trial.suggest_categorical(key, list(spec["choices"]))
        elif "int" in spec:
            low, high = (int(v) for v in spec["int"])
            out[key] = trial.suggest_int(key, low, high, log=bool(spec.get("log")))
        else:
            out[key] = trial.suggest_float(key, float(spec["low"]), float(spec["high"]),
                                           log=bool(spec.get("log")))  # fmt: skip
    return out


def quiet_optuna() -> None:
    """Optuna's records go to the job's log (the root logger's handlers), warnings and up."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()


def run_study(search: Mapping[str, Any],
              objective: Callable[[dict[str, Any]], list[float]]) -> SearchResult:  # fmt: skip
    """Run the trials: ``objective(settings)`` -> the inner folds' scores, maximised in mean."""
    import optuna

    quiet_optuna()
    method = search.get("method", search_space.DEFAULTS["method"])
    study = optuna.create_study(direction="maximize", sampler=sampler(search))
    trials: list[dict[str, Any]] = []

    def run_trial(trial) -> float:
        settings = suggest(trial, search["space"], method)
        fold_scores = [float(s) for s in objective(settings)]
        score = float(np.mean(fold_scores))
        trials.append({"trial": trial.number, "params": settings, "score": score,
                       "fold_scores": fold_scores})  # fmt: skip
        log.info("trial %d: %s -> %.4f (%s)", trial.number, settings, score, fold_scores)
        return score

    study.optimize(run_trial, n_trials=search_space.n_trials(search))
    best = study.best_trial
    log.info("search (%s, %d trials) chose %s: inner %s %.4f", method, len(trials),
             best.params, search.get("metric", "uar"), best.value)  # fmt: skip
    return SearchResult(dict(best.params), float(best.value), trials, best.number)


# ---- classic families -----------------------------------------------------------------------
def check_classic_space(family: str, space: Mapping[str, Any], where: str) -> None:
    """ValueError naming each ``space`` key the family's estimator does not take."""
    from crossemo.models.selection import make_estimator

    known = sorted(make_estimator(family, {}).get_params())
    problems = search_space.unknown_keys(space, known, where, family)
    if problems:
        raise ValueError("; ".join(problems))


def search_classic(family: str, base: Mapping[str, Any], X: np.ndarray, y: np.ndarray,
                   utt_ids: pd.Series, groups: Mapping[str, str] | None,
                   search: Mapping[str, Any], *, seed: int, threads: int = 1,
                   where: str = "search") -> SearchResult:  # fmt: skip
    """The search of a classic run on its training rows ``X``, ``y`` (``utt_ids`` and their
    ``groups``): each trial fits ``base`` + the trial's settings on every inner fold's
    training part and scores its validation part."""
    from crossemo.models.selection import _fit, make_estimator

    check_classic_space(family, search["space"], where)
    utt_ids = pd.Series(utt_ids).reset_index(drop=True)
    k = int(search.get("inner_folds", search_space.DEFAULTS["inner_folds"]))
    fold_of = inner_folds(utt_ids, pd.Series(y), groups, k, int(search.get("seed", 0)), where)
    score_rows = scored(utt_ids)
    metric = search.get("metric", search_space.DEFAULTS["metric"])
    classes = sorted(set(np.asarray(y).tolist()))

    def objective(settings: dict[str, Any]) -> list[float]:
        out = []
        for f in range(k):
            train, held = fold_of != f, (fold_of == f) & score_rows
            est = _fit(make_estimator(family, dict(base) | settings, seed, threads),
                       X[train], y[train])  # fmt: skip
            out.append(metrics.score(y[held], est.predict(X[held]), metric, classes))
        return out

    result = run_study(search, objective)
    result.folds, result.utterances = held_groups(fold_of, utt_ids, groups), len(utt_ids)
    return result


# ---- neural families ------------------------------------------------------------------------
def search_neural(family, run, search: Mapping[str, Any], where: str = "search") -> SearchResult:
    """The search of a neural run (:class:`crossemo.models.run.NeuralRun`) with its family's
    own ``fit``: per trial and inner fold, a short run on a view whose ``train`` rows are the
    fold's training part and whose ``test`` rows its validation part (no dev rows: fixed
    epochs), scored from the predictions it writes."""
    from crossemo.models.data import read_view
    from crossemo.models.lr_cv import read_groups

    known = search_space.neural_keys(family.keys, run.model)
    problems = search_space.unknown_keys(search["space"], known, where, family.name)
    if problems:
        raise ValueError("; ".join(problems))
    rows = read_view(run.view, ["train"])
    groups = read_groups(run.inputs.get("split"))
    k = int(search.get("inner_folds", search_space.DEFAULTS["inner_folds"]))
    fold_of = inner_folds(rows["utt_id"], rows["label"], groups, k,
                          int(search.get("seed", 0)), where)  # fmt: skip
    metric = search.get("metric", search_space.DEFAULTS["metric"])
    with tempfile.TemporaryDirectory(prefix="crossemo-search-") as tmp:
        views = _inner_views(rows, fold_of, Path(tmp))

        def objective(settings: dict[str, Any]) -> list[float]:
            model = search_space.with_settings(run.model, settings)
            return [_inner_score(family, run, model, view, Path(tmp) / f"fold{f}", metric)
                    for f, view in enumerate(views)]  # fmt: skip

        result = run_study(search, objective)
    result.folds = held_groups(fold_of, rows["utt_id"], groups)
    result.utterances = len(rows)
    return result


def _inner_views(rows: pd.DataFrame, fold_of: np.ndarray, folder: Path) -> list[Path]:
    """One view per inner fold: its training part as ``train``, its scored validation part as
    ``test`` (augmented copies of held-out utterances are dropped)."""
    keep = scored(rows["utt_id"])
    out = []
    for f in range(int(fold_of.max()) + 1):
        held = fold_of == f
        view = rows[~held | keep].copy()
        view["split"] = np.where(held[~held | keep], "test", "train")
        path = folder / f"view{f}.parquet"
        folder.mkdir(parents=True, exist_ok=True)
        view.to_parquet(path, index=False)
        out.append(path)
    return out


def _inner_score(family, run, model: Mapping[str, Any], view: Path, folder: Path,
                 metric: str) -> float:  # fmt: skip
    """Train ``model`` on the inner view's train rows and score its test rows."""
    import shutil
    from dataclasses import replace

    shutil.rmtree(folder, ignore_errors=True)
    predictions = folder / "predictions.parquet"
    common = dict(output_dir=str(folder / "model"), predictions=str(predictions),
                  dev_predictions=None, scratch=str(folder / "scratch"),
                  threads=run.common.get("threads"))  # fmt: skip
    family.impl.fit(replace(run, view=str(view), model=dict(model), info={RECORD_KEY: "inner fold"},
                            common=common))  # fmt: skip
    table = pd.read_parquet(predictions)
    return metrics.score(table["label"], table["pred"], metric, list(run.classes))


# ---- rule make_search_table -----------------------------------------------------------------
def read_record(config: str | Path) -> dict[str, Any]:
    """The search record of one run: its classic ``config.json`` or its neural model folder's
    ``crossemo_run.json``."""
    from crossemo.models.skeleton import RUN_FILE

    path = Path(config)
    path = path / RUN_FILE if path.is_dir() else path
    record = json.loads(path.read_text()).get(RECORD_KEY)
    if not record:
        raise ValueError(f"{path}: no `{RECORD_KEY}` entry; the run was trained without search:")
    return record


def search_tables(configs: Mapping[str, str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(chosen settings per run, every trial of every run) from each run's record."""
    chosen, trials = [], []
    for run, config in configs.items():
        rec = read_record(config)
        chosen.append({"run": run, "method": rec["method"], "metric": rec["metric"],
                       "trials": len(rec["trials"]), "inner_folds": rec["inner_folds"],
                       "utterances": rec["utterances"], "inner_score": rec["score"],
                       **rec["best"]})  # fmt: skip
        for t in rec["trials"]:
            trials.append({"run": run, "trial": t["trial"], **t["params"], "inner_score":
                           t["score"], "fold_scores": " ".join(f"{s:.4f}" for s in
                                                               t["fold_scores"]),
                           "chosen": t["trial"] == rec["best_trial"]})  # fmt: skip
    return pd.DataFrame(chosen), pd.DataFrame(trials)


def write_search_tables(configs: Mapping[str, str | Path], table: str | Path,
                        trials: str | Path) -> pd.DataFrame:  # fmt: skip
    """Rule make_search_table: :func:`search_tables` as two CSVs."""
    chosen, every = search_tables(configs)
    for frame, path in ((chosen, table), (every, trials)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, path, index=False)
    return chosen
