"""The per-speaker figure under stress (rule test_robustness): one panel per (variant, test
corpus), speakers sorted by clean UAR, each speaker's clean UAR beside its UAR under the worst
condition (the stressed condition of lowest mean speaker UAR in that panel), chance dashed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.evaluation.figures import panel_grid, pyplot, save_figure
from crossemo.stress.fairness import CLEAN

#: at most this many panels (the table has every one)
MAX_PANELS = 12


def worst_condition(block: pd.DataFrame) -> str | None:
    """The stressed condition of lowest mean speaker UAR in one panel's rows, or None."""
    stressed = block[block["condition"] != CLEAN]
    if stressed.empty:
        return None
    means = stressed.groupby("condition", sort=True)["uar"].mean()
    return str(means.idxmin())


def _panel(ax, title: str, block: pd.DataFrame) -> None:
    clean = block[block["condition"] == CLEAN].sort_values(["uar", "speaker"], kind="stable")
    x = np.arange(len(clean))
    ax.scatter(x, clean["uar"], s=20, color="tab:blue", zorder=3, label=CLEAN)
    worst = worst_condition(block)
    if worst is not None:
        under = block[block["condition"] == worst].set_index("speaker")["uar"]
        ax.scatter(x, clean["speaker"].map(under), s=20, marker="v", color="tab:red", zorder=3,
                   label=worst)  # fmt: skip
    ax.step(x, clean["chance"].to_numpy(float), where="mid", ls="--", color="k", lw=1,
            label="chance")  # fmt: skip
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(x, clean["speaker"], rotation=90, fontsize=6)
    ax.set_ylabel("UAR")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower right")


def plot_stress_speakers(table: pd.DataFrame, output: str | Path, experiment: str) -> None:
    """The figure of the per-speaker table under stress (:data:`MAX_PANELS` at most)."""
    plt = pyplot()
    found = [(f"{v or 'main'} - {c}", part)
             for (v, c), part in table.fillna({"variant": ""}).groupby(["variant", "corpus"],
                                                                      sort=True)]  # fmt: skip
    shown = found[:MAX_PANELS]
    rows, cols = panel_grid(len(shown))
    fig, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                             figsize=(max(4.2 * cols, 5.4), 3.6 * rows + 0.6))  # fmt: skip
    for ax, (title, part) in zip(axes.flat, shown, strict=False):
        _panel(ax, title, part)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    if not shown:
        axes.flat[0].text(0.5, 0.5, "no test speakers", ha="center", va="center")
    fig.suptitle(f"{experiment}\nUAR per test speaker: clean vs. the worst condition",
                 fontsize=10)  # fmt: skip
    save_figure(fig, output)
