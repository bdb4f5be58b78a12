"""Figures of the report (matplotlib, Agg): confusion matrices and label distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.evaluation.runs import read_run_metrics
from crossemo.names import parse_run


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def summed_confusions(metric_paths) -> dict[str, tuple[list[str], np.ndarray]]:
    """Overall confusion matrices summed over the folds of each variant."""
    out: dict[str, tuple[list[str], np.ndarray]] = {}
    for res in read_run_metrics(metric_paths):
        _, variant = parse_run(res["run"])
        labels = res["overall"]["confusion"]["labels"]
        matrix = np.asarray(res["overall"]["confusion"]["matrix"])
        if variant in out:
            if out[variant][0] != labels:
                raise ValueError(f"runs of variant {variant!r} disagree on the labels")
            matrix = matrix + out[variant][1]
        out[variant] = (labels, matrix)
    return out


def plot_confusion(metric_paths, output, experiment: str) -> None:
    """One row-normalised confusion matrix per variant, with counts in the cells."""
    plt = _pyplot()
    confusions = summed_confusions(metric_paths)
    n = len(confusions)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 4.0), squeeze=False)
    for ax, (variant, (labels, matrix)) in zip(axes[0], confusions.items(), strict=True):
        rows = matrix.sum(axis=1, keepdims=True)
        norm = np.divide(matrix, rows, out=np.zeros_like(matrix, dtype=float), where=rows > 0)
        ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{experiment} {variant}".strip(), fontsize=9)
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if norm[i, j] > 0.5 else "black")  # fmt: skip
    fig.tight_layout()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=110)
    plt.close(fig)


def label_counts(split: pd.DataFrame, fold: int = 0) -> pd.DataFrame:
    """Utterances per (split, corpus) x label of one fold."""
    part = split[split["fold"] == fold]
    return part.groupby(["split", "corpus", "label"]).size().unstack("label", fill_value=0)


def plot_label_distribution(split_path, output, experiment: str) -> None:
    """Stacked bars of labels per split and corpus (fold 0)."""
    plt = _pyplot()
    counts = label_counts(pd.read_parquet(split_path))
    order = [s for s in ("train", "dev", "test") if s in counts.index.get_level_values(0)]
    counts = counts.reindex(order, level=0)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(counts) + 2), 4.0))
    bottom = np.zeros(len(counts))
    for label in counts.columns:
        ax.bar(range(len(counts)), counts[label], bottom=bottom, label=str(label))
        bottom += counts[label].to_numpy()
    ax.set_xticks(range(len(counts)), [f"{s}\n{c}" for s, c in counts.index], fontsize=7)
    ax.set_ylabel("utterances")
    ax.set_title(f"{experiment}: labels per split and corpus (fold 0)", fontsize=9)
    ax.legend(fontsize=7, ncols=2)
    fig.tight_layout()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=110)
    plt.close(fig)
