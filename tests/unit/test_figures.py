"""Figures that stand alone: each names its experiment, run and test corpora, carries the
headline measure and fits a screen (synthetic inputs; the matplotlib objects are inspected)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.figures import MAX_COLUMNS, panel_grid, plot_confusion, plot_reliability
from crossemo.models.curve import write_curve
from crossemo.report.corpus_matrix import plot_corpus_matrix
from crossemo.report.figures import plot_label_distribution

CLASSES = ["angry", "calm", "disgust", "fearful", "happy", "sad", "surprised"]


@pytest.fixture
def figures(monkeypatch):
    """The figures the plotting functions close, kept open for inspection."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kept = []
    monkeypatch.setattr(plt, "close", kept.append)
    yield kept
    monkeypatch.undo()
    plt.close("all")


def texts(fig) -> str:
    """Every text of a figure (titles, labels, cell and legend texts), one per line."""
    from matplotlib.text import Text

    return "\n".join(t.get_text() for t in fig.findobj(Text))


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's header."""
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_panels_wrap_at_the_column_limit():
    assert panel_grid(8) == (2, MAX_COLUMNS)
    assert panel_grid(1) == (1, 1)
    assert panel_grid(5, max_columns=3) == (2, 3)


def test_a_multi_panel_confusion_figure_fits_a_screen_with_uar_interval_and_chance(
    tmp_path, figures
):
    variants = ["knn", "mlp", "xgboost", "lightgbm", "logreg", "forest", "nb", "tree"]
    runs, rows = [], []
    for i, variant in enumerate(variants):
        matrix = np.eye(7, dtype=int) * 5 + (i == 0)  # knn: 1 more in every cell
        confusion = {"labels": CLASSES, "matrix": matrix.tolist()}
        runs.append({"run": f"fold0-{variant}", "per_corpus": {"cremad": {}, "ravdess": {}},
                     "overall": {"uar": 0.5, "confusion": confusion}})  # fmt: skip
        low = 0.1 if variant == "tree" else 0.6
        rows.append({"variant": variant, "scope": "overall", "measure": "uar",
                     "value": 0.7 + i / 100, "ci_low": low, "ci_high": 0.9,
                     "level": 0.95})  # fmt: skip
    (tmp_path / "runs.json").write_text(json.dumps(runs))
    intervals = tmp_path / "intervals.csv"
    pd.DataFrame(rows).to_csv(intervals, index=False)
    plot_confusion([tmp_path / "runs.json"], tmp_path / "c.png", "exp_multi", intervals)
    width, height = png_size(tmp_path / "c.png")
    assert 1000 < width <= 1600 and 500 < height <= 1200
    (fig,) = figures
    text = texts(fig)
    assert "exp_multi" in text
    assert "UAR 0.700 [0.600, 0.900] (95 % CI), chance 0.14" in text
    assert "test: cremad, ravdess (n=35)" in text and "(n=84)" in text
    assert "tree\nUAR 0.770 [0.100, 0.900] (95 % CI), chance 0.14 - NOT above chance" in text
    assert text.count("NOT above chance") == 1
    assert "0.50\n(6)" in text and "0.08\n(1)" in text  # knn's rows: 6 + 6 x 1
    assert "1.00\n(5)" in text and "0.00\n(0)" not in text  # empty cells stay blank
    colourbars = [ax for ax in fig.axes if "share" in ax.get_ylabel()]
    assert len(colourbars) == 1


def test_without_an_interval_table_the_title_gives_the_runs_mean_uar(tmp_path, figures):
    runs = [{"run": f"fold{f}", "per_corpus": {"emodb": {}},
             "overall": {"uar": uar, "confusion": {"labels": ["a", "b"],
                                                   "matrix": [[3, 1], [1, 3]]}}}
            for f, uar in enumerate((0.6, 0.8))]  # fmt: skip
    (tmp_path / "runs.json").write_text(json.dumps(runs))
    plot_confusion([tmp_path / "runs.json"], tmp_path / "c.png", "box")
    text = texts(figures[0])
    assert "all runs (2 runs pooled), mean of runs\nUAR 0.700, chance 0.50" in text
    assert "test: emodb (n=16)" in text


def _bins(counts, accuracy):
    counts = np.asarray(counts, dtype=float)
    edges = np.linspace(0, 1, len(counts) + 1)
    return {"edges": edges, "count": counts, "confidence": (edges[:-1] + edges[1:]) / 2,
            "accuracy": np.asarray(accuracy, dtype=float)}  # fmt: skip


