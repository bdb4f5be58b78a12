"""The real-SLURM test's helpers: the CI profile derivation and the result-tree comparison."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import yaml

SLURM_DIR = Path(__file__).resolve().parents[1] / "slurm"
REPO = SLURM_DIR.parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, SLURM_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ci_profile_drops_gpu_requests_and_nothing_else():
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    derived = _load("profile").derive(profile, max_mem_mb=3000, max_threads=2)
    for rule, res in derived["set-resources"].items():
        original = profile["set-resources"][rule]
        if "gpu" in original:
            assert res["gpu"] == 0
            assert not {"gpu_model", "cpus_per_gpu", "gres"} & set(res)
            assert res.get("slurm_partition") == original.get("slurm_partition")
    assert derived["default-resources"]["mem_mb"] <= 3000
    assert derived["max-threads"] == 2
    untouched = set(profile) - {"set-resources", "default-resources"}
    assert all(derived[key] == profile[key] for key in untouched)


def test_compare_results_by_content(tmp_path: Path):
    compare = _load("compare_results")
    left, right = tmp_path / "a", tmp_path / "b"
    for root in (left, right):
        (root / "results").mkdir(parents=True)
    df = pd.DataFrame({"utt_id": ["x", "y"], "p": [0.25, 0.75]})
    df.to_parquet(left / "results" / "t.parquet")
    df.to_parquet(right / "results" / "t.parquet", compression="gzip")  # other bytes, same content
    (left / "results" / "m.json").write_text(json.dumps({"uar": 0.5, "elapsed_s": 1.0}))
    (right / "results" / "m.json").write_text(json.dumps({"uar": 0.5, "elapsed_s": 9.0}))
    assert compare.compare_trees(left, right) == []

    df.assign(p=[0.25, 0.8]).to_parquet(right / "results" / "t.parquet")
    (right / "results" / "extra.csv").write_text("a\n1\n")
    problems = compare.compare_trees(left, right)
    assert any(p.startswith("results/t.parquet") for p in problems), problems
    assert any("only in" in p and "extra.csv" in p for p in problems), problems
