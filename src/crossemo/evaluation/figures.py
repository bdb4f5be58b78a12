"""Figures of the evaluation stage (matplotlib, Agg): the confusion matrices of an experiment's
runs and the reliability diagrams of their calibration; and :func:`pyplot`, the one way the
library gets matplotlib (the report's figures use it too), with :func:`panel_grid` and
:func:`save_figure`, the layout and output every figure shares.

Each figure stands alone: its title names the experiment, the variant (run) and the test
corpora, and carries the headline measure (UAR with its interval, ECE).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.names import parse_run
from crossemo.evaluation.base import read_run_metrics
from crossemo.evaluation.runs import chance_uar

#: at most this many panels side by side: a multi-panel figure fits a screen (~1600 px)
MAX_COLUMNS = 4
#: resolution of every figure (pixels per inch)
DPI = 100


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (jobs have no display),
    imported on first use (matplotlib costs a second of start-up)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def panel_grid(n: int, max_columns: int = MAX_COLUMNS) -> tuple[int, int]:
    """(rows, columns) of ``n`` panels, at most ``max_columns`` side by side."""
    cols = max(1, min(n, max_columns))
    return -(-max(n, 1) // cols), cols


def save_figure(fig, output: str | Path) -> None:
    """Write ``fig`` as PNG (parents made) and free it."""
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=DPI)
    pyplot().close(fig)


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


def variant_facts(metric_paths) -> dict[str, dict]:
    """Per variant: its ``runs``, the ``test`` corpora they were tested on and each run's
    overall ``uar`` (the headline when no interval table is given)."""
    facts: dict[str, dict] = {}
    for res in read_run_metrics(metric_paths):
        _, variant = parse_run(res["run"])
        f = facts.setdefault(variant, {"runs": [], "test": [], "uar": []})
        f["runs"].append(res["run"])
        f["test"] += [c for c in res.get("per_corpus", {}) if c not in f["test"]]
        f["uar"].append(res["overall"].get("uar", np.nan))
    return facts


def pooled_uar(intervals: str | Path | pd.DataFrame | None) -> dict[str, tuple]:
    """variant -> (UAR, low, high, level) of its pooled runs (overall scope) from the
    evaluation's interval table (``results/metrics/{experiment}.intervals.csv``)."""
    if intervals is None:
        return {}
    table = intervals if isinstance(intervals, pd.DataFrame) else pd.read_csv(intervals)
    rows = table[(table["scope"] == "overall") & (table["measure"] == "uar")]
    level = rows["level"] if "level" in rows else pd.Series(np.nan, index=rows.index)
    units = rows["variant"].fillna("").astype(str)
    return dict(zip(units, zip(rows["value"], rows["ci_low"], rows["ci_high"], level,
                               strict=True), strict=True))  # fmt: skip


def uar_text(value: float, low: float = np.nan, high: float = np.nan,
             level: float = np.nan) -> str:  # fmt: skip
    """``UAR 0.72 [0.66, 0.83] (95 % CI)``; without an interval only the value."""
    if not np.isfinite(value):
        return "UAR unknown"
    text = f"UAR {value:.3f}"
    if np.isfinite(low) and np.isfinite(high):
        text += f" [{low:.3f}, {high:.3f}]"
        text += f" ({100 * level:g} % CI)" if np.isfinite(level) else ""
    return text


def confusion_title(variant: str, facts: Mapping, headline: tuple | None,
                    matrix: np.ndarray) -> str:  # fmt: skip
    """Panel title: variant and runs, the headline UAR with chance (flagged when the interval's
    lower bound, or without one the value, does not clear it), test corpora and n."""
    runs = facts["runs"]
    name = variant or (runs[0] if len(runs) == 1 else "all runs")
    pooled = f" ({len(runs)} runs pooled)" if len(runs) > 1 else ""
    known = [u for u in facts["uar"] if u is not None and np.isfinite(u)]
    value = headline or (float(np.mean(known)) if known else np.nan,)
    if not headline and len(runs) > 1:
        pooled += ", mean of runs"
    chance = chance_uar({"confusion": {"matrix": matrix}})
    lowest = value[1] if len(value) > 1 and np.isfinite(value[1]) else value[0]
    flag = " - NOT above chance" if lowest <= chance + 1e-9 else ""
    return (f"{name}{pooled}\n{uar_text(*value)}, chance {chance:.2f}{flag}\n"
            f"test: {', '.join(facts['test']) or '?'} (n={int(matrix.sum())})")  # fmt: skip


def plot_confusion(metric_paths, output, experiment: str,
                   intervals: str | Path | pd.DataFrame | None = None) -> None:  # fmt: skip
    """One row-normalised confusion matrix per variant (folds summed; share and count in the
    cells, a colour bar for the share) in a grid of at most :data:`MAX_COLUMNS` columns; each
    panel titled with its UAR and interval from ``intervals`` (the evaluation's interval
    table; without it the runs' mean UAR), chance and the test corpora."""
    plt = pyplot()
    confusions, facts = summed_confusions(metric_paths), variant_facts(metric_paths)
    headlines = pooled_uar(intervals)
    k = max((len(labels) for labels, _ in confusions.values()), default=2)
    side = float(np.clip(0.42 * k + 1.6, 3.2, 3.6))
    rows, cols = panel_grid(len(confusions))
    size = (max(side * cols + 1.0, 5.4), (side + 0.7) * rows + 0.4)
    fig, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained", figsize=size)
    image = None
    for ax, (variant, (labels, matrix)) in zip(axes.flat, confusions.items(), strict=False):
        rows_sum = matrix.sum(axis=1, keepdims=True)
        norm = np.divide(matrix, rows_sum, out=np.zeros_like(matrix, dtype=float),
                         where=rows_sum > 0)  # fmt: skip
        image = ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
        title = confusion_title(variant, facts[variant], headlines.get(variant), matrix)
        ax.set_title(title, fontsize=8)
        cell_texts(ax, norm, matrix)
    for ax in axes.flat[len(confusions) :]:
        ax.set_visible(False)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.6 if rows > 1 else 0.9,
                     label="share of the true class's row (cells: share, count)")  # fmt: skip
    fig.suptitle(
        f"{experiment}: confusion matri{'ces' if len(confusions) > 1 else 'x'}", fontsize=10
    )
    save_figure(fig, output)


