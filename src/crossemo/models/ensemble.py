"""Late fusion: the engine of the ``ensemble`` family (rule combine_ensemble, one job per run).

An ensemble experiment combines the runs of its ``model.members`` (other experiments on the same
split, so their runs hold the same test and dev utterances) from their predictions alone:

1. each member's class probabilities, temperature-scaled (``calibrate: temperature``: the
   temperature of :func:`crossemo.evaluation.calibration.fit_temperature`, fitted on that
   member's dev predictions; 1 with fewer than ``MIN_DEV`` of them);
2. ``combine: average``: their weighted mean, with weights on the simplex that maximise the dev
   UAR (``weights: dev``; :func:`dev_weights`) or equal weights; ``combine: stacking``: a
   multinomial logistic regression on the members' dev log-probabilities (:func:`fit_stacker`).

Only dev predictions fit anything; test rows never do (their labels are only scored). Dev rows
are those every member has a dev prediction of. The members' test predictions must cover the
same utterances. Outputs, in the predictions contract: the test predictions, the dev predictions
(the combination on dev: the rows the weights or the stacker were fitted on, so optimistic), and
``config.json`` (members, temperatures, weights or stacker coefficients, and each member's and
the ensemble's dev and test UAR and weighted F1 side by side, :func:`score_rows`); rule
make_ensemble_table gathers the scores of every run (:func:`ensemble_table`).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.evaluation.base import OVERALL
from crossemo.evaluation.calibration import (
    EPS,
    MIN_DEV,
    fit_temperature,
    label_indices,
    probabilities,
    scale,
)
from crossemo.evaluation.metrics import score
from crossemo.models.predictions import PROB_PREFIX, predictions_frame, write_predictions

log = logging.getLogger(__name__)

#: weight step of the simplex grid (members up to GRID_MEMBERS), and of coordinate ascent
STEP = 0.1
GRID_MEMBERS = 3
#: the ensemble's row in the scores (members are named as in ``model.members``)
ENSEMBLE = "ensemble"
#: the scopes of the scores: dev rows, then each test corpus, then all test rows
DEV = "dev"
MEASURES = ("uar", "weighted_f1")


# ---------------------------------------------------------------- rows
def aligned_test(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The members' test predictions in the first member's row order; ValueError naming the
    member whose utterances differ from the first's, with the counts."""
    first_name, first = next(iter(tables.items()))
    ids = first["utt_id"].astype(str)
    out = {}
    for name, table in tables.items():
        theirs = set(table["utt_id"].astype(str))
        if theirs != set(ids) or len(table) != len(first):
            raise ValueError(
                f"ensemble member {name}: its test predictions hold {len(table)} utterances, "
                f"{len(theirs - set(ids))} not in {first_name}'s {len(first)} and "
                f"{len(set(ids) - theirs)} of {first_name}'s missing: the members must share "
                "the ensemble's split (same split keys and folds)"
            )
        out[name] = table.set_index(table["utt_id"].astype(str)).loc[ids].reset_index(drop=True)
    return out


def aligned_dev(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The members' dev predictions on the utterances every member has one of (first member's
    order): a member choosing on other rows (``select_on: loco``) leaves only the shared ones."""
    first = next(iter(tables.values()))
    common = set.intersection(*(set(t["utt_id"].astype(str)) for t in tables.values()))
    ids = [u for u in first["utt_id"].astype(str) if u in common]
    return {
        name: t.set_index(t["utt_id"].astype(str)).loc[ids].reset_index(drop=True)
        for name, t in tables.items()
    }


def member_classes(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The classes (probability columns) every member shares; ValueError naming a member whose
    classes differ."""
    first_name, first = next(iter(tables.items()))
    classes = _prob_classes(first)
    for name, table in tables.items():
        if _prob_classes(table) != classes or not classes:
            raise ValueError(
                f"ensemble member {name}: classes {_prob_classes(table)} differ from "
                f"{first_name}'s {classes}: members need one label scheme"
            )
    return classes


def _prob_classes(table: pd.DataFrame) -> list[str]:
    """The classes of a predictions table's probability columns, in their order."""
    return [c.removeprefix(PROB_PREFIX) for c in table.columns if c.startswith(PROB_PREFIX)]


