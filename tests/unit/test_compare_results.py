"""tools/compare_results.py: the check that a refactor left the workflow's numbers unchanged."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

TOOL = Path(__file__).resolve().parents[2] / "tools" / "compare_results.py"
spec = importlib.util.spec_from_file_location("compare_results", TOOL)
compare_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_results)


def results(root: Path, probability: float = 0.25, metric: str = "uar,0.5\n") -> Path:
    (root / "metrics").mkdir(parents=True)
    (root / "metrics" / "e.csv").write_text(metric)
    (root / "predictions" / "e").mkdir(parents=True)
    table = pd.DataFrame({"utt_id": ["a", "b"], "p": [probability, 0.5]})
    table.to_parquet(root / "predictions" / "e" / "main.parquet")
    return root


def test_equal_runs_pass(tmp_path, capsys):
    old, new = results(tmp_path / "old"), results(tmp_path / "new")
    assert compare_results.main([str(old), str(new)]) == 0
    assert "2 files compared, 0 differences" in capsys.readouterr().out


def test_a_changed_number_or_a_missing_file_fails_naming_it(tmp_path, capsys):
    old = results(tmp_path / "old")
    new = results(tmp_path / "new", probability=0.25000001, metric="uar,0.51\n")
    (new / "metrics" / "extra.json").write_text("{}")
    assert compare_results.main([str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "metrics/e.csv: bytes differ" in out
    assert "predictions/e/main.parquet" in out
    assert "only in" in out and "extra.json" in out
