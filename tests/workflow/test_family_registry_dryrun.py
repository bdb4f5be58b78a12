"""A model family is one module and one registry line: a copy of the repository with the toy
family (tests/unit/toy_lda.py) added that way, its generated schema part rewritten, plans the toy's
training jobs; before the rewrite the start-up refuses it and the check names the command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import REPO, SNAKEMAKE, planned_jobs

pytestmark = pytest.mark.workflow

REGISTRY = Path("src/crossemo/models/families/__init__.py")
LINE = '        Family("multimodal", NEURAL, (AUDIO, TRANSCRIPTS)),\n'


def _copy(tree: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".snakemake", "results")
    for part in ("Snakefile", "rules", "workflow", "config", "src"):
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, tree / part, ignore=ignore)
        else:
            shutil.copy2(source, tree / part)


def _run(tree: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(args, cwd=cwd or tree, env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


def test_a_toy_family_added_as_one_module_and_one_line_reaches_the_dag(tmp_path: Path):
    tree = tmp_path / "repo"
    tree.mkdir()
    _copy(tree)
    shutil.copy2(REPO / "tests" / "unit" / "toy_lda.py", tree / REGISTRY.parent / "toy_lda.py")
    registry = (tree / REGISTRY).read_text()
    assert registry.count(LINE) == 1
    toy_line = '        Family("toy_lda", CLASSIC, FEATURES),\n'
    (tree / REGISTRY).write_text(registry.replace(LINE, LINE + toy_line))

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    keep = {"demo_egemaps_svm_emodb", "demo_handcrafted_multi"}
    config["experiments"] = {k: v for k, v in config["experiments"].items() if k in keep}
    config["comparisons"] = {}
    config["experiments"]["demo_egemaps_svm_emodb"]["model"] = {
        "family": "toy_lda", "params": {"shrinkage": 0.1}, "select_on": "cv"}  # fmt: skip
    multi = config["experiments"]["demo_handcrafted_multi"]["model"]
    multi["family"] = ["knn", "toy_lda"]
    multi["toy_lda"] = {"params": {"solver": "svd", "shrinkage": None}}
    work = tmp_path / "work"
    work.mkdir()
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    targets = ["results/metrics/demo_egemaps_svm_emodb.csv",
               "results/metrics/demo_handcrafted_multi.csv"]  # fmt: skip
    dry = [SNAKEMAKE, "--snakefile", str(tree / "Snakefile"), "--directory", str(work),
           "--configfile", str(work / "config.yaml"), "--cores", "1", "-n", *targets]  # fmt: skip

    # the schema is generated from the registry: until it is rewritten it knows no toy_lda
    stale = _run(tree, *dry)
    assert stale.returncode != 0 and "toy_lda" in stale.stdout + stale.stderr
    check = _run(tree, sys.executable, "-m", "crossemo.models.families.document", "--check")
    assert check.returncode == 1 and "--write" in check.stderr
    wrote = _run(tree, sys.executable, "-m", "crossemo.models.families.document", "--write")
    assert wrote.returncode == 0, wrote.stderr
    assert "`toy_lda`" in (tree / "config" / "README.md").read_text()

    plan = _run(tree, *dry)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    jobs = planned_jobs(plan)
    assert jobs["train_classic"] == 5 + 2  # five folds of toy_lda; knn and toy_lda on one split
    text = plan.stdout + plan.stderr
    for run in ("fold0", "fold4", "fold0-toy_lda", "fold0-knn"):
        assert f"/{run}.parquet" in text, run

    # a typo in the toy's keys is refused at start-up, naming the nearest key it takes
    config["experiments"]["demo_egemaps_svm_emodb"]["model"]["selct_on"] = "dev"
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    typo = _run(tree, *dry)
    assert typo.returncode != 0
    assert "model.selct_on: unknown key (did you mean 'select_on'?)" in typo.stdout + typo.stderr
