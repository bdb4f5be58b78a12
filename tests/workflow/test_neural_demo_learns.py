"""The neural families' demo runs learn: demo_frozen_ct (frozen tiny encoder, class-token
transformer head) and demo_exhubert (block-expanded tiny encoder, copies and head trained), both
trained on EmoDB + RAVDESS and tested on IEMOCAP, run by real Snakemake in one workflow, each
have their speaker-clustered UAR interval above chance. A head that predicts one class, or an
encoder whose features do not depend on the clip, fails it."""

from __future__ import annotations

import numpy as np
import pytest

from crossemo.evaluation.base import read_run_metrics
from crossemo.evaluation.runs import beats_chance

from .helpers import demo_config, run_snakemake

NAMES = ("demo_frozen_ct", "demo_exhubert")


@pytest.mark.workflow
def test_the_neural_demo_runs_beat_chance(demo_root, tmp_path):
    full = demo_config(demo_root)
    experiments = {n: full["experiments"][n] for n in NAMES}
    corpora = sorted({c for e in experiments.values() for c in [*e["train"], *e["test"]]})
    config = demo_config(demo_root, corpora=corpora)
    config["experiments"] = {
        n: {k: v for k, v in e.items() if k != "paper"} for n, e in experiments.items()
    }
    config["evaluation"] = full["evaluation"]
    run_snakemake(tmp_path, config, *(f"results/metrics/{n}.csv" for n in NAMES))
    for name in NAMES:
        (run,) = read_run_metrics([tmp_path / f"results/metrics/{name}.runs.json"])
        assert beats_chance(run), (name, run["overall"]["uar"])
        predicted = np.asarray(run["overall"]["confusion"]["matrix"]).sum(axis=0)
        assert (predicted > 0).sum() >= 3, (name, predicted)  # not one class for every clip
