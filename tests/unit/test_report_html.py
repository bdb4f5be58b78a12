"""Table pages of the report: rendering (escaping, missing values, intervals, wide tables) and
the registry that finds a job's pages among its outputs."""

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from crossemo.plan import paths
from crossemo.report import pages
from crossemo.report.html import MISSING, readable, render_page


class _Cells(HTMLParser):
    """Header and body cells of a page as (class, text)."""

    def __init__(self):
        super().__init__()
        self.head, self.rows, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        if tag in ("th", "td"):
            self._cell = [tag, dict(attrs).get("class", ""), ""]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            kind, cls, text = self._cell
            (self.head if kind == "th" else self.rows[-1]).append((cls, text))
            self._cell = None


def _cells(page: str) -> _Cells:
    parser = _Cells()
    parser.feed(page)
    parser.rows = [r for r in parser.rows if r]
    return parser


def test_cells_titles_and_captions_are_escaped():
    frame = pd.DataFrame({"<b>name</b>": ["<script>alert(1)</script>", "a & b"], "n": [1, 2]})
    page = render_page(frame, title="T <i>", caption="x < y and ``<code>``")
    assert "<script>" not in page and "<b>name" not in page and "<i>" not in page
    cells = _cells(page)
    assert [t for _, t in cells.head] == ["<b>name</b>", "n"]
    assert cells.rows[0][0][1] == "<script>alert(1)</script>"
    assert cells.rows[1][0][1] == "a & b"
    assert "<code>&lt;code&gt;</code>" in page


def test_missing_values_show_a_dash_and_numbers_align_right():
    frame = pd.DataFrame({"corpus": ["a", None], "uar": [0.5, np.nan], "n": [3, 4]})
    cells = _cells(render_page(readable(frame), title="t"))
    assert cells.rows[1][0] == ("missing", MISSING)
    assert cells.rows[1][1] == ("missing num", MISSING)
    assert cells.rows[0][1] == ("num", "0.500")
    assert [c for c, _ in cells.head] == ["txt", "num", "num"]
    assert cells.rows[0][2] == ("num", "3")


def test_interval_pairs_join_into_one_column_beside_their_value():
    frame = pd.DataFrame({"variant": ["svm"], "uar_mean": [0.61234], "uar_std": [0.02],
                          "wa_mean": [0.7], "uar_ci_low": [0.5], "uar_ci_high": [0.72],
                          "ci_low": [-0.1], "ci_high": [np.nan]})  # fmt: skip
    shown = readable(frame)
    assert list(shown.columns) == ["variant", "uar_mean", "uar_std", "uar_ci [low, high]",
                                   "wa_mean", "ci [low, high]"]  # fmt: skip
    assert shown.loc[0, "uar_ci [low, high]"] == "[0.500, 0.720]"
    assert shown.loc[0, "ci [low, high]"] == f"[-0.100, {MISSING}]"


def test_precision_follows_the_column_and_tiny_values_are_not_zeroed():
    frame = pd.DataFrame({"paper": [78.21, 64.5], "lr": [1e-5, 1e-3], "counts": [40.0, 2.0],
                          "diff": [0.4667, 1.1e-16]})  # fmt: skip
    shown = readable(frame)
    assert list(shown["paper"]) == ["78.21", "64.50"]
    assert list(shown["lr"]) == ["1e-05", "0.001"]
    assert list(shown["diff"]) == ["0.467", "0.000"]
    assert list(shown["counts"]) == ["40", "2"]


def test_a_wide_table_keeps_every_column_in_a_scrolling_box_with_a_sticky_header():
    frame = pd.DataFrame(np.arange(3 * 60).reshape(3, 60) / 7, columns=[f"c{i}" for i in range(60)])
    page = render_page(readable(frame), title="wide")
    cells = _cells(page)
    assert len(cells.head) == 60 and all(len(r) == 60 for r in cells.rows)
    assert re.search(r"\.scroll\{[^}]*overflow:auto", page)
    assert re.search(r"th\{position:sticky;top:0", page)
    assert "3 rows × 60 columns" in page


def test_downloads_are_embedded(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a\n1\n")
    page = render_page(pd.DataFrame({"a": [1]}), title="t", downloads=[table])
    assert 'download="t.csv" href="data:text/csv;base64,YQoxCg=="' in page


def test_pages_of_a_jobs_outputs_are_found_and_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    metrics = paths.fill(paths.METRICS, experiment="e1")
    intervals = paths.fill(paths.INTERVALS, experiment="e1")
    (tmp_path / "results/metrics").mkdir(parents=True)
    pd.DataFrame({"uar_mean": [0.5], "uar_ci_low": [0.4], "uar_ci_high": [0.6]}).to_csv(metrics)
    pd.DataFrame({"measure": ["uar"], "value": [0.5]}).to_csv(intervals)
    outputs = {"table": metrics, "page": pages.page_path(metrics),
               "intervals_page": pages.page_path(intervals), "other": "results/x.html"}  # fmt: skip
    assert pages.write_pages(outputs) == [pages.page_path(metrics), pages.page_path(intervals)]
    text = (tmp_path / pages.page_path(intervals)).read_text()
    assert "<h1>Intervals of e1</h1>" in text and "<code>e1</code>" in text  # caption filled
    assert not (tmp_path / "results/x.html").exists()


def test_every_page_has_a_caption_file_and_its_title_uses_the_tables_wildcards():
    for template, page in pages.PAGES.items():
        assert (pages.CAPTIONS / page.caption).exists(), page.caption
        assert set(re.findall(r"\{(\w+)\}", page.title)) <= set(paths.wildcards(template))
    with pytest.raises(ValueError, match="beside a .csv"):
        pages.page_path("results/x.md")
    with pytest.raises(KeyError, match="no page"):
        pages.caption_file("results/tables/unknown.csv")


def test_a_neural_runs_training_curve_is_copied_for_the_report(tmp_path):
    from crossemo.models.run import copy_curve
    from crossemo.models.skeleton import CURVE_FIGURE

    model = tmp_path / "model"
    model.mkdir()
    curve = tmp_path / paths.fill(paths.TRAINING_CURVE, experiment="e", run="main")
    with pytest.raises(FileNotFoundError, match="no training curve"):
        copy_curve(model, curve)
    (model / CURVE_FIGURE).write_bytes(b"png")
    copy_curve(model, curve)
    assert curve.read_bytes() == b"png"
