"""The per-speaker UAR figure (rule evaluate_experiment): one panel per (variant, test corpus)
of :mod:`crossemo.evaluation.speakers`' table, speakers sorted by UAR with their intervals,
each speaker's chance as a dashed line, the worst and best speakers named, and the spread
(median, interquartile range, range) in the panel's title."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.evaluation.figures import panel_grid, pyplot, save_figure

#: at most this many panels (the table has every one)
MAX_PANELS = 12


def spread_text(uar: np.ndarray) -> str:
    """``median 0.62, IQR 0.55-0.70, range 0.40-0.81`` of speakers' UARs."""
    q1, med, q3 = np.percentile(uar, [25, 50, 75])
    return (f"median {med:.2f}, IQR {q1:.2f}-{q3:.2f}, "
            f"range {uar.min():.2f}-{uar.max():.2f}")  # fmt: skip


def panels(table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(variant, corpus, its speakers sorted by UAR) of every panel, sorted."""
    out = []
    for (variant, corpus), part in table.groupby(["variant", "corpus"], sort=True):
        out.append((str(variant), str(corpus), part.sort_values("uar", kind="stable")))
    return out


def _panel(ax, variant: str, corpus: str, part: pd.DataFrame) -> None:
    x = np.arange(len(part))
    uar = part["uar"].to_numpy(dtype=float)
    low, high = part["uar_ci_low"].to_numpy(float), part["uar_ci_high"].to_numpy(float)
    has = np.isfinite(low) & np.isfinite(high)
    under = part["under_chance"].astype(bool).to_numpy()
    ax.errorbar(x[has], uar[has], yerr=[uar[has] - low[has], high[has] - uar[has]], fmt="none",
                ecolor="0.6", elinewidth=1)  # fmt: skip
    ax.scatter(x[~under], uar[~under], s=18, color="tab:blue", zorder=3, label="speaker")
    ax.scatter(x[under], uar[under], s=22, color="tab:red", zorder=3, label="under chance")
    ax.step(x, part["chance"].to_numpy(float), where="mid", ls="--", color="k", lw=1,
            label="chance")  # fmt: skip
    for i, where in ((0, "worst"), (len(part) - 1, "best")):
        if where == "best" and len(part) == 1:
            break
        ax.annotate(f"{where}: {part['speaker'].iloc[i]} ({uar[i]:.2f}, n={part['n'].iloc[i]})",
                    (x[i], uar[i]), xytext=(0, 10 if where == "best" else -14),
                    textcoords="offset points", fontsize=7,
                    ha="right" if where == "best" else "left")  # fmt: skip
    ax.set_ylim(-0.08, 1.1)
    ax.set_xticks([])
    ax.set_xlabel(
        f"{len(part)} speakers, sorted by UAR (bars: interval where n >= its minimum)", fontsize=8
    )
    ax.set_ylabel("UAR")
    prefix = f"{variant} - " if variant else ""  # the unnamed variant: the runs pooled
    ax.set_title(f"{prefix}{corpus}\n{spread_text(uar)}", fontsize=9)


def plot_speakers(table: pd.DataFrame, output: str | Path, experiment: str) -> None:
    """The figure of the per-speaker table (:data:`MAX_PANELS` panels at most, noted)."""
    plt = pyplot()
    found = panels(table)
    shown = found[:MAX_PANELS]
    rows, cols = panel_grid(len(shown))
    fig, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                             figsize=(max(4.2 * cols, 5.4), 3.4 * rows + 0.6))  # fmt: skip
    for ax, (variant, corpus, part) in zip(axes.flat, shown, strict=False):
        _panel(ax, variant, corpus, part)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    if not shown:
        axes.flat[0].text(0.5, 0.5, "no test speakers", ha="center", va="center")
    else:
        axes.flat[0].legend(fontsize=7, loc="lower right")
    note = f" (first {MAX_PANELS} of {len(found)} panels; the table has all)" if len(found) > len(
        shown) else ""  # fmt: skip
    fig.suptitle(f"{experiment}: UAR per test speaker{note}", fontsize=10)
    save_figure(fig, output)
