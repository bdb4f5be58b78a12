"""The training curve of a neural run (``training_curve.{csv,png}`` next to the saved model):
per logged step the train loss, the dev loss and UAR and the learning rate, as
:class:`crossemo.models.training.Progress` records them in its history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crossemo.core.safe_text import write_csv
from crossemo.evaluation.figures import pyplot, save_figure


def curve_title(run_config: Mapping[str, Any], frame: pd.DataFrame) -> str:
    """``experiment · run: training curve`` and the best dev UAR with its step."""
    name = " · ".join(str(run_config[k]) for k in ("experiment", "run") if run_config.get(k))
    title = f"{name}: training curve" if name else "training curve"
    if "dev_uar" in frame and frame["dev_uar"].notna().any():
        best = frame.loc[frame["dev_uar"].idxmax()]
        title += f"\nbest dev UAR {best['dev_uar']:.3f} at step {int(best['step'])}"
    return title


def write_curve(history: Sequence[Mapping[str, Any]], csv_path: str | Path,
                png_path: str | Path | None = None,
                run_config: Mapping[str, Any] | None = None) -> None:  # fmt: skip
    """Training curve as CSV (+ PNG, :func:`plot_curve`; ``run_config``'s experiment and run
    name it)."""
    frame = pd.DataFrame(list(history))
    write_csv(frame, csv_path, index=False)
    if png_path is not None:
        plot_curve(frame, png_path, curve_title(run_config or {}, frame))


def plot_curve(frame: pd.DataFrame, output: str | Path, title: str) -> None:
    """Losses (left axis) and dev UAR (right axis, its best step marked) against optimiser
    steps, the learning rate in a strip below; one legend for every line."""
    plt = pyplot()
    fig, (ax, lr_ax) = plt.subplots(2, 1, figsize=(7.0, 5.0), sharex=True, layout="constrained",
                                    gridspec_kw={"height_ratios": [3, 1]})  # fmt: skip
    lines = []
    if len(frame):
        lines += ax.plot(frame["step"], frame["train_loss"], "o-", color="C0", label="train loss")
        if "dev_loss" in frame:
            lines += ax.plot(frame["step"], frame["dev_loss"], "^:", color="C2", label="dev loss")
        if "dev_uar" in frame:
            uar = ax.twinx()
            lines += uar.plot(frame["step"], frame["dev_uar"], "s--", color="C1", label="dev UAR")
            uar.set_ylabel("dev UAR")
            uar.set_ylim(0, 1)
            if frame["dev_uar"].notna().any():
                best = frame.loc[frame["dev_uar"].idxmax(), "step"]
                lines.append(ax.axvline(best, color="grey", lw=0.8, ls="-.", label="best dev UAR"))
        if "lr" in frame:
            lr_ax.plot(frame["step"], frame["lr"], ".-", color="C4")
            lr_ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
    else:
        ax.text(0.5, 0.5, "no logged steps", ha="center", transform=ax.transAxes)
    ax.set_ylabel("loss")
    lr_ax.set_ylabel("learning rate")
    lr_ax.set_xlabel("optimiser step")
    if lines:
        ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    save_figure(fig, output)