def test_reliability_panels_show_each_lines_ece_and_the_bin_counts(tmp_path, figures):
    curves, rows = {}, []
    for unit in ("knn", "svm"):
        for corpus in ("cremad", "tess"):
            for k, method in enumerate(("raw", "temperature", "prior")):
                curves[(unit, corpus, method)] = _bins([0, 2, 5, 3], [np.nan, 0.5, 0.6, 1.0])
                rows.append({"variant": unit, "scope": corpus, "method": method,
                             "ece": 0.1 + k / 10 + (unit == "svm") / 100})  # fmt: skip
    plot_reliability(curves, tmp_path / "r.png", "exp_cal", "raw", pd.DataFrame(rows))
    width, _ = png_size(tmp_path / "r.png")
    assert width <= 1600
    (fig,) = figures
    text = texts(fig)
    assert "exp_cal: reliability diagrams" in text
    assert "svm · test tess (n=10)" in text
    assert text.count("raw: ECE 0.100") == 2 and text.count("raw: ECE 0.110") == 2
    assert text.count("prior: ECE 0.310") == 2  # the last correction, not the middle one
    assert "temperature" not in text
    from matplotlib.patches import Rectangle, StepPatch

    bars = [[p.get_height() for p in ax.patches if isinstance(p, Rectangle)] for ax in fig.axes]
    assert [b for b in bars if b] == [[0, 2, 5, 3]] * 4  # raw's counts under each panel
    steps = [p.get_data().values.tolist() for ax in fig.axes for p in ax.patches
             if isinstance(p, StepPatch)]  # fmt: skip
    assert steps == [[0, 2, 5, 3]] * 4  # and the correction's


def test_corpus_matrix_has_a_colour_bar_named_by_the_measure(tmp_path, figures):
    table = pd.DataFrame({"variant": "", "train": ["a", "b"], "test": ["b", "a"],
                          "uar": [0.6, 0.7], "uar_ci_low": [0.5, 0.6],
                          "uar_ci_high": [0.7, 0.8], "level": 0.95})  # fmt: skip
    plot_corpus_matrix(table, tmp_path / "m.png", "mx", corpora=["a", "b"])
    fig = figures[0]
    assert "mx UAR [95 % interval]" in texts(fig)
    assert any(ax.get_ylabel() == "UAR" for ax in fig.axes)
    assert png_size(tmp_path / "m.png")[0] <= 1600


def test_label_distribution_names_the_experiment_and_totals_each_bar(tmp_path, figures):
    split = pd.DataFrame({"corpus": ["x"] * 3 + ["y"] * 3, "label": list("ababab"), "fold": 0,
                          "split": ["train", "train", "test", "train", "dev", "test"]})  # fmt: skip
    split.to_parquet(tmp_path / "s.parquet")
    plot_label_distribution(tmp_path / "s.parquet", tmp_path / "l.png", "exp_l")
    text = texts(figures[0])
    assert "exp_l: utterances per label, split and corpus (fold 0; 6 in all)" in text
    assert "train\nx" in text and "2" in text.split("\n")


def test_training_curve_has_loss_dev_uar_lr_legend_and_run_name(tmp_path, figures):
    history = [{"step": s, "epoch": 1, "lr": 1e-3 * (1 - s / 40), "train_loss": 1.4 - s / 40,
                "dev_uar": [0.3, 0.6, 0.5][s // 10 - 1], "dev_loss": 1.0}
               for s in (10, 20, 30)]  # fmt: skip
    write_curve(history, tmp_path / "c.csv", tmp_path / "c.png",
                {"experiment": "exp_t", "run": "fold0-lr0.001"})  # fmt: skip
    assert pd.read_csv(tmp_path / "c.csv")["lr"].tolist() == [r["lr"] for r in history]
    fig = figures[0]
    text = texts(fig)
    assert "exp_t · fold0-lr0.001: training curve\nbest dev UAR 0.600 at step 20" in text
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend())
    assert [t.get_text() for t in legend.get_texts()] == ["train loss", "dev loss", "dev UAR",
                                                          "best dev UAR"]  # fmt: skip
    lr_axis = next(ax for ax in fig.axes if ax.get_ylabel() == "learning rate")
    assert lr_axis.lines[0].get_ydata().tolist() == [r["lr"] for r in history]
    assert png_size(tmp_path / "c.png") == (700, 500)
