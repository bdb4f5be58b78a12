"""The report's table pages: every CSV table a reader opens in the Snakemake report, as an
HTML page written beside it (``results/.../<name>.html``) by the job that writes the table.

:data:`PAGES` names each table's page title and its caption (``workflow/report/<caption>``,
the text the report shows beside the item and the page repeats under its title). The rules
register the page (``rules/common.smk`` ``table_page``); the job calls :func:`write_pages`
with its outputs. Imported when the Snakefile is parsed: no numpy/pandas at module level.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crossemo.plan import paths

#: the captions of the report's items (``workflow/report/*.rst``)
CAPTIONS = Path(__file__).resolve().parents[3] / "workflow" / "report"
#: files beside a table that its page offers for download (same stem)
DOWNLOAD_SUFFIXES = (".csv", ".md", ".tex")


@dataclass(frozen=True)
class Page:
    """One table's page: ``title`` a template of the rule's wildcards, ``caption`` the file
    under ``workflow/report``; ``display`` the table shown (``paper``: ours beside the
    paper's, as the Markdown table; ``csv``: the CSV's columns, intervals joined)."""

    title: str
    caption: str
    display: str = "csv"


#: every table with a page, by its CSV template (crossemo.plan.paths)
PAGES: dict[str, Page] = {
    paths.METRICS: Page("Metrics of {experiment}", "metrics.rst"),
    paths.INTERVALS: Page("Intervals of {experiment}", "intervals.rst"),
    paths.SUBGROUPS: Page("Subgroups of {experiment}", "subgroups.rst"),
    paths.SPEAKERS: Page("UAR per test speaker, {experiment}", "speakers.rst"),
    paths.IMPORTANCE: Page("Permutation feature importance, {experiment}", "importance.rst"),
    paths.CALIBRATION: Page("Calibration of {experiment}", "calibration.rst"),
    paths.ROBUSTNESS: Page("Robustness tests of {experiment}", "robustness.rst"),
    paths.STRESS_SPEAKERS: Page(
        "UAR per test speaker under stress, {experiment}", "stress_speakers.rst"
    ),  # fmt: skip
    paths.COMPARISON: Page("Comparison {comparison}", "compare.rst"),
    paths.SEEDS_TABLE: Page("Repeats over seeds of {experiment}", "seeds.rst"),
    paths.PAPER_TABLE["csv"]: Page("{table}: paper vs. ours", "paper_table.rst", "paper"),
    paths.DEVIATIONS["csv"]: Page("Deviations from the papers", "deviations.rst"),
    paths.CONSERVATION: Page("Data conservation, scheme {scheme}", "conservation.rst"),
    paths.LOSSES: Page("Utterances lost by reason, scheme {scheme}", "losses.rst"),
    paths.CORPUS_MATRIX_TABLE: Page("Corpus matrix of {experiment}", "corpus_matrix.rst"),
    paths.LAYER_TABLE: Page("UAR by encoder layer, {experiment}", "layers.rst"),
    paths.SEARCH_TABLE: Page("Settings chosen by search, {experiment}", "search.rst"),
    paths.SEARCH_TRIALS: Page("Search trials of {experiment}", "search_trials.rst"),
    paths.ENSEMBLE_TABLE: Page("Ensemble {experiment}: members and fusion", "ensemble.rst"),
    paths.LR_CV_TABLE: Page("Learning-rate cross-validation of {experiment}", "lr_cv.rst"),
    paths.SPLIT_AUDIT: Page("Split audit of {experiment}", "split_audit.rst"),
    paths.FILTER_STEPS: Page("Transcript filter steps of {corpus}", "filter_steps.rst"),
    paths.DOWNLOAD_STATUS_TABLE: Page("Download status of {corpus}", "download_status.rst"),
    paths.CORPUS_FINGERPRINTS: Page("Corpus fingerprints", "corpus_fingerprints.rst"),
    paths.DUPLICATES: Page("Duplicate recordings", "duplicates.rst"),
}


def page_path(table: str) -> str:
    """The page of a CSV table (template or path): its ``.html`` sibling."""
    if not table.endswith(".csv"):
        raise ValueError(f"{table}: a table page is written beside a .csv table")
    return table[: -len(".csv")] + ".html"


def caption_file(table: str) -> str:
    """The caption (``workflow/report/...``) of the page of CSV template ``table``."""
    return PAGES[_registered(table)].caption


def _registered(table: str) -> str:
    if table not in PAGES:
        raise KeyError(f"{table}: no page in crossemo.report.pages.PAGES; add one")
    return table


def match(page: str) -> tuple[str, dict[str, str]] | None:
    """The CSV template whose page ``page`` (a path) is, and its wildcard values; the most
    specific template where several match (``{experiment}.intervals`` over ``{experiment}``)."""
    found = []
    for template in PAGES:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(page_path(template)))
        hit = re.fullmatch(pattern, str(page))
        if hit:
            found.append((len(re.sub(r"\{\w+\}", "", template)), template, hit.groupdict()))
    if not found:
        return None
    _, template, values = max(found)
    return template, values


def caption_text(caption: str, values: Mapping[str, str]) -> str:
    """The caption file's text, the rule's wildcards (``{{ snakemake.wildcards.x }}``) filled."""
    text = (CAPTIONS / caption).read_text(encoding="utf-8")
    return re.sub(r"\{\{\s*snakemake\.wildcards\.(\w+)\s*\}\}",
                  lambda m: str(values.get(m[1], m[1])), text)  # fmt: skip


def write_pages(outputs: Mapping[str, str]) -> list[str]:
    """Write the page of every output of a job that is a registered table's page (the CSV
    beside it already written); returns the pages written."""
    from crossemo.report.html import write_table_page

    written = []
    for path in outputs.values():
        found = match(str(path)) if str(path).endswith(".html") else None
        if found is None:
            continue
        template, values = found
        page = PAGES[template]
        table = Path(str(path)[: -len(".html")] + ".csv")
        downloads = [table.with_suffix(s) for s in DOWNLOAD_SUFFIXES]
        write_table_page(table, path, title=page.title.format(**values),
                         caption=caption_text(page.caption, values), display=page.display,
                         downloads=[d for d in downloads if d.exists()])  # fmt: skip
        written.append(str(path))
    return written
