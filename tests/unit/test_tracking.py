"""Tracking (crossemo.tracking): a synthetic results tree logged to an MLflow SQLite store and to
TensorBoard event files, read back with each tool's own reader; reruns replace, never duplicate;
stores off the machine are refused."""

from __future__ import annotations

import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest
import yaml
from plan_configs import REPO, load

from crossemo.plan import paths
from crossemo.tracking.settings import BACKENDS, check_tracking, tracking_settings
from crossemo.tracking.stage import track_stage

EXPERIMENT = "toy"
CURVE = [  # the step history of a neural run (crossemo.models.curve): dev UAR every 2nd step
    {"step": 10, "epoch": 1, "lr": 0.001, "train_loss": 1.4, "dev_uar": 0.30, "dev_loss": 1.3},
    {"step": 20, "epoch": 1, "lr": 0.002, "train_loss": 1.1, "dev_uar": None, "dev_loss": None},
    {"step": 30, "epoch": 2, "lr": 0.001, "train_loss": 0.9, "dev_uar": 0.55, "dev_loss": 1.0},
]


def png(width: int = 3, height: int = 2) -> bytes:
    """A valid grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))  # fmt: skip


def scores(uar: float) -> dict:
    return {"n": 20, "n_clusters": 4, "uar": uar, "wa": uar, "per_class": {"a": {
        "precision": 0.5, "recall": uar, "f1": 0.4, "support": 10}},
        "ci": {"uar": [uar - 0.1, uar + 0.1], "recall[a]": [0.2, 0.9]}}  # fmt: skip


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite store with its tables (created once: MLflow's migrations take seconds)."""
    from mlflow import MlflowClient

    db = tmp_path_factory.mktemp("store") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{db}").search_experiments()
    return db


@pytest.fixture
def tree(tmp_path: Path, empty_store: Path) -> tuple[dict, Path]:
    """A results tree: a neural run (curve, card, figure) and a classic run (config only)."""
    neural, classic = tmp_path / "models/toy/main", tmp_path / "models/toy/fold0-svm"
    for folder in (neural, classic):
        folder.mkdir(parents=True)
    (neural / "crossemo_run.json").write_text(json.dumps({"model": {"family": "finetune",
                                                                    "lr": 0.001}}))  # fmt: skip
    pd.DataFrame(CURVE).to_csv(neural / "training_curve.csv", index=False)
    (neural / "training_curve.png").write_bytes(png())
    (neural / "README.md").write_text("# toy / main\nmodel card")
    (classic / "config.json").write_text(json.dumps({"family": "svm", "params": {"C": 2.0},
                                                     "grid": [0.5, 1.0]}))  # fmt: skip
    runs = [{"experiment": EXPERIMENT, "run": run, "per_corpus": {"savee": scores(u)},
             "overall": scores(u)} for run, u in (("main", 0.6), ("fold0-svm", 0.5))]  # fmt: skip
    (tmp_path / "runs.json").write_text(json.dumps(runs))
    (tmp_path / "confusion_toy.png").write_bytes(png(4, 4))
    (tmp_path / "store").mkdir()
    shutil.copy(empty_store, tmp_path / "store/mlflow.db")
    inputs = {
        "runs": str(tmp_path / "runs.json"),
        "confusion": str(tmp_path / "confusion_toy.png"),
        "model_main": str(neural),
        "model_fold0-svm": str(classic / "config.json"),
    }
    return inputs, tmp_path


def settings(tmp_path: Path, *backends: str, uri: str | None = None) -> dict:
    config = {"tracking": {"backend": list(backends), "experiment_prefix": "t/"}}
    if uri:
        config["tracking"]["uri"] = uri
    found = tracking_settings(config)
    assert found is not None
    return found


def track(inputs: dict, root: Path, spec: dict, experiment_config: dict) -> None:
    """The job, with the default store and the TensorBoard folder in ``root``."""
    track_stage(inputs, root / "logged.csv", EXPERIMENT, spec, experiment_config,
                store=str(root / "store/mlflow.db"), tensorboard_dir=str(root / "tb"))  # fmt: skip


def mlflow_runs(uri: str) -> dict:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("t/toy")
    runs = client.search_runs([experiment.experiment_id])
    return client, {r.data.tags["crossemo.run"]: r for r in runs}


def test_mlflow_store_holds_params_histories_metrics_and_artifacts(tree, tmp_path):
    inputs, root = tree
    track(inputs, root, settings(root, "mlflow"), {"seed": 3})
    client, runs = mlflow_runs(f"sqlite:///{root}/store/mlflow.db")
    assert set(runs) == {"main", "fold0-svm"}
    main, svm = runs["main"], runs["fold0-svm"]
    assert main.data.params["experiment.seed"] == "3"
    assert main.data.params["run.model.family"] == "finetune"
    assert svm.data.params["run.params.C"] == "2.0" and svm.data.params["run.grid"] == "[0.5, 1.0]"
    history = client.get_metric_history(main.info.run_id, "train_loss")
    assert [(m.step, m.value) for m in history] == [(10, 1.4), (20, 1.1), (30, 0.9)]
    dev = client.get_metric_history(main.info.run_id, "dev_uar")  # evaluations only
    assert [(m.step, m.value) for m in dev] == [(10, 0.30), (30, 0.55)]
    assert main.data.metrics["test/savee/uar"] == 0.6
    assert main.data.metrics["test/overall/uar_ci_low"] == pytest.approx(0.5)
    assert main.data.metrics["test/savee/recall.a_ci_high"] == 0.9
    assert svm.data.metrics["test/overall/n_clusters"] == 4
    assert not client.get_metric_history(svm.info.run_id, "train_loss")  # classic: no steps
    names = {a.path for a in client.list_artifacts(main.info.run_id)}
    assert {"README.md", "training_curve.png", "figures"} <= names
    figures = client.list_artifacts(main.info.run_id, "figures")
    assert [a.path for a in figures] == ["figures/confusion_toy.png"]
    table = pd.read_csv(root / "logged.csv")
    assert list(table["run"]) == ["main", "fold0-svm"] and list(table["steps"]) == [3, 0]
    assert (table["metrics"] == len([k for k in main.data.metrics if k.startswith("test/")])).all()