# ---------------------------------------------------------------- combination
def simplex_grid(members: int, step: float = STEP) -> np.ndarray:
    """Every weight vector of ``members`` non-negative multiples of ``step`` summing to one."""
    units = round(1 / step)
    points = [c for c in itertools.product(range(units + 1), repeat=members) if sum(c) == units]
    return np.asarray(points, dtype=float) / units


def _uar_of(probs: Sequence[np.ndarray], weights: np.ndarray, labels: np.ndarray) -> float:
    mixed = np.tensordot(weights, np.stack(probs), axes=1)
    return score(labels, mixed.argmax(axis=1), "uar", range(mixed.shape[1]))


def _best(candidates: np.ndarray, probs, labels) -> np.ndarray:
    """The candidate of highest dev UAR; ties: the one nearest equal weights, then the first."""
    equal = np.full(candidates.shape[1], 1 / candidates.shape[1])
    keys = [(-_uar_of(probs, w, labels), float(np.abs(w - equal).sum())) for w in candidates]
    return candidates[min(range(len(keys)), key=lambda i: (round(keys[i][0], 12), keys[i][1]))]


def coordinate_ascent(probs, labels, seed: int = 0, step: float = STEP) -> np.ndarray:
    """Weights from equal ones, moving ``step`` of weight between two members while the dev UAR
    rises (members visited in a seeded order; deterministic)."""
    m = len(probs)
    weights = np.full(m, 1 / m)
    order = np.random.default_rng(seed).permutation(m)
    for _ in range(100):
        moves = [weights]
        for i, j in itertools.permutations(order, 2):
            moved = weights.copy()
            shift = min(step, moved[j])
            moved[i], moved[j] = moved[i] + shift, moved[j] - shift
            moves.append(moved)
        best = _best(np.asarray(moves), probs, labels)
        if _uar_of(probs, best, labels) <= _uar_of(probs, weights, labels):
            return weights
        weights = best
    return weights


