"""A paper config's rehearsal with data-parallel training: `model.gpus: 2` on CPU (two gloo
processes per tiny-encoder job). Kept to one neural experiment of the strEmo config (trained on
RAVDESS alone, one run): the full rehearsals are test_paper_rehearsal's."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from .helpers import REPO, run_snakemake
from .test_paper_rehearsal import executed_jobs, planned_jobs, rehearsal_config

pytestmark = [pytest.mark.workflow, pytest.mark.slow]

EXPERIMENT = "strEmo_ft_ravdess"


def test_a_paper_rehearsal_trains_with_two_processes(demo_root, tmp_path):
    config = rehearsal_config(REPO / "config" / "paper" / "strEmo.yaml", demo_root)
    config["experiments"] = {EXPERIMENT: config["experiments"][EXPERIMENT]}
    config.pop("comparisons", None)
    config["experiments"][EXPERIMENT]["model"]["gpus"] = 2
    proc = run_snakemake(tmp_path, config, "paper_tables", timeout=900)
    output = proc.stdout + proc.stderr
    planned = planned_jobs(output)
    assert planned.get("train_neural", 0) >= 1
    assert executed_jobs(output) == planned
    assert re.search(r"(\d+) of \1 steps \(100%\) done", output)
    # each training job trained in two processes (its threads, 2 = 1 per process, are capped
    # by --cores, which is 1 per test worker under pytest-xdist)
    logs = sorted((tmp_path / "logs" / "train_neural" / EXPERIMENT).glob("*.log"))
    assert logs and all("data-parallel job: 2 processes (gloo)" in log.read_text() for log in logs)
    for run in (tmp_path / "results" / "models" / EXPERIMENT).iterdir():
        assert (run / "label_map.json").exists() and (run / "crossemo_run.json").exists(), run
        predictions = pd.read_parquet(tmp_path / "results" / "predictions" / EXPERIMENT /
                                      f"{run.name}.parquet")  # fmt: skip
        assert len(predictions) and predictions["utt_id"].is_unique
