"""Permutation feature importance of a classic experiment on a named feature set (rule
rank_features): how much each run's test UAR drops when one feature's column is shuffled.

Each run's saved model (``model.joblib``: standardiser, estimator, feature names) predicts its
own held-out test rows (the split table's ``test`` rows of its fold), standardised as the run
standardised them; :func:`sklearn.inspection.permutation_importance` shuffles each column
``repeats`` times (seeded) and scores UAR (balanced accuracy over the classes present, the
evaluation's :func:`crossemo.evaluation.metrics.uar`) with the run's own decision rule. The
table has every run's importances (mean and std over the shuffles) and, per variant, the runs
pooled (mean over runs, std over every shuffle of every run); the figure the top features of
each variant's pooled ranking. Unnamed dimensions (SSL, Whisper) have no job.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.names import parse_run, run_fold_index
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.figures import panel_grid, pyplot, save_figure
from crossemo.evaluation.metrics import uar

log = logging.getLogger(__name__)
COLUMNS = ("experiment", "variant", "run", "rank", "feature", "importance_mean",
           "importance_std", "n_test", "test_uar")  # fmt: skip
POOLED = "pooled"


class BundleScorer:
    """A saved classic run as :func:`permutation_importance` scores it: UAR of its decisions
    (the engine's own rule: :func:`crossemo.models.classic._prediction_table`)."""

    def __init__(self, bundle: Mapping) -> None:
        self.bundle = bundle
        self.classes = [str(c) for c in bundle["classes"]]

    def predict(self, X: np.ndarray) -> list[str]:
        from crossemo.models.classic import _prediction_table

        b = self.bundle
        view = pd.DataFrame({"utt_id": np.arange(len(X)).astype(str), "corpus": "",
                             "label": self.classes[0]})  # fmt: skip
        table = _prediction_table(b["estimator"], X, view, np.ones(len(X), dtype=bool),
                                  b["family"], self.classes, b["train_classes"])  # fmt: skip
        return table["pred"].tolist()

    def fit(self, X, y):  # permutation_importance never fits; scikit-learn checks it exists
        return self

    def __call__(self, estimator, X: np.ndarray, y) -> float:
        return uar(list(y), self.predict(X), self.classes)


def run_importance(bundle: Mapping, X: np.ndarray, labels: pd.Series, repeats: int,
                   seed: int) -> tuple[pd.DataFrame, np.ndarray, float]:  # fmt: skip
    """Importance of each feature of one run on its standardised test rows ``X``: a frame
    ``feature importance_mean importance_std``, the raw drops (features x repeats) and the
    run's test UAR."""
    from sklearn.inspection import permutation_importance

    scorer = BundleScorer(bundle)
    y = labels.astype(str).to_numpy()
    result = permutation_importance(scorer, X, y, scoring=scorer, n_repeats=repeats,
                                    random_state=seed, n_jobs=1)  # fmt: skip
    frame = pd.DataFrame({"feature": list(bundle["feature_names"]),
                          "importance_mean": result.importances_mean,
                          "importance_std": result.importances_std})  # fmt: skip
    return frame, result.importances, scorer(None, X, y)


def test_rows(split: pd.DataFrame, run: str) -> pd.DataFrame:
    """``utt_id corpus speaker label`` of a run's test rows (its fold of the split table)."""
    fold = split[(split["fold"] == run_fold_index(run)) & (split["split"] == "test")]
    return fold.drop_duplicates("utt_id").reset_index(drop=True)


def standardised_test(bundle: Mapping, rows: pd.DataFrame, features: pd.DataFrame) -> np.ndarray:
    """The test rows' features as the run read them (its standardiser; by corpus or speaker,
    each test group with its own statistics)."""
    X = features.loc[rows["utt_id"], bundle["feature_names"]].to_numpy(dtype=np.float64)
    by = bundle["standardizer"].by
    groups = {"corpus": rows["corpus"], "speaker": rows["speaker"]}.get(by)
    return bundle["standardizer"].transform(X, groups)


def ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` sorted by mean importance (largest first) with its ``rank`` (1 = top)."""
    out = frame.sort_values("importance_mean", ascending=False, kind="stable")
    return out.assign(rank=np.arange(1, len(out) + 1)).reset_index(drop=True)


def importance_table(bundles: Mapping[str, Mapping], split: pd.DataFrame,
                     features: pd.DataFrame, repeats: int, seed: int) -> pd.DataFrame:  # fmt: skip
    """Every run's ranked importances and each variant's pooled ranking (``run`` ``pooled``)."""
    blocks, drops = [], {}
    for run, bundle in bundles.items():
        rows = test_rows(split, run)
        X = standardised_test(bundle, rows, features)
        frame, raw, score = run_importance(bundle, X, rows["label"], repeats, seed)
        variant = parse_run(run)[1]
        drops.setdefault(variant, []).append(pd.DataFrame(raw, index=frame["feature"]))
        blocks.append(ranked(frame).assign(variant=variant, run=run, n_test=len(rows),
                                           test_uar=score))  # fmt: skip
        log.info("%s: test UAR %.3f on %d rows; top %s", run, score, len(rows),
                 ", ".join(blocks[-1]["feature"].head(3)))  # fmt: skip
    for variant, parts in drops.items():
        raw = pd.concat(parts, axis=1)  # features x (runs x repeats); runs weigh the same
        mean = pd.concat([p.mean(axis=1) for p in parts], axis=1).mean(axis=1)
        pooled = pd.DataFrame({"feature": raw.index, "importance_mean": mean.to_numpy(),
                               "importance_std": raw.std(axis=1, ddof=0).to_numpy()})  # fmt: skip
        runs = [b for b in blocks if b["variant"].iloc[0] == variant]
        blocks.append(ranked(pooled).assign(
            variant=variant, run=POOLED, n_test=sum(int(b["n_test"].iloc[0]) for b in runs),
            test_uar=float(np.mean([b["test_uar"].iloc[0] for b in runs]))))  # fmt: skip
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=COLUMNS)


def plot_importance(table: pd.DataFrame, output: str | Path, experiment: str, top: int) -> None:
    """Bar plot of each variant's pooled top ``top`` features (mean with std as error bars)."""
    plt = pyplot()
    pooled = table[table["run"] == POOLED]
    variants = list(dict.fromkeys(pooled["variant"]))
    rows, cols = panel_grid(len(variants), max_columns=2)
    fig, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                             figsize=(7.5 * cols, (0.24 * top + 1.4) * rows))  # fmt: skip
    for ax, variant in zip(axes.flat, variants, strict=False):
        part = pooled[pooled["variant"] == variant].head(top).iloc[::-1]
        ax.barh(part["feature"], part["importance_mean"], xerr=part["importance_std"],
                color="tab:blue", ecolor="0.5")  # fmt: skip
        ax.axvline(0, color="k", lw=0.8)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_xlabel("drop of test UAR when shuffled")
        n_runs = int((table["variant"] == variant).sum() and
                     table.loc[table["variant"] == variant, "run"].nunique() - 1)  # fmt: skip
        ax.set_title(f"{variant or 'model'}: top {len(part)} features ({n_runs} runs pooled, "
                     f"test UAR {part['test_uar'].iloc[0]:.3f})", fontsize=9)  # fmt: skip
    for ax in list(axes.flat)[len(variants) :]:
        ax.axis("off")
    fig.suptitle(f"{experiment}: permutation feature importance", fontsize=10)
    save_figure(fig, output)


def rank_features(models: Mapping[str, str | Path], split_path: str | Path,
                  features: pd.DataFrame, table_output: str | Path, figure_output: str | Path,
                  experiment: str, repeats: int = 5, seed: int = 0, top: int = 20
                  ) -> pd.DataFrame:  # fmt: skip
    """Rule rank_features: each run's saved model (run -> ``model.joblib``), the split table
    and the features -> ``results/tables/importance_{experiment}.csv`` and its figure."""
    import joblib

    bundles = {run: joblib.load(path) for run, path in models.items()}
    table = importance_table(bundles, pd.read_parquet(split_path), features, repeats, seed)
    table = table.assign(experiment=experiment).reindex(columns=list(COLUMNS))
    with atomic_path(table_output) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")
    plot_importance(table, figure_output, experiment, top)
    return table
