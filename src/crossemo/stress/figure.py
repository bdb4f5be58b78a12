"""Degradation curves of an experiment under stress (STRESS_FIGURE): for each variant a row of
panels, one per condition family with an axis (UAR and its interval band against the axis, the
clean UAR and chance as lines, the breakdown point marked) and one panel of the families
without an axis as points."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossemo.evaluation.base import OVERALL
from crossemo.stress.scoring import BREAKDOWN_MEASURE, CLEAN, severity


def _panels(part: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(title, rows) of each panel: each family with an axis, then the others together."""
    stressed = part[part["condition"] != CLEAN]
    curves = stressed[stressed["axis"].notna()]
    points = stressed[stressed["axis"].isna()]
    panels = [(str(f), rows) for f, rows in curves.groupby("family", sort=False)]
    if len(points):
        panels.append(("without an axis", points))
    return panels


def _draw(ax, title: str, rows: pd.DataFrame, clean: float, chance: float,
          broken: set[str]) -> None:  # fmt: skip
    has_axis = rows["axis"].notna().all()
    if has_axis:
        rows = rows.sort_values("axis_value")
        x = rows["axis_value"].to_numpy()
        ax.fill_between(x, rows["ci_low"], rows["ci_high"], alpha=0.25, label="interval")
        ax.errorbar(x, rows["value"], yerr=[rows["value"] - rows["ci_low"],
                                            rows["ci_high"] - rows["value"]],
                    marker="o", capsize=3, label=BREAKDOWN_MEASURE.upper())  # fmt: skip
        ax.set_xlabel(str(rows["axis"].iloc[0]))
        axis = rows["axis"].iloc[0]
        if len(x) == 1:  # one setting: its value as the only tick, centred
            ax.set_xticks(x, [f"{x[0]:g}"])
            ax.set_xlim(x[0] - 1, x[0] + 1)
        if severity(axis, 2.0) < severity(axis, 1.0):  # harsher to the left: read left to right
            ax.invert_xaxis()
    else:
        x = list(range(len(rows)))
        ax.errorbar(x, rows["value"], yerr=[rows["value"] - rows["ci_low"],
                                            rows["ci_high"] - rows["value"]],
                    fmt="o", capsize=3, label=BREAKDOWN_MEASURE.upper())  # fmt: skip
        ax.set_xticks(x, rows["condition"], rotation=30, ha="right", fontsize=7)
    marked = rows[rows["condition"].isin(broken)]
    if len(marked):
        mx = marked["axis_value"] if has_axis else [list(rows["condition"]).index(c)
                                                   for c in marked["condition"]]  # fmt: skip
        ax.scatter(mx, marked["value"], s=90, facecolors="none", edgecolors="red",
                   label="breakdown", zorder=5)  # fmt: skip
    ax.axhline(clean, color="green", linestyle="--", label="clean")
    ax.axhline(chance, color="grey", linestyle=":", label="chance")
    ax.set_title(title, fontsize=9)
    ax.set_ylim(0, 1)


def plot_stress(metrics: pd.DataFrame, breakdown: pd.DataFrame, output: str | Path) -> None:
    """Draw STRESS_FIGURE from the STRESS_METRICS and STRESS_BREAKDOWN tables (overall scope)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = metrics[(metrics["measure"] == BREAKDOWN_MEASURE) & (metrics["scope"] == OVERALL)]
    variants = list(dict.fromkeys(rows["variant"]))
    layout = {v: _panels(rows[rows["variant"] == v]) for v in variants}
    ncols = max([1, *(len(p) for p in layout.values())])
    fig, axes = plt.subplots(max(1, len(variants)), ncols, squeeze=False,
                             figsize=(3.6 * ncols, 3.2 * max(1, len(variants))))  # fmt: skip
    experiment = str(rows["experiment"].iloc[0]) if len(rows) else ""
    for i, variant in enumerate(variants):
        part = rows[rows["variant"] == variant]
        shown = variant or "all runs"  # the unnamed variant: the experiment's runs pooled
        clean_row = part[part["condition"] == CLEAN].iloc[0]
        broken = set(breakdown.loc[(breakdown["variant"] == variant)
                                   & (breakdown["scope"] == OVERALL), "breakdown"])  # fmt: skip
        for j, (title, panel) in enumerate(layout[variant]):
            _draw(axes[i][j], f"{shown}: {title}", panel,
                  float(clean_row["value"]), float(clean_row["chance"]), broken - {""})  # fmt: skip
        for j in range(len(layout[variant]), ncols):
            axes[i][j].axis("off")
        axes[i][0].set_ylabel(f"{BREAKDOWN_MEASURE.upper()} ({shown})")
    if variants and layout[variants[0]]:
        axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Stress: {experiment} (overall)")
    fig.tight_layout()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=110)
    plt.close(fig)
