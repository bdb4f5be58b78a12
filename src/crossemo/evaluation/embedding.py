"""The embedding map of a classic experiment (rule map_features): a t-SNE of its feature rows,
standardised as its models' input, in two panels coloured by corpus and by emotion, training
and test rows marked differently.

The rows are the experiment's first fold of the split table (``train``/``dev`` rows are
``train``, ``test`` rows ``test``); the features are the shards the experiment trains on (every
set's columns under early fusion, weighed as the model weighs them; a learnt layer combination
is not applied: the map shows the encoder's statistics as extracted). The standardiser is the
training stage's own (:class:`crossemo.features.Standardizer`, fitted on the training rows; by
corpus or speaker each group with its own statistics). At most ``points`` rows, a seeded
subsample stratified by role and corpus. Neural families have no feature rows: no map.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.evaluation.figures import pyplot, save_figure

log = logging.getLogger(__name__)
#: marker of each role (split rows): training rows filled, test rows as crosses
MARKERS = {"train": "o", "test": "x"}


def map_rows(split: pd.DataFrame) -> pd.DataFrame:
    """``utt_id corpus label speaker role`` of the split table's first fold (``role``: train
    for train and dev rows, test for test rows)."""
    fold = split[split["fold"] == split["fold"].min()]
    rows = fold[["utt_id", "corpus", "label", "speaker"]].copy()
    rows["role"] = np.where(fold["split"] == "test", "test", "train")
    return rows.drop_duplicates("utt_id").reset_index(drop=True)


def standardised(rows: pd.DataFrame, features: pd.DataFrame, by: str,
                 weights: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """The rows' features as the model reads them: fitted on the training rows, applied to all."""
    from crossemo.features import Standardizer

    X = features.loc[rows["utt_id"]].to_numpy(dtype=np.float64)
    groups = {"corpus": rows["corpus"], "speaker": rows["speaker"]}.get(by)
    train = (rows["role"] == "train").to_numpy()
    scaler = Standardizer(by, weights=weights)
    scaler.fit(X[train], None if groups is None else groups[train])
    return scaler.transform(X, groups)


def subsample(rows: pd.DataFrame, points: int, seed: int) -> np.ndarray:
    """Row positions of a seeded subsample of ``points`` rows, each (role, corpus) keeping its
    share (largest remainders; at least one row each); every row when there are few enough."""
    if len(rows) <= points:
        return np.arange(len(rows))
    rng = np.random.default_rng(seed)
    parts = [part.index.to_numpy() for _, part in rows.groupby(["role", "corpus"], sort=True)]
    share = np.array([points * len(p) / len(rows) for p in parts])
    take = np.maximum(1, np.floor(share).astype(int))
    for i in np.argsort(-(share - np.floor(share)), kind="stable")[: max(0, points - take.sum())]:
        take[i] += 1
    keep = [rng.choice(p, size=min(t, len(p)), replace=False) for p, t in zip(parts, take,
                                                                         strict=True)]  # fmt: skip
    return np.sort(np.concatenate(keep))


def tsne(X: np.ndarray, seed: int, perplexity: float) -> np.ndarray:
    """2-D t-SNE of ``X`` (PCA initialisation; perplexity below the number of rows)."""
    from sklearn.manifold import TSNE

    perplexity = float(min(perplexity, max(1.0, len(X) - 1.0)))
    model = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
    return model.fit_transform(np.asarray(X, dtype=np.float64))


def embedding_frame(rows: pd.DataFrame, X: np.ndarray, points: int, seed: int,
                    perplexity: float) -> pd.DataFrame:  # fmt: skip
    """The subsampled rows with their map coordinates ``x y``."""
    keep = subsample(rows, points, seed)
    xy = tsne(X[keep], seed, perplexity)
    return rows.iloc[keep].reset_index(drop=True).assign(x=xy[:, 0], y=xy[:, 1])


def colours(values: Sequence[str]) -> dict[str, tuple]:
    """One colour per distinct value (sorted), from matplotlib's tab10/tab20."""
    import matplotlib

    names = sorted({str(v) for v in values})
    cmap = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def plot_embedding(frame: pd.DataFrame, output: str | Path, experiment: str,
                   total: int) -> None:  # fmt: skip
    """Two panels, by corpus and by emotion; training rows as dots, test rows as crosses."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, layout="constrained", figsize=(12, 5.6))
    for ax, column in zip(axes, ("corpus", "label"), strict=True):
        palette = colours(frame[column])
        for (value, role), part in frame.groupby([column, "role"], sort=True):
            ax.scatter(part["x"], part["y"], s=14 if role == "train" else 22, alpha=0.75,
                       marker=MARKERS[role], color=palette[str(value)],
                       label=f"{value} ({role})")  # fmt: skip
        ax.set_title(f"coloured by {'emotion' if column == 'label' else column}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=7, loc="best", markerscale=1.2)
    shown = f"{len(frame)} of {total} rows" if len(frame) < total else f"{total} rows"
    fig.suptitle(f"{experiment}: t-SNE of the standardised feature rows ({shown}; "
                 "dots train, crosses test)", fontsize=10)  # fmt: skip
    save_figure(fig, output)


def map_features(split_path: str | Path, features: pd.DataFrame, standardize: str,
                 output: str | Path, experiment: str, points: int = 2000, seed: int = 0,
                 perplexity: float = 30.0, weights: np.ndarray | None = None
                 ) -> pd.DataFrame:  # fmt: skip
    """Rule map_features: the split table and the experiment's features -> the map (PNG);
    returns the plotted frame."""
    rows = map_rows(pd.read_parquet(split_path))
    X = standardised(rows, features, standardize, weights)
    frame = embedding_frame(rows, X, points, seed, perplexity)
    log.info("%s: t-SNE of %d of %d rows, %d features, standardize=%s", experiment, len(frame),
             len(rows), X.shape[1], standardize)  # fmt: skip
    plot_embedding(frame, output, experiment, len(rows))
    return frame
