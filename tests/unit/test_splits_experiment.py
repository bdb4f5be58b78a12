"""The split-relevant part of an experiment, and the package's light import (the workflow's
parse reads crossemo.splits.Experiment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from splits_fixtures import experiment

from crossemo.splits.experiment import SplitError

SRC = Path(__file__).resolve().parents[2] / "src"


def test_importing_the_splits_package_loads_no_numpy_pandas_or_pyarrow():
    code = (
        "import sys, crossemo.splits; crossemo.splits.Experiment; "
        "print(sorted(m for m in ('numpy', 'pandas', 'pandera', 'pyarrow') if m in sys.modules))"
    )
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_corpus_in_train_and_test_needs_fractions():
    with pytest.raises(SplitError, match="fractions"):
        experiment(train=["a", "m"], test=["m"])
    with pytest.raises(SplitError, match="sum to 1"):
        experiment(train=["a", "m"], test=["m"], fractions={"m": {"train": 0.8, "test": 0.1}})
