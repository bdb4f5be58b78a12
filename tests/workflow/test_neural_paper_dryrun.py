"""The neural paper configs dry-run with the papers' settings (corpus roots replaced by empty
stand-ins: nothing is read in a dry run), and plan the expected neural jobs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .helpers import REPO, planned_jobs, run_snakemake, stand_in_roots

PAPERS = {
    # config -> (train_neural jobs, aggregate_lr_cv jobs, SSL extract_features jobs)
    "strEmo.yaml": (1 + 1 + (3 * 5 + 1) + 1, 1, 0),  # none, ravdess, 15 CV + final, unbal
    "iberspeech_hubert.yaml": (3 * 5 + 3 * 5, 0, None),
    "exhubert.yaml": (1 + 4 * 2, 0, 0),  # stage 1 + 4 Table 2 columns x 2 unseen corpora
    "multimodal_hubert.yaml": (2, 0, 0),
}


def stand_in_config(name: str, root: Path) -> dict:
    return stand_in_roots(yaml.safe_load((REPO / "config" / "paper" / name).read_text()), root)


@pytest.mark.workflow
@pytest.mark.parametrize("name", sorted(PAPERS))
def test_paper_config_dry_runs(name, tmp_path):
    config = stand_in_config(name, tmp_path / "corpora")
    proc = run_snakemake(tmp_path / "work", config, "-n", "all", "paper_tables")
    jobs = planned_jobs(proc)
    train, lr_cv, ssl = PAPERS[name]
    assert jobs.get("train_neural", 0) == train, jobs
    assert jobs.get("aggregate_lr_cv", 0) == lr_cv, jobs
    # rule extract_features jobs of the SSL upstream (its folders: ssl-<encoder>-<hash>)
    planned_ssl = len(re.findall(r"output: results/features/ssl-", proc.stdout + proc.stderr))
    if ssl is not None:
        assert planned_ssl == ssl, jobs
    else:
        assert planned_ssl > 0, jobs
