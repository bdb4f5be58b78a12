"""Rule track_experiment: every run of an experiment logged to each configured backend
(:data:`crossemo.tracking.settings.BACKENDS`), and the table of what was logged."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crossemo.core.atomic import atomic_path
from crossemo.tracking.records import RunRecord, collect_runs
from crossemo.tracking.settings import BACKENDS, with_locations

log = logging.getLogger(__name__)
#: input names of the rule: the runs' evaluation, the figures logged with each run; each run's
#: model folder is ``model_<run>``
RUNS, FIGURES, MODEL_PREFIX = "runs", ("confusion", "reliability"), "model_"
#: columns of the table of what was logged (results/tracking/{experiment}.csv)
COLUMNS = ["backend", "run", "params", "metrics", "steps", "artifacts", "id", "location"]


def summary_rows(backend: str, records: list[RunRecord], logged: list[dict]) -> list[dict]:
    """A row per logged run: what it holds, and where."""
    return [
        {"backend": backend, "run": r.run, "params": len(r.params), "metrics": len(r.metrics),
         "steps": len({step for _, step, _ in r.history}), "artifacts": len(r.artifacts),
         "id": row["id"], "location": row["location"]}
        for r, row in zip(records, logged, strict=True)
    ]  # fmt: skip


def track_stage(inputs: Mapping[str, Any], output: str | Path, experiment: str,
                settings: Mapping[str, Any], experiment_config: Mapping[str, Any],
                store: str, tensorboard_dir: str) -> None:  # fmt: skip
    """Log the runs of ``experiment`` to each backend of ``settings`` (the default MLflow store
    ``store``, the experiment's TensorBoard folder ``tensorboard_dir``) and write the table of
    what was logged to ``output``."""
    import pandas as pd

    from crossemo.core.safe_text import write_csv

    folders = {k[len(MODEL_PREFIX) :]: v for k, v in inputs.items() if k.startswith(MODEL_PREFIX)}
    figures = [inputs[name] for name in FIGURES if name in inputs]
    records = collect_runs(inputs[RUNS], folders, experiment_config, figures)
    located = with_locations(settings, store, tensorboard_dir)
    rows = []
    for backend in settings["backends"]:
        module = importlib.import_module(BACKENDS[backend])
        rows += summary_rows(backend, records, module.log_runs(records, located, experiment))
    with atomic_path(output) as tmp:
        write_csv(pd.DataFrame(rows, columns=COLUMNS), tmp, index=False)
