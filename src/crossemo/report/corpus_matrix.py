"""The cross-corpus matrix of a ``corpus_matrix`` experiment (rule make_corpus_matrix): every
training source (one corpus; with ``include_loco`` all corpora but one) against every corpus it
did not train on, each cell a measure with its clustered interval, as a table and a heatmap.

The cells are read from the experiment's run metrics (``results/metrics/{experiment}.runs.json``:
per run and test corpus, intervals over whole leakage groups); which corpora a run trained on
is its fold's source (:func:`crossemo.core.names.matrix_sources`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.names import matrix_sources, parse_run, source_name
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.base import read_run_metrics
from crossemo.evaluation.figures import panel_grid, pyplot, save_figure
from crossemo.evaluation.metrics import SCALARS, label

log = logging.getLogger(__name__)

COLUMNS = [
    "experiment",
    "variant",
    "run",
    "train",
    "loco",
    "test",
    "n",
    "n_clusters",
    "interval_unit",
    "level",
]


def matrix_table(results: Sequence[Mapping], train: Sequence[str], include_loco: bool = False,
                 experiment: str = "") -> pd.DataFrame:  # fmt: skip
    """One row per (variant, training source, test corpus): every scalar measure with its
    interval (``{m}_ci_low``/``{m}_ci_high``), ``n`` and ``n_clusters``; ``loco`` marks the
    leave-one-corpus-out sources."""
    sources = matrix_sources(train, include_loco)
    rows = []
    for res in results:
        fold, variant = parse_run(res["run"])
        if fold >= len(sources):
            raise ValueError(f"run {res['run']}: fold {fold}, but the matrix has "
                             f"{len(sources)} training sources")  # fmt: skip
        source = sources[fold]
        for test, m in sorted(res["per_corpus"].items()):
            if test in source:
                raise ValueError(f"run {res['run']} tested {test}, a corpus it trained on")
            row = {"experiment": experiment or res.get("experiment", ""), "variant": variant,
                   "run": res["run"], "train": source_name(source, train),
                   "loco": len(source) > 1, "test": test, "n": m["n"],
                   "n_clusters": m.get("n_clusters"),
                   "interval_unit": res.get("interval", {}).get("unit"),
                   "level": res.get("interval", {}).get("level")}  # fmt: skip
            for name in SCALARS:
                lo, hi = m.get("ci", {}).get(name, (np.nan, np.nan))
                row |= {name: m[name], f"{name}_ci_low": lo, f"{name}_ci_high": hi}
            rows.append(row)
    table = pd.DataFrame(rows)
    return table.reindex(columns=[*COLUMNS, *(c for c in table.columns if c not in COLUMNS)])


def plot_corpus_matrix(table: pd.DataFrame, output: str | Path, experiment: str,
                       measure: str = "uar", corpora: Sequence[str] = ()) -> None:  # fmt: skip
    """A heatmap per variant: training sources (rows) x test corpora (columns, in ``corpora``
    order, then any test-only one), each cell the measure and its interval; cells a source
    trained on are blank."""
    plt = pyplot()
    variants = list(dict.fromkeys(table["variant"]))
    sources = list(dict.fromkeys(table["train"]))
    tested = set(table["test"])
    tests = [c for c in corpora if c in tested] + sorted(tested - set(corpora))
    rows, cols = panel_grid(len(variants), max_columns=3)
    fig, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                             figsize=(max(cols * (1.2 * len(tests) + 2.0) + 1.0, 5.0),
                                      rows * (0.75 * len(sources) + 1.7)))  # fmt: skip
    for ax in axes.flat[len(variants) :]:
        ax.set_visible(False)
    image = None
    for ax, variant in zip(axes.flat, variants, strict=False):
        part = table[table["variant"] == variant].set_index(["train", "test"])
        grid = np.full((len(sources), len(tests)), np.nan)
        for i, src in enumerate(sources):
            for j, test in enumerate(tests):
                if (src, test) in part.index:
                    row = part.loc[(src, test)]
                    grid[i, j] = row[measure]
                    text = f"{row[measure]:.2f}\n[{row[f'{measure}_ci_low']:.2f}, " \
                           f"{row[f'{measure}_ci_high']:.2f}]"  # fmt: skip
                    ax.text(j, i, text, ha="center", va="center", fontsize=8,
                            color="white" if row[measure] > 0.6 else "black")  # fmt: skip
        image = ax.imshow(np.ma.masked_invalid(grid), vmin=0, vmax=1, cmap="viridis_r",
                          aspect="auto")  # fmt: skip
        ax.set_xticks(range(len(tests)), tests, rotation=30, ha="right")
        ax.set_yticks(range(len(sources)), sources)
        ax.set_xlabel("test corpus")
        ax.set_ylabel("trained on")
        title = " ".join(t for t in (experiment, variant, label(measure)) if t)
        ax.set_title(f"{title} [{_level(part)}interval]\nblank: trained on it", fontsize=9)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label=label(measure))
    save_figure(fig, output)


def _level(part: pd.DataFrame) -> str:
    """``95 % `` when the table says its interval level, else nothing."""
    known = part["level"].dropna() if "level" in part else []
    return f"{100 * known.iloc[0]:g} % " if len(known) else ""


def corpus_matrix_files(metrics: str | Path, table_output: str | Path,
                        figure_output: str | Path, experiment: str,
                        matrix: Mapping) -> pd.DataFrame:  # fmt: skip
    """Rule make_corpus_matrix: run metrics -> ``results/tables/corpus_matrix_{e}.csv`` and
    ``results/figures/corpus_matrix_{e}.png``. ``matrix``: the experiment's ``train`` list and
    ``include_loco``."""
    table = matrix_table(read_run_metrics([metrics]), matrix["train"],
                         bool(matrix.get("include_loco")), experiment)  # fmt: skip
    with atomic_path(table_output) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")
    plot_corpus_matrix(table, figure_output, experiment, corpora=matrix["train"])
    log.info("%s: corpus matrix of %d training sources x %d rows -> %s and %s", experiment,
             len(matrix["train"]), len(table), table_output, figure_output)  # fmt: skip
    return table
