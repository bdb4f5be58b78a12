"""The ``tracking:`` config block: which backends log the runs and where. Pure Python (the plan
reads it at every parse). Nothing leaves the machine: a tracking server's URI is refused."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

#: backend name -> the module that logs to it (each has ``log_runs``)
BACKENDS = {
    "mlflow": "crossemo.tracking.mlflow_store",
    "tensorboard": "crossemo.tracking.tensorboard_events",
}
#: URI schemes of a local MLflow store: a SQLite file, or the plain-folder store (``file:``)
LOCAL_SCHEMES = ("sqlite", "file")


def backends_of(block: Mapping[str, Any]) -> list[str]:
    """The block's ``backend`` (one name or a list) as a list of backend names."""
    backend = block.get("backend", "mlflow")
    names = [backend] if isinstance(backend, str) else list(backend)
    unknown = [name for name in names if name not in BACKENDS]
    if unknown or not names:
        raise ValueError(
            f"tracking.backend: {unknown or names} is not a backend; name one or more of "
            f"{sorted(BACKENDS)}"
        )
    return list(dict.fromkeys(names))


def check_uri(uri: str) -> str:
    """``uri`` when it names a store on this machine (``sqlite:///path``, ``file:path`` or a
    folder); a ValueError naming ``tracking.uri`` otherwise (http(s), databases, Databricks)."""
    scheme = urlparse(uri).scheme
    if scheme and scheme not in LOCAL_SCHEMES and len(scheme) > 1:  # 1 letter: a Windows drive
        raise ValueError(
            f"tracking.uri: {uri!r} is not a local store; crossemo logs to no tracking server "
            "(nothing leaves the machine): give sqlite:///<path>.db (the default is "
            "sqlite:///results/tracking/mlflow.db) or file:<folder>, and serve it yourself "
            "with `mlflow ui --backend-store-uri <uri>`"
        )
    return uri


def check_tracking(config: Mapping[str, Any]) -> None:
    """Refuse a ``tracking:`` block with an unknown backend or a store off this machine."""
    block = config.get("tracking")
    if block is not None:
        backends_of(block)
        check_uri(str(block.get("uri") or ""))


def tracking_settings(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The checked ``tracking:`` block of ``config`` (None when absent: tracking is off), its
    defaults filled; ``uri`` None: the job's default store (:func:`with_locations`)."""
    block = config.get("tracking")
    if block is None:
        return None
    return {
        "backends": backends_of(block),
        "uri": check_uri(str(block["uri"])) if block.get("uri") else None,
        "experiment_prefix": str(block.get("experiment_prefix", "")),
    }


def with_locations(settings: Mapping[str, Any], store: str, tensorboard_dir: str) -> dict:
    """``settings`` with its MLflow store (``uri``, or ``sqlite:///<store>`` by default) and
    the experiment's TensorBoard folder (``tensorboard_dir``, its runs below it)."""
    uri = settings.get("uri") or f"sqlite:///{store}"
    return {**settings, "uri": uri, "tensorboard_dir": tensorboard_dir}


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (relative to the working directory unless the
    path after ``sqlite:///`` is absolute), None for other stores."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///") :])


def folder_path(uri: str) -> Path:
    """The folder of a plain-folder store: ``file:`` URI or path."""
    parsed = urlparse(uri)
    return Path(parsed.path if parsed.scheme == "file" else uri)
