"""Learning-rate selection as in the strEmo paper: k-fold cross-validation over an LR grid on
the training set (one job per fold x LR), a table like its Table 3 (LR x folds + average), the
chosen LR, then a "final" retraining on the full training set with that LR.

CV folds are speaker/group-disjoint and stratified by label (``StratifiedGroupKFold``) over the
training rows (train + dev) of the experiment's view; the held-out fold is predicted, so each
CV run writes ordinary predictions that the evaluation stage scores like any run. CV runs train
for a fixed number of epochs (the paper explores no epochs and uses early stopping only in the
final training); ``cv_early_stopping: true`` instead carves a dev part out of the CV training set.

With ``select_on: loco`` the folds are the training corpora instead (:func:`assign_corpus_folds`:
fold k holds out the k-th corpus in sorted order, ``cv_folds`` unused): the LR is chosen by its
UAR on corpora it never trained on, and the table names each fold's held-out corpus.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# run names (fold{k}-lr{lr}) are crossemo.core.names' grammar; these names are kept for callers
from crossemo.core.names import AUG_MARKER, augmented_source, lr_name
from crossemo.core.names import lr_cv_runs as cv_run_names  # noqa: F401
from crossemo.core.names import parse_lr_run as parse_run
from crossemo.core.safe_text import write_csv
from crossemo.evaluation import metrics
from crossemo.models.families.keys import LOCO, LR_CV_DEFAULTS

log = logging.getLogger(__name__)


def assign_cv_folds(rows: pd.DataFrame, groups: Mapping[str, str] | None, folds: int,
                    seed: int = 0) -> np.ndarray:  # fmt: skip
    """CV fold of each row: group-disjoint, stratified by ``label``."""
    from sklearn.model_selection import StratifiedGroupKFold

    group = rows["utt_id"].map(groups) if groups else rows["utt_id"]
    group = group.fillna(rows["utt_id"]).astype(str).to_numpy()
    n_groups = len(set(group))
    if n_groups < folds:
        raise ValueError(f"{folds}-fold CV needs at least {folds} groups, got {n_groups}")
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    out = np.full(len(rows), -1, dtype=np.int64)
    for k, (_, test_idx) in enumerate(cv.split(np.zeros(len(rows)), rows["label"], group)):
        out[test_idx] = k
    return out


def assign_corpus_folds(rows: pd.DataFrame) -> np.ndarray:
    """Fold of each row under ``select_on: loco``: the index of its corpus among the rows'
    corpora in sorted order (:func:`crossemo.plan.experiments.Experiments.lr_cv_folds`)."""
    corpora = sorted(set(rows["corpus"].astype(str)))
    if len(corpora) < 2:
        raise ValueError(
            "model.select_on: loco holds out one training corpus per LR-CV fold and needs two "
            f"or more; the view's training rows come from {corpora}"
        )
    return rows["corpus"].astype(str).map(corpora.index).to_numpy(dtype=np.int64)


def read_groups(split_table: str | Path | None) -> dict[str, str] | None:
    """utt_id -> group (leakage unit) from the split table (fold 0), if there is one."""
    if not split_table or not Path(split_table).exists():
        return None
    table = pd.read_parquet(split_table, columns=["utt_id", "group", "fold"])
    table = table[table["fold"] == table["fold"].min()]
    return dict(zip(table["utt_id"], table["group"].astype(str), strict=False))


def cv_sets(view: str | Path, classes: Sequence[str], fold: int, folds: int, seed: int,
            groups: Mapping[str, str] | None, max_seconds: float | None,
            dev_fraction: float = 0.0, by_corpus: bool = False) -> dict:  # fmt: skip
    """train/dev/test AudioSets of CV fold ``fold``: test = the held-out fold (``by_corpus``:
    the fold-th training corpus, :func:`assign_corpus_folds`)."""
    from crossemo.models.data import load_audio_rows, read_view, to_audio_set

    full = read_view(view, splits=["train", "dev"])
    is_aug = full["utt_id"].str.contains(AUG_MARKER, regex=False)
    rows, aug = full[~is_aug].reset_index(drop=True), full[is_aug]
    fold_of = assign_corpus_folds(rows) if by_corpus else assign_cv_folds(rows, groups, folds, seed)
    if not (fold_of == fold).any():
        raise ValueError(f"LR-CV fold {fold} has no rows: the view's training rows make "
                         f"{int(fold_of.max()) + 1} folds")  # fmt: skip
    held_out = rows[fold_of == fold]
    rest = rows[fold_of != fold]
    if len(aug):  # augmented copies of held-out originals must not train
        base = aug["utt_id"].map(augmented_source)
        rest = pd.concat([rest, aug[~base.isin(set(held_out["utt_id"]))]], ignore_index=True)
    dev = rest.iloc[:0]
    if dev_fraction > 0:
        g = rest["utt_id"].map(groups) if groups else rest["utt_id"]
        uniq = np.array(sorted(set(g.fillna(rest["utt_id"]))))
        rng = np.random.default_rng(seed + fold)
        dev_groups = set(rng.choice(uniq, max(1, int(round(dev_fraction * len(uniq)))),
                                    replace=False))  # fmt: skip
        is_dev = g.fillna(rest["utt_id"]).isin(dev_groups).to_numpy()
        dev, rest = rest[is_dev], rest[~is_dev]
    waves = load_audio_rows(pd.concat([rest, dev, held_out]), max_seconds)
    return {"train": to_audio_set(rest, classes, waves), "dev": to_audio_set(dev, classes, waves),
            "test": to_audio_set(held_out, classes, waves)}  # fmt: skip


def cv_run(view, classes, model_cfg: Mapping[str, Any], run: str, *, output_dir, predictions,
           scratch, split_table=None, threads=None, interrupt_after=None,
           dev_predictions=None):  # fmt: skip
    """Train CV run ``fold{k}-lr{lr}`` and predict its held-out fold."""
    from crossemo.models.finetune import build_classifier, train_audio_classifier
    from crossemo.models.training import TrainSettings

    parsed = parse_run(run)
    if parsed is None:
        raise ValueError(f"not an LR-CV run name: {run}")
    fold, lr = parsed
    cv_cfg = dict(model_cfg)
    if not model_cfg.get("cv_early_stopping", False):
        cv_cfg["early_stopping_patience"] = None
    settings = TrainSettings.from_config(cv_cfg, lr=lr)
    folds = int(model_cfg.get("cv_folds", LR_CV_DEFAULTS["cv_folds"]))
    sets = cv_sets(view, classes, fold, folds, settings.seed,
                   read_groups(split_table), settings.max_seconds,
                   dev_fraction=float(model_cfg.get("cv_dev_fraction", 0.1))
                   if model_cfg.get("cv_early_stopping", False) else 0.0,
                   by_corpus=model_cfg.get("select_on") == LOCO)  # fmt: skip
    log.info("CV %s: %s", run, {k: len(v) for k, v in sets.items()})
    model, fe = build_classifier(model_cfg, classes, settings)
    info = {"model": dict(model_cfg), "classes": list(classes), "view": str(view), "run": run,
            "cv_fold": fold, "lr": lr}  # fmt: skip
    return train_audio_classifier(model, fe, sets, classes, settings, output_dir=output_dir,
                                  predictions=predictions, scratch=scratch, run_config=info,
                                  threads=threads, interrupt_after=interrupt_after,
                                  dev_predictions=dev_predictions)  # fmt: skip


def fit_run(run):
    """``fit`` of the families that train an HF audio classifier (finetune, block_expansion) for
    one :class:`crossemo.models.run.NeuralRun`: an LR cross-validation run (``fold{k}-lr{lr}``),
    or a run on the whole view (``final`` with the LR the CV chose, when the rule hands over its
    table; ``main``, ``fold{k}`` with the model's ``lr``)."""
    from crossemo.models.finetune import finetune_view

    if parse_run(run.run) is not None:
        return cv_run(run.view, run.classes, run.model, run.run,
                      split_table=run.inputs.get("split"), **run.common)  # fmt: skip
    lr = None
    if run.inputs.get("lr_table"):
        lr = chosen_lr(run.inputs["lr_table"])
        log.info("LR chosen by cross-validation: %g", lr)
    return finetune_view(run.view, run.classes, run.model, lr=lr, run_info=run.info,
                         **run.common)  # fmt: skip


def score(frame: pd.DataFrame, metric: str) -> float:
    """A CV score of a predictions table: uar, accuracy, f1_macro or f1_weighted."""
    if metric not in metrics.CV_METRICS:
        raise ValueError(f"unknown CV metric {metric}")
    return metrics.score(frame["label"].astype(str), frame["pred"].astype(str), metric)


def aggregate(predictions: Mapping[str, str | Path], metric: str = "uar",
              select_on: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Table 3 of the strEmo paper: one row per LR, columns K1..Kk, avg, std, chosen; under
    ``select_on: loco`` also ``held_out`` (``K1=<corpus> K2=...``: each fold's held-out corpus,
    the corpus of its predictions)."""
    scores: dict[float, dict[int, float]] = {}
    held_out: dict[int, str] = {}
    for run, path in predictions.items():
        parsed = parse_run(run)
        if parsed is None:
            continue
        fold, lr = parsed
        frame = pd.read_parquet(path)
        scores.setdefault(lr, {})[fold] = score(frame, metric)
        held_out[fold] = " ".join(sorted(set(frame["corpus"].astype(str))))
    folds = sorted({k for s in scores.values() for k in s})
    rows = []
    for lr in sorted(scores, reverse=True):
        vals = [scores[lr].get(k, np.nan) for k in folds]
        per_fold = {f"K{k + 1}": round(v, 4) for k, v in zip(folds, vals, strict=True)}
        rows.append({"lr": lr_name(lr), **per_fold,
                     "avg": round(float(np.nanmean(vals)), 4),
                     "std": round(float(np.nanstd(vals)), 4), "metric": metric})  # fmt: skip
        if select_on == LOCO:
            rows[-1]["held_out"] = " ".join(f"K{k + 1}={held_out[k]}" for k in folds)
    table = pd.DataFrame(rows)
    if len(table):
        best = table["avg"].idxmax()  # ties: the larger LR (listed first)
        table["chosen"] = table.index == best
    return table


def chosen_lr(table_csv: str | Path) -> float:
    table = pd.read_csv(table_csv, dtype={"lr": str})
    row = table[table["chosen"].astype(str).str.lower() == "true"]
    if row.empty:
        raise ValueError(f"{table_csv}: no chosen LR")
    return float(row["lr"].iloc[0])


def aggregate_files(predictions: Mapping[str, str | Path], output: str | Path,
                    metric: str = "uar", select_on: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Rule aggregate_lr_cv: write the LR table (CSV) and log the chosen LR."""
    table = aggregate(predictions, metric, select_on)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, output, index=False)
    if len(table):
        log.info("chosen LR %s (%s avg %.4f)", table.loc[table["chosen"], "lr"].iloc[0], metric,
                 table["avg"].max())  # fmt: skip
    return table
