"""What is logged of a run, read from the results tree after evaluation: its params (the
experiment's config and the run's own config, flattened), its training curve (neural runs: the
step losses, dev UAR per evaluation and learning rate), its final metrics with intervals per test
corpus and pooled (``results/metrics/{experiment}.runs.json``), and its figures and model card."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: a neural run's settings (crossemo.models.skeleton.RUN_FILE); classic and ensemble runs keep
#: theirs in config.json
RUN_FILES = ("crossemo_run.json", "config.json")
#: a neural run's training curve, one row per logged step (crossemo.models.curve.write_curve)
CURVE_TABLE = "training_curve.csv"
#: files of a model folder logged as artifacts, where present: the model card
#: (crossemo.evaluation.cards), the training curve figure, the label map
FOLDER_ARTIFACTS = ("README.md", "training_curve.png", "label_map.json")
#: the store folder of the experiment's figures
FIGURES = "figures"
#: measures of a scope of runs.json logged as they are (the others come with intervals)
COUNTS = ("n", "n_clusters")
#: the longest param value logged (MLflow's limit is longer; a long value is cut, marked "...")
PARAM_CHARS = 500


@dataclass
class RunRecord:
    """One run of an experiment as a tracker sees it."""

    experiment: str
    run: str
    params: dict[str, str] = field(default_factory=dict)
    #: final metrics: ``test/<corpus or overall>/<measure>`` (and ``..._ci_low``, ``..._ci_high``)
    metrics: dict[str, float] = field(default_factory=dict)
    #: the training curve: (metric, step, value)
    history: list[tuple[str, int, float]] = field(default_factory=list)
    #: file -> folder in the tracker's store ("" for the top): the experiment's figures go to
    #: ``figures``, the model folder's files to the top
    artifacts: dict[Path, str] = field(default_factory=dict)


def metric_key(name: str) -> str:
    """``name`` in the characters trackers accept: ``recall[neutral]`` -> ``recall.neutral``."""
    return re.sub(r"[^A-Za-z0-9_./ -]", "_", re.sub(r"\[([^\]]*)\]", r".\1", name))


def flatten(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every leaf of a nested mapping; lists as JSON, cut at
    :data:`PARAM_CHARS`."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return
    text = value if isinstance(value, str) else json.dumps(value)
    yield prefix, text if len(text) <= PARAM_CHARS else text[: PARAM_CHARS - 3] + "..."


def final_metrics(result: Mapping[str, Any]) -> dict[str, float]:
    """A run's evaluation (an entry of runs.json) as flat metrics per scope (each test corpus
    and ``overall``): every measure with an interval (value, ``_ci_low``, ``_ci_high``), the
    per-class precision, recall and F1, and the utterance and cluster counts."""
    scopes = {**result.get("per_corpus", {}), "overall": result.get("overall", {})}
    out: dict[str, float] = {}
    for scope, scores in scopes.items():
        values = {m: scores[m] for m in COUNTS if scores.get(m) is not None}
        for label, per_class in (scores.get("per_class") or {}).items():
            values.update({f"{m}[{label}]": v for m, v in per_class.items() if m != "support"})
        for measure, (low, high) in (scores.get("ci") or {}).items():
            values.setdefault(measure, scores.get(measure))
            values[f"{measure}_ci_low"], values[f"{measure}_ci_high"] = low, high
        for measure in ("uar", "wa", "ua", "macro_f1", "weighted_f1"):
            values.setdefault(measure, scores.get(measure))
        out.update({metric_key(f"test/{scope}/{k}"): float(v) for k, v in values.items()
                    if isinstance(v, int | float) and math.isfinite(v)})  # fmt: skip
    return out


def curve(folder: Path) -> list[tuple[str, int, float]]:
    """The training curve of a model folder as (metric, step, value); empty without one."""
    path = folder / CURVE_TABLE
    if not path.is_file():
        return []
    points = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            step = int(float(row.pop("step")))
            for name, text in row.items():
                value = float(text) if text not in ("", None) else math.nan
                if math.isfinite(value):
                    points.append((metric_key(name), step, value))
    return points


def run_config(folder: Path) -> dict[str, Any]:
    """The run's own settings (:data:`RUN_FILES`, the first present), {} without any."""
    for name in RUN_FILES:
        if (folder / name).is_file():
            return json.loads((folder / name).read_text())
    return {}


def model_folder(path: str | Path) -> Path:
    """A run's model folder from its input (the folder, or a file in it)."""
    path = Path(path)
    return path if path.is_dir() else path.parent


def collect_runs(runs_json: str | Path, folders: Mapping[str, str | Path],
                 experiment_config: Mapping[str, Any],
                 figures: list[str | Path]) -> list[RunRecord]:  # fmt: skip
    """A record per evaluated run of ``runs_json`` (its model folder from ``folders`` by run
    name); ``figures`` (the experiment's confusion and reliability figures) go with every run."""
    records = []
    for result in json.loads(Path(runs_json).read_text()):
        run = result["run"]
        folder = model_folder(folders[run]) if run in folders else None
        params = dict(flatten(experiment_config, "experiment"))
        params.update(flatten(run_config(folder), "run") if folder else [])
        artifacts = {Path(p): FIGURES for p in figures if Path(p).is_file()}
        if folder is not None:
            artifacts.update({folder / n: "" for n in FOLDER_ARTIFACTS if (folder / n).is_file()})
        records.append(RunRecord(
            experiment=result["experiment"], run=run, params=params,
            metrics=final_metrics(result), history=curve(folder) if folder else [],
            artifacts=artifacts,
        ))  # fmt: skip
    return records
