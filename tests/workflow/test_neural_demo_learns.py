"""A neural family's demo run learns: demo_frozen_ct (frozen tiny encoder, class-token
transformer head, trained on EmoDB + RAVDESS, tested on IEMOCAP), run by real Snakemake, has its
speaker-clustered UAR interval above chance. A head that predicts one class, or an encoder whose
features do not depend on the clip, fails it."""

from __future__ import annotations

import numpy as np
import pytest

from crossemo.evaluation.base import read_run_metrics
from crossemo.evaluation.runs import beats_chance

from .helpers import demo_config, run_snakemake

NAME = "demo_frozen_ct"


@pytest.mark.workflow
def test_the_frozen_head_demo_run_beats_chance(demo_root, tmp_path):
    full = demo_config(demo_root)
    experiment = full["experiments"][NAME]
    config = demo_config(demo_root, corpora=[*experiment["train"], *experiment["test"]])
    config["experiments"] = {NAME: {k: v for k, v in experiment.items() if k != "paper"}}
    config["evaluation"] = full["evaluation"]
    run_snakemake(tmp_path, config, f"results/metrics/{NAME}.csv")
    (run,) = read_run_metrics([tmp_path / f"results/metrics/{NAME}.runs.json"])
    assert beats_chance(run), run["overall"]["uar"]
    predicted = np.asarray(run["overall"]["confusion"]["matrix"]).sum(axis=0)
    assert (predicted > 0).sum() >= 3, predicted  # not one class for every clip