def cell_texts(ax, norm: np.ndarray, matrix: np.ndarray) -> None:
    """Share and count in every non-empty cell (empty cells stay blank: readable at 7 classes)."""
    size = 7 if len(matrix) <= 5 else 6.5
    for i, j in zip(*np.nonzero(matrix), strict=True):
        ax.text(j, i, f"{norm[i, j]:.2f}\n({matrix[i, j]})", ha="center", va="center",
                fontsize=size, color="white" if norm[i, j] > 0.5 else "black")  # fmt: skip


def ece_lookup(table: pd.DataFrame | None) -> dict[tuple[str, str, str], float]:
    """(unit, corpus, method) -> ECE from the calibration table (none without probabilities)."""
    if table is None or "ece" not in table:
        return {}
    units = table["variant"].fillna("").astype(str)
    keys = zip(units, table["scope"].astype(str), table["method"].astype(str), strict=True)
    return dict(zip(keys, table["ece"].astype(float), strict=True))


def plot_reliability(curves: Mapping, output: str | Path, experiment: str, before: str,
                     table: pd.DataFrame | None = None) -> None:  # fmt: skip
    """Reliability diagrams of :func:`crossemo.evaluation.calibration.calibration_table`'s
    ``curves`` ((unit, corpus, method) -> bins): one panel per unit and test corpus (a grid of
    at most :data:`MAX_COLUMNS` columns), accuracy against mean confidence per bin, solid
    ``before`` (the uncorrected method) and dashed after the last correction, each line with
    its ECE from the calibration ``table``; under each panel the utterances per bin."""
    plt = pyplot()
    panels = list(dict.fromkeys((u, c) for u, c, _ in curves))
    ece = ece_lookup(table)
    rows, cols = panel_grid(len(panels))
    fig = plt.figure(figsize=(max(3.3 * cols, 5.0), 3.7 * rows + 0.6), layout="constrained")
    grid = fig.add_gridspec(2 * rows, cols, height_ratios=[3, 1] * rows)
    for i, (unit, corpus) in enumerate(panels):
        r, c = divmod(i, cols)
        ax = fig.add_subplot(grid[2 * r, c])
        hist = fig.add_subplot(grid[2 * r + 1, c], sharex=ax)
        methods = [m for u, cc, m in curves if (u, cc) == (unit, corpus)]
        shown = [before] if before in methods else []
        shown += [m for m in methods[-1:] if m != before]  # methods come in order: last is full
        n = 0
        for j, method in enumerate(shown):
            bins = curves[(unit, corpus, method)]
            n = max(n, int(bins["count"].sum()))
            reliability_line(ax, hist, bins, method, ece.get((unit, corpus, method)), j)
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
        ax.set(xlim=(0, 1), ylim=(0, 1.02))
        ax.set_ylabel("accuracy", fontsize=8)
        ax.tick_params(labelsize=7, labelbottom=False)
        ax.set_title(f"{unit or experiment} · test {corpus} (n={n})", fontsize=8)
        ax.legend(fontsize=6.5, loc="best")
        hist.set_xlabel("confidence (top class)", fontsize=8)
        hist.set_ylabel("utts / bin", fontsize=7)
        hist.tick_params(labelsize=7)
        hist.yaxis.get_major_locator().set_params(integer=True)
    if not panels:
        fig.add_subplot(grid[0, 0]).text(0.5, 0.5, "no calibration curves", ha="center")
    fig.suptitle(f"{experiment}: reliability diagrams\n(top-class confidence against accuracy "
                 "per bin; bars: utterances per bin)", fontsize=9)  # fmt: skip
    save_figure(fig, output)


def reliability_line(ax, hist, bins: Mapping, method: str, ece: float | None, j: int) -> None:
    """One method's curve on ``ax`` (legend with its ECE) and its bin counts on ``hist``."""
    keep = bins["count"] > 0
    style, colour = ("-", "C0") if j == 0 else ("--", "C3")
    label = method if ece is None or not np.isfinite(ece) else f"{method}: ECE {ece:.3f}"
    ax.plot(bins["confidence"][keep], bins["accuracy"][keep], style, marker="o", ms=3,
            color=colour, label=label)  # fmt: skip
    edges = np.asarray(bins["edges"])
    if j == 0:
        hist.bar(edges[:-1], bins["count"], width=np.diff(edges), align="edge", color=colour,
                 alpha=0.45, label=method)  # fmt: skip
    else:
        hist.stairs(bins["count"], edges, color=colour, ls=style, label=method)
