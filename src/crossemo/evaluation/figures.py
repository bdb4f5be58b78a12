"""Figures of the evaluation stage (matplotlib, Agg): the confusion matrices of an experiment's
runs and the reliability diagrams of their calibration; and :func:`pyplot`, the one way the
library gets matplotlib (the report's figures use it too).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from crossemo.core.names import parse_run
from crossemo.evaluation.base import read_run_metrics


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (jobs have no display),
    imported on first use (matplotlib costs a second of start-up)."""
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
    plt = pyplot()
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


def plot_reliability(curves: Mapping, output: str | Path, experiment: str, before: str) -> None:
    """Reliability diagrams of :func:`crossemo.evaluation.calibration.calibration_table`'s
    ``curves`` ((unit, corpus, method) -> bins): one panel per unit, accuracy against mean
    confidence per bin, one line per test corpus, solid ``before`` (the uncorrected method) and
    dashed after the last correction."""
    plt = pyplot()
    units = list(dict.fromkeys(u for u, _, _ in curves)) or [""]
    cols = min(3, len(units))
    rows = -(-len(units) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.2 * rows), squeeze=False)
    for ax in axes.flat[len(units) :]:
        ax.set_visible(False)
    for ax, unit in zip(axes.flat, units, strict=False):
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
        found = {(c, m): v for (u, c, m), v in curves.items() if u == unit}
        last = {c: m for (c, m) in found}  # methods come in order: the last is the full one
        for i, corpus in enumerate(dict.fromkeys(c for c, _ in found)):
            colour = f"C{i}"
            for method, style in ((before, "-"), (last[corpus], "--")):
                if (corpus, method) not in found or (style == "--" and method == before):
                    continue
                bins = found[(corpus, method)]
                keep = bins["count"] > 0
                ax.plot(bins["confidence"][keep], bins["accuracy"][keep], style, marker="o",
                        ms=3, color=colour, label=f"{corpus} {method}")  # fmt: skip
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence (top class)")
        ax.set_ylabel("accuracy")
        ax.set_title(" ".join(t for t in (experiment, unit) if t), fontsize=9)
        if found:
            ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=110)
    plt.close(fig)