def test_rerun_replaces_the_experiments_runs(tree):
    inputs, root = tree
    spec = settings(root, "mlflow", "tensorboard")
    track(inputs, root, spec, {})
    first = pd.read_csv(root / "logged.csv")
    (root / "models/toy/main/README.md").write_text("# toy / main\nretrained")
    track(inputs, root, spec, {})
    client, runs = mlflow_runs(f"sqlite:///{root}/store/mlflow.db")
    assert len(runs) == 2
    card = client.download_artifacts(runs["main"].info.run_id, "README.md", str(root / "dl"))
    assert "retrained" in Path(card).read_text()
    old = first.loc[first["backend"] == "mlflow", "id"]
    assert len(old) == 2 and (root / "store/artifacts").is_dir()
    assert not [p for run_id in old for p in (root / "store/artifacts").rglob(f"*{run_id}*")]
    assert sorted(p.name for p in (root / "tb").iterdir()) == ["fold0-svm", "main"]
    assert all(len(list((root / "tb" / run).iterdir())) == 1 for run in ("main", "fold0-svm"))


def test_tensorboard_events_read_back(tree):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    inputs, root = tree
    track(inputs, root, settings(root, "tensorboard"), {"a": 1})
    events = EventAccumulator(str(root / "tb/main"), size_guidance={"images": 0, "tensors": 0})
    events.Reload()
    loss = events.Scalars("train_loss")
    assert [e.step for e in loss] == [10, 20, 30]
    assert [e.value for e in loss] == pytest.approx([1.4, 1.1, 0.9])
    assert [e.step for e in events.Scalars("dev_uar")] == [10, 30]
    assert events.Scalars("test/savee/uar")[0].value == pytest.approx(0.6)
    card = events.Tensors("model_card")[0].tensor_proto.string_val[0].decode()
    assert "model card" in card
    params = events.Tensors("params")[0].tensor_proto.string_val[0].decode()
    assert "| experiment.a | 1 |" in params
    assert {"training_curve", "figures/confusion_toy"} <= set(events.Tags()["images"])
    assert events.Images("figures/confusion_toy")[0].width == 4


def test_folder_store_is_allowed_for_the_call_only(tree, monkeypatch):
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    inputs, root = tree
    uri = (root / "folder-store").as_uri()
    track(inputs, root, settings(root, "mlflow", uri=uri), {})
    assert "MLFLOW_ALLOW_FILE_STORE" not in os.environ
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    assert set(mlflow_runs(uri)[1]) == {"main", "fold0-svm"}


@pytest.mark.parametrize("uri", ["http://localhost:5000", "https://mlflow.example.org",
                                 "postgresql://db/mlflow", "databricks"])  # fmt: skip
def test_stores_off_the_machine_are_refused(uri):
    if uri == "databricks":  # a bare word is a folder name, kept local
        assert check_tracking({"tracking": {"uri": uri}}) is None
        return
    with pytest.raises(ValueError, match=r"tracking\.uri: .*nothing leaves the machine"):
        check_tracking({"tracking": {"uri": uri}})


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match=r"tracking\.backend: \['wandb'\]"):
        check_tracking({"tracking": {"backend": ["mlflow", "wandb"]}})


def test_schema_names_the_registered_backends():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    backend = schema["properties"]["tracking"]["properties"]["backend"]
    assert [set(option.get("enum") or option["items"]["enum"]) for option in backend["oneOf"]] == [
        set(BACKENDS)
    ] * 2


def test_the_plan_tracks_only_when_asked(tmp_path):
    config = yaml.safe_load((REPO / "config/examples/minimal.yaml").read_text())
    off = load("config/examples/minimal.yaml")
    assert off.tracking is None
    assert not any(t.startswith("results/tracking/") for t in off.all_targets())
    config["tracking"] = {"backend": "tensorboard"}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    on = load(tmp_path / "config.yaml")
    tracked = [t for t in on.all_targets() if t.startswith("results/tracking/")]
    assert tracked == [paths.fill(paths.TRACKING, experiment=e) for e in on.model_experiments]
    experiment = on.model_experiments[0]
    params = on.tracking_params(experiment)
    assert params["settings"]["backends"] == ["tensorboard"]
    assert params["settings"]["uri"] is None  # the rule's default store, paths.MLFLOW_STORE
    assert "paper" not in params["experiment"]
    inputs = on.tracking_inputs(experiment)
    assert {"runs", "cards", "confusion", "reliability"} <= set(inputs)
    assert [k for k in inputs if k.startswith("model_")] == [
        f"model_{r}" for r in on.runs(experiment)
    ]
    config["tracking"] = {"uri": "https://tracking.example.org"}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(ValueError, match=r"tracking\.uri"):
        load(tmp_path / "config.yaml")
