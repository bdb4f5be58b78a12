"""Figures of the report (matplotlib, Agg): label distributions. The evaluation's figures
(confusion matrices, reliability diagrams) are :mod:`crossemo.evaluation.figures`'."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.evaluation.figures import pyplot


def label_counts(split: pd.DataFrame, fold: int = 0) -> pd.DataFrame:
    """Utterances per (split, corpus) x label of one fold."""
    part = split[split["fold"] == fold]
    return part.groupby(["split", "corpus", "label"]).size().unstack("label", fill_value=0)


def plot_label_distribution(split_path, output, experiment: str) -> None:
    """Stacked bars of labels per split and corpus (fold 0)."""
    plt = pyplot()
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
    logging.getLogger(__name__).info("%s: %d utterances in %d split x corpus bars -> %s",
                                     experiment, int(counts.to_numpy().sum()), len(counts),
                                     output)  # fmt: skip
