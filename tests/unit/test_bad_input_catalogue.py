"""The bad-input catalogue (tests/bad_inputs/*.yaml): each case names a test that exists, ids are
unique, and the README states the catalogue's size."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = ROOT / "tests" / "bad_inputs"
FIELDS = {"id", "input", "expect", "test"}


def catalogue() -> list[dict]:
    """Every case of every area file, with its area added."""
    cases = []
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text())["cases"] or []:
            cases.append({**case, "area": path.stem})
    return cases


def _test_names(path: Path) -> set[str]:
    """Test functions of a test module, top level and inside classes (``Class::test``)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {f"{node.name}::{f.name}" for f in node.body if hasattr(f, "name")}
    return names


def test_cases_have_their_fields_and_unique_ids():
    cases = catalogue()
    assert cases, "the catalogue is empty"
    for case in cases:
        assert set(case) - {"area"} == FIELDS, f"{case.get('id')}: fields {sorted(case)}"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case["id"]), case["id"]
        assert all(str(case[f]).strip() for f in FIELDS), case["id"]
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("case", catalogue(), ids=lambda c: c["id"])
def test_each_case_names_a_test_that_exists(case):
    file, _, name = case["test"].partition("::")
    path = ROOT / file
    assert path.is_file(), f"{case['id']}: no test file {file}"
    assert name.split("[")[0] in _test_names(path), f"{case['id']}: no test {name} in {file}"


def test_readme_states_the_catalogue_size():
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"bad-input catalogue[^.]*?(\d+) cases", readme)
    assert found, "README.md does not state the bad-input catalogue's size"
    assert int(found.group(1)) == len(catalogue())
