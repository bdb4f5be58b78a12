"""Figures of the report (matplotlib, Agg): label distributions. The evaluation's figures
(confusion matrices, reliability diagrams) are :mod:`crossemo.evaluation.figures`'."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from crossemo.evaluation.figures import pyplot, save_figure

#: the splits in the order the figure shows them
SPLITS = ("train", "dev", "test")


def label_counts(split: pd.DataFrame, fold: int = 0) -> pd.DataFrame:
    """Utterances per (split, corpus) x label of one fold."""
    part = split[split["fold"] == fold]
    return part.groupby(["split", "corpus", "label"]).size().unstack("label", fill_value=0)


def plot_label_distribution(split_path, output, experiment: str) -> None:
    """Stacked bars of labels per split and corpus (fold 0), each bar's total above it and a
    line between the splits."""
    plt = pyplot()
    counts = label_counts(pd.read_parquet(split_path))
    order = [s for s in SPLITS if s in counts.index.get_level_values(0)]
    counts = counts.reindex(order, level=0)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(counts) + 3.0), 4.2), layout="constrained")
    x = np.arange(len(counts))
    bottom = np.zeros(len(counts))
    for label in counts.columns:
        ax.bar(x, counts[label], bottom=bottom, label=str(label))
        bottom += counts[label].to_numpy()
    for i, total in enumerate(bottom):
        ax.text(i, total, f"{int(total)}", ha="center", va="bottom", fontsize=7)
    splits = counts.index.get_level_values(0)
    for i in np.flatnonzero(splits[1:] != splits[:-1]):
        ax.axvline(i + 0.5, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x, [f"{s}\n{c}" for s, c in counts.index], fontsize=8)
    ax.set_ylabel("utterances")
    ax.set_xlabel("split and corpus")
    ax.margins(y=0.08)
    ax.set_title(f"{experiment}: utterances per label, split and corpus (fold 0; "
                 f"{int(bottom.sum())} in all)", fontsize=10)  # fmt: skip
    ax.legend(title="label", fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))  # fmt: skip
    save_figure(fig, output)
    logging.getLogger(__name__).info("%s: %d utterances in %d split x corpus bars -> %s",
                                     experiment, int(counts.to_numpy().sum()), len(counts),
                                     output)  # fmt: skip
