"""``crossemo run`` on the repository: a dry run through the front door lists the demo's jobs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .helpers import REPO, planned_jobs

pytestmark = pytest.mark.workflow


def test_crossemo_run_dry_run_lists_the_demos_jobs(tmp_path):
    command = [sys.executable, "-m", "crossemo.cli", "run", "config/config.yaml", "all",
               "--dry-run", "--cores", "2", "-d", str(tmp_path)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}  # the run sets it
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    echoed = proc.stderr.splitlines()[0]
    assert echoed.index(" all ") < echoed.index("--configfile")
    jobs = planned_jobs(proc)
    assert jobs["synthesize_demo_corpora"] == 1 and jobs["make_leaderboard"] == 1
    assert jobs["all"] == 1 and jobs["ingest_corpus"] >= 10
    assert not (tmp_path / "results").exists()  # a dry run builds nothing
