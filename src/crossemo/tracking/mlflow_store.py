"""The MLflow backend: one MLflow experiment per crossemo experiment (``experiment_prefix`` +
its name), one MLflow run per crossemo run, in a store on this machine (a SQLite file by
default; MLflow's plain-folder store for ``file:`` URIs). Rerunning replaces the experiment's
runs (those tagged with it are deleted first, their artifacts removed), so the store never
holds two copies of a run. Concurrent jobs share the store behind a file lock."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from filelock import FileLock

from crossemo.tracking.records import RunRecord
from crossemo.tracking.settings import folder_path, sqlite_path

log = logging.getLogger(__name__)
#: tags that name a run's crossemo experiment and run (the runs a rerun replaces)
EXPERIMENT_TAG, RUN_TAG = "crossemo.experiment", "crossemo.run"
#: MLflow's batch limits (params, metrics per log_batch call)
PARAM_BATCH, METRIC_BATCH = 100, 1000
#: loggers that narrate store creation and migrations (alembic) in job logs: warnings only
NOISY = ("alembic", "mlflow")
#: MLflow 3 refuses its plain-folder store (maintenance mode) unless this is set
FILE_STORE_ENV = "MLFLOW_ALLOW_FILE_STORE"


def local_uri(uri: str) -> str:
    """``uri`` with a relative SQLite path made absolute (the job's working directory)."""
    db = sqlite_path(uri)
    return f"sqlite:///{db.resolve()}" if db is not None else uri


def store_paths(uri: str) -> tuple[Path, Path, str | None]:
    """(folder to create, lock file, artifact root URI or None for MLflow's default)."""
    db = sqlite_path(uri)
    if db is not None:
        db = db.resolve()
        return db.parent, db.with_name(db.name + ".lock"), (db.parent / "artifacts").as_uri()
    folder = folder_path(uri).resolve()
    return folder, folder.with_name(folder.name + ".lock"), None


@contextmanager
def quiet_store(uri: str) -> Iterator[None]:
    """MLflow and alembic at warning level, and MLflow's plain-folder store allowed for a
    ``file:`` or folder URI (only for this call; the environment is restored after)."""
    import mlflow  # noqa: F401  (its import sets its loggers' levels: set them after)

    levels = {name: logging.getLogger(name).level for name in NOISY}
    before = os.environ.get(FILE_STORE_ENV)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    if sqlite_path(uri) is None:
        os.environ[FILE_STORE_ENV] = "true"
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        if before is None:
            os.environ.pop(FILE_STORE_ENV, None)
        else:
            os.environ[FILE_STORE_ENV] = before


def experiment_id(client: Any, name: str, artifacts: str | None) -> str:
    """The id of MLflow experiment ``name``, created (or restored from deletion) as needed."""
    found = client.get_experiment_by_name(name)
    if found is None:
        location = f"{artifacts}/{name}" if artifacts else None
        return client.create_experiment(name, artifact_location=location)
    if found.lifecycle_stage == "deleted":
        client.restore_experiment(found.experiment_id)
    return found.experiment_id


def remove_runs(client: Any, exp_id: str, experiment: str) -> int:
    """Delete the runs of crossemo ``experiment`` in MLflow experiment ``exp_id`` and their
    local artifacts; the number deleted."""
    from mlflow.entities import ViewType

    runs = client.search_runs([exp_id], filter_string=f"tags.`{EXPERIMENT_TAG}` = '{experiment}'",
                              run_view_type=ViewType.ALL, max_results=50_000)  # fmt: skip
    for run in runs:
        client.delete_run(run.info.run_id)
        parsed = urlparse(run.info.artifact_uri)
        if parsed.scheme in ("", "file"):  # <root>/<run id>/artifacts: the run's folder goes
            path = Path(unquote(parsed.path))
            run_folder = path.parent if path.parent.name == run.info.run_id else path
            shutil.rmtree(run_folder, ignore_errors=True)
    return len(runs)


def log_record(client: Any, exp_id: str, record: RunRecord) -> str:
    """One MLflow run of ``record``: params, final metrics, the curve as metric histories, the
    artifacts (figures under ``figures/``, the model folder's files at the top); its id."""
    from mlflow.entities import Metric, Param

    tags = {EXPERIMENT_TAG: record.experiment, RUN_TAG: record.run}
    run_id = client.create_run(exp_id, run_name=record.run, tags=tags).info.run_id
    now = int(time.time() * 1000)
    params = [Param(k, v) for k, v in record.params.items()]
    metrics = [Metric(k, v, now, 0) for k, v in record.metrics.items()]
    metrics += [Metric(k, v, now, step) for k, step, v in record.history]
    for start in range(0, len(params), PARAM_BATCH):
        client.log_batch(run_id, params=params[start : start + PARAM_BATCH])
    for start in range(0, len(metrics), METRIC_BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + METRIC_BATCH])
    for path, folder in record.artifacts.items():
        client.log_artifact(run_id, str(path), folder or None)
    client.set_terminated(run_id)
    return run_id


def log_runs(records: list[RunRecord], settings: dict[str, Any], experiment: str) -> list[dict]:
    """Log ``records`` (the runs of crossemo ``experiment``) to the MLflow store of
    ``settings["uri"]``, replacing the experiment's earlier runs; a row per run logged."""
    uri = local_uri(settings["uri"])
    folder, lock, artifacts = store_paths(uri)
    folder.mkdir(parents=True, exist_ok=True)
    name = settings["experiment_prefix"] + experiment
    with ExitStack() as stack:
        stack.enter_context(quiet_store(uri))
        stack.enter_context(FileLock(lock))
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=uri)
        exp_id = experiment_id(client, name, artifacts)
        removed = remove_runs(client, exp_id, experiment)
        ids = [log_record(client, exp_id, record) for record in records]
    log.info("MLflow %s: experiment %s, %d run(s) logged, %d replaced", uri, name, len(ids),
             removed)  # fmt: skip
    return [{"run": r.run, "id": run_id, "location": f"{uri}#{name}"}
            for r, run_id in zip(records, ids, strict=True)]  # fmt: skip
