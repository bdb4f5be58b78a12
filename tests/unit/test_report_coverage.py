"""Paper-table coverage: a bound cell whose value is NaN keeps its experiment and shows NaN; the
cells each binding must fill come from the config, and a NaN or unclaimed one is reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from crossemo.core.configuration import prepare
from crossemo.corpora import ADAPTERS
from crossemo.plan import Plan
from crossemo.report.coverage import Reach, bound_cells, missing_cells, plan_bound_cells
from crossemo.report.ours import MetricsSource
from crossemo.report.tables import UNDEFINED, display_table, load_reference, paper_table

REPO = Path(__file__).resolve().parents[2]
EMPTY = [[0, 0], [0, 0]]  # a test corpus without utterances: every measure NaN
GOOD = [[8, 2], [2, 8]]
EXTENDED = {"table": "t3", "where": {"features": "eGeMAPS"}, "scope_column": "eval_dataset",
            "scope_names": {"emodb": "EmoDB", "ravdess": "RAVDESS", "iemocap": "IEMOCAP"},
            "metrics": {"uar_extended_train": "uar"}}  # fmt: skip
MATCHED = {"table": "t3", "where": {"features": "GeMAPS"}, "scope_column": "eval_dataset",
           "scope_names": {"emodb": "EmoDB"}, "metrics": {"uar_matched_train": "uar"}}  # fmt: skip


def part(matrix):
    return {"confusion": {"labels": ["a", "b"], "matrix": matrix}, "ci": {}}


def source(**corpora) -> MetricsSource:
    per_corpus = {name: part(matrix) for name, matrix in corpora.items()}
    return MetricsSource([{"experiment": "x", "run": "main", "overall": part(GOOD),
                           "per_corpus": per_corpus}], n_boot=0)  # fmt: skip


def tables():
    """iberspeech Table 3 with ours: the extended run has RAVDESS empty (NaN) and no IEMOCAP;
    the matched run is complete. Returns the reference and the long table as the CSV holds it."""
    ref = load_reference("iberspeech2022_table3_uar_svm")
    long = paper_table(ref, [("ext", EXTENDED, source(emodb=GOOD, ravdess=EMPTY)),
                             ("matched", MATCHED, source(emodb=GOOD))])  # fmt: skip
    return ref, long


def test_a_nan_cell_keeps_its_experiment_and_shows_nan():
    _, long = tables()
    rav = long[(long["eval_dataset"] == "RAVDESS") & (long["features"] == "eGeMAPS")
               & (long["measure"] == "uar_extended_train")].iloc[0]  # fmt: skip
    assert rav["experiment"] == "ext" and rav["source"] == "metrics" and np.isnan(rav["ours"])
    shown = display_table(long).loc[rav.name]
    assert shown["ours"] == UNDEFINED and shown["experiment"] == "ext"
    unclaimed = display_table(long)[long["experiment"].isna()]
    assert (unclaimed["ours"] == "–").all() and len(unclaimed)


def test_missing_cells_reports_a_nan_and_an_unclaimed_bound_cell(tmp_path):
    ref, long = tables()
    long.round(6).to_csv(tmp_path / "t3.csv", index=False)
    written = pd.read_csv(tmp_path / "t3.csv")
    reach = Reach(scopes=frozenset({"emodb", "ravdess", "iemocap"}))
    expected = bound_cells(
        ref, [("ext", EXTENDED, reach), ("matched", MATCHED, Reach(scopes=frozenset({"emodb"})))]
    )
    assert len(expected) == 4  # 3 eGeMAPS corpora + EmoDB GeMAPS; other rows are not ours
    missing = missing_cells(written, expected)
    found = {
        (written.loc[p, "eval_dataset"], problem)
        for p, problem in zip(missing["position"], missing["problem"], strict=True)
    }
    assert found == {("RAVDESS", "ours is nan"), ("IEMOCAP", "not claimed by any experiment")}
    assert missing_cells(written, expected.iloc[[0]]).empty  # EmoDB eGeMAPS: a number
    wrong = expected.assign(experiment="other").iloc[[0]]
    assert missing_cells(written, wrong)["problem"].tolist() == ["claimed by ext"]
    with pytest.raises(ValueError, match="not the long table"):
        missing_cells(written.iloc[::-1].reset_index(drop=True), expected)


def load_plan(name: str) -> Plan:
    """A paper config's plan, as start-up builds it (stand-in roots)."""
    config = yaml.safe_load((REPO / "config" / "paper" / f"{name}.yaml").read_text())
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    scheme_dir = REPO / "config" / "label_schemes"
    schemes = {p.stem: yaml.safe_load(p.read_text()) for p in scheme_dir.glob("*.yaml")}
    for entry in config["corpora"].values():
        entry.update({"sheet": str(REPO / "pyproject.toml")} if "sheet" in entry else {})
        entry.update({"root": str(REPO / "config")} if "root" in entry else {})
    prepare(config, schemes, ADAPTERS)
    return Plan(config, scheme_dir, REPO / "src" / "crossemo" / "data" / "reference")


@pytest.mark.parametrize("name", sorted(p.stem for p in (REPO / "config" / "paper").glob("*.yaml")))
def test_every_binding_of_a_paper_config_is_bound_to_cells(name):
    """The config alone says which cells each binding must fill: at least one per binding, and
    none of another corpus's, model's or class's row."""
    plan = load_plan(name)
    for table in plan.paper_tables:
        cells = plan_bound_cells(plan, table)
        assert cells["position"].is_unique, table
        for bound in plan.table_bindings(table):
            assert (cells["experiment"] == bound["experiment"]).any(), (table, bound)