def dev_weights(probs: Sequence[np.ndarray], labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """Simplex weights maximising the UAR of the weighted mean of ``probs`` (one [n, k] array per
    member) on dev ``labels``: a grid of step 0.1 for up to three members, else coordinate
    ascent; equal weights without dev rows."""
    m = len(probs)
    if len(labels) == 0:
        return np.full(m, 1 / m)
    if m <= GRID_MEMBERS:  # equal weights (off the grid for 3) win every tie
        return _best(np.vstack([np.full(m, 1 / m), simplex_grid(m)]), probs, labels)
    return coordinate_ascent(probs, labels, seed)


def stack_features(probs: Sequence[np.ndarray]) -> np.ndarray:
    """The stacker's input: the members' log-probabilities side by side."""
    return np.concatenate([np.log(np.clip(p, EPS, 1)) for p in probs], axis=1)


def fit_stacker(probs: Sequence[np.ndarray], labels: np.ndarray, seed: int = 0):
    """A multinomial logistic regression on the members' dev log-probabilities."""
    from sklearn.linear_model import LogisticRegression

    if len(set(labels.tolist())) < 2:
        raise ValueError(
            f"combine: stacking needs dev predictions of two or more classes, got "
            f"{len(labels)} dev rows of {len(set(labels.tolist()))}: set dev_fraction > 0 in the "
            "members, or combine: average"
        )
    return LogisticRegression(max_iter=2000, random_state=seed).fit(stack_features(probs), labels)


def stacked(stacker, probs: Sequence[np.ndarray], k: int) -> np.ndarray:
    """Class probabilities [n, k] of a fitted stacker (classes it never saw on dev: 0)."""
    out = np.zeros((len(probs[0]), k))
    out[:, stacker.classes_] = stacker.predict_proba(stack_features(probs))
    return out


def member_temperatures(dev: Mapping[str, pd.DataFrame], classes: list[str],
                        labels: np.ndarray, calibrate: str = "temperature"
                        ) -> tuple[dict[str, float], list[str]]:  # fmt: skip
    """Each member's temperature, fitted on its dev predictions of known ``labels`` (1 without
    ``calibrate: temperature`` or with fewer than ``MIN_DEV`` dev rows: a note says so)."""
    known = labels >= 0
    if calibrate != "temperature":
        return {n: 1.0 for n in dev}, []
    if known.sum() < MIN_DEV:
        note = f"{int(known.sum())} dev predictions, fewer than {MIN_DEV}: temperatures 1"
        return {n: 1.0 for n in dev}, [note]
    return {n: fit_temperature(probabilities(d, classes)[known], labels[known])
            for n, d in dev.items()}, []  # fmt: skip


def _stacking(p_test, p_dev, labels, classes, names, seed) -> tuple[np.ndarray, np.ndarray, dict]:
    stacker = fit_stacker(p_dev, labels, seed)
    info = {"stacker": {
        "classes": [classes[c] for c in stacker.classes_],
        "features": [f"{n}:log_prob_{c}" for n in names for c in classes],
        "coef": stacker.coef_.tolist(), "intercept": stacker.intercept_.tolist(),
    }}  # fmt: skip
    return stacked(stacker, p_test, len(classes)), stacked(stacker, p_dev, len(classes)), info


def _average(p_test, p_dev, labels, names, by_dev: bool,
             seed) -> tuple[np.ndarray, np.ndarray, dict]:  # fmt: skip
    m = len(names)
    weights = dev_weights(p_dev, labels, seed) if by_dev else np.full(m, 1 / m)
    mixed = [np.tensordot(weights, np.stack(p), axes=1) for p in (p_test, p_dev)]
    info = {"weights": {n: round(float(w), 6) for n, w in zip(names, weights, strict=True)}}
    return mixed[0], mixed[1], info


def fuse(test: Mapping[str, pd.DataFrame], dev: Mapping[str, pd.DataFrame],
         settings: Mapping[str, Any], seed: int = 0) -> dict[str, Any]:  # fmt: skip
    """Combine the members' ``test`` and ``dev`` predictions (member -> table) as ``settings``
    (``combine``, ``weights``, ``calibrate``) say. Returns the ensemble's ``test`` and ``dev``
    predictions tables (dev: the rows with a label, which fitted it) and ``info`` (classes,
    temperatures, weights or stacker, notes)."""
    test, dev = aligned_test(test), aligned_dev(dev)
    classes, names = member_classes(test), list(test)
    dev_rows = next(iter(dev.values()))
    all_labels = label_indices(dev_rows, classes)
    calibrate = settings.get("calibrate", "temperature")
    temps, notes = member_temperatures(dev, classes, all_labels, calibrate)
    known = all_labels >= 0
    dev_rows, labels = dev_rows[known], all_labels[known]
    p_test = [scale(probabilities(test[n], classes), temps[n]) for n in names]
    p_dev = [scale(probabilities(dev[n], classes), temps[n])[known] for n in names]
    if settings.get("combine", "average") == "stacking":
        out_test, out_dev, info = _stacking(p_test, p_dev, labels, classes, names, seed)
    else:
        by_dev = settings.get("weights", "dev") == "dev"
        out_test, out_dev, info = _average(p_test, p_dev, labels, names, by_dev, seed)
    info = {"classes": classes, "temperatures": temps, "n_dev": len(labels), **info,
            "notes": notes}  # fmt: skip
    return {"test": _frame(next(iter(test.values())), out_test, classes),
            "dev": _frame(dev_rows, out_dev, classes), "info": info}  # fmt: skip


def _frame(rows: pd.DataFrame, probs: np.ndarray, classes: list[str]) -> pd.DataFrame:
    """The contract's table of ``probs`` on the utterances (and labels, as given) of ``rows``."""
    frame = predictions_frame(rows["utt_id"].tolist(), rows["corpus"].tolist(),
                              np.full(len(rows), -1), probs, classes)  # fmt: skip
    frame["label"] = rows["label"].to_numpy()
    return frame


# ---------------------------------------------------------------- scores
def _scopes(test: pd.DataFrame, dev: pd.DataFrame) -> list[tuple[str, pd.Series, pd.Series]]:
    """(scope, labels, decisions) of the dev rows, each test corpus and all test rows."""
    scopes = [(DEV, dev["label"], dev["pred"])] if len(dev) else []
    for corpus, part in test.groupby("corpus", sort=True):
        scopes.append((str(corpus), part["label"], part["pred"]))
    return scopes + [(OVERALL, test["label"], test["pred"])]


def score_rows(members: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]],
               ensemble: tuple[pd.DataFrame, pd.DataFrame], classes: Sequence[str],
               weights: Mapping[str, float] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """UAR and weighted F1 of each member's own decisions and of the ensemble's, per scope
    (:func:`_scopes`), from (test, dev) predictions; test labels are only scored here."""
    rows = []
    for name, (test, dev) in [*members.items(), (ENSEMBLE, ensemble)]:
        weight = (weights or {}).get(name) if name != ENSEMBLE else None
        for scope, labels, pred in _scopes(test, dev):
            rows.append({"model": name, "scope": scope, "n": len(labels), "weight": weight}
                        | {m: score(labels, pred, m, classes) for m in MEASURES})  # fmt: skip
    return rows


# ---------------------------------------------------------------- the job
def _read(paths: Sequence[str | Path]) -> list[pd.DataFrame]:
    return [pd.read_parquet(p) for p in paths]


def train(family, job) -> pd.DataFrame:
    """One combine_ensemble job (:class:`crossemo.models.families.TrainJob`): inputs
    ``members`` and ``members_dev`` (predictions files in ``model.members`` order), outputs
    ``predictions``, ``dev_predictions`` and ``config``."""
    model = job.experiment["model"]
    names = [str(m) for m in model["members"]]
    test = dict(zip(names, _read(job.inputs["members"]), strict=True))
    dev = dict(zip(names, _read(job.inputs["members_dev"]), strict=True))
    fused = fuse(test, dev, model, int(job.experiment.get("seed", 0)))
    write_predictions(fused["test"], job.outputs["predictions"])
    write_predictions(fused["dev"], job.outputs["dev_predictions"])
    info = fused["info"]
    members = {n: (test[n], dev[n][dev[n]["utt_id"].isin(fused["dev"]["utt_id"])]) for n in names}
    rows = score_rows(members, (fused["test"], fused["dev"]), info["classes"], info.get("weights"))
    config = {"family": family.name, "experiment": job.name, "run": job.run,
              "members": names, **{k: model.get(k) for k in ("combine", "weights", "calibrate")},
              **info, "scores": rows}  # fmt: skip
    with atomic_path(job.outputs["config"]) as tmp:
        tmp.write_text(json.dumps(config, indent=2, default=str) + "\n")
    log.info(
        "%s %s: %s of %s -> %d test, %d dev predictions",
        job.name,
        job.run,
        model.get("combine"),
        ", ".join(names),
        len(fused["test"]),
        len(fused["dev"]),
    )
    return fused["test"]


def load(family, folder: Path):
    """An ensemble has no model of its own to load: it combines saved predictions."""
    raise ValueError(
        f"{folder} is a late-fusion ensemble (family {family.name}): it combines its members' "
        "predictions and cannot answer audio; load one of its members' model folders"
    )


# ---------------------------------------------------------------- the table
def ensemble_table(configs: Mapping[str, str | Path], output: str | Path,
                   experiment: str = "") -> pd.DataFrame:  # fmt: skip
    """``results/tables/ensemble_{experiment}.csv``: the scores of every run's ``config.json``
    (run -> file), one row per member or ensemble x run x scope (dev, test corpus, overall)."""
    from crossemo.core.safe_text import write_csv

    rows = []
    for run, path in configs.items():
        for row in json.loads(Path(path).read_text())["scores"]:
            rows.append({"experiment": experiment, "run": run, **row})
    table = pd.DataFrame(rows, columns=["experiment", "run", "model", "scope", "n", "weight",
                                        *MEASURES])  # fmt: skip
    with atomic_path(output) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")
    log.info("%s: %d score rows of %d runs -> %s", experiment, len(table), len(configs), output)
    return table
