"""The one sequence of every neural training run: prepare -> fit -> save -> predict -> clean up.

A family (fine-tuning and block expansion, heads on frozen features, speech+text) supplies a
``prepare(device) -> Job`` function: its data (train, dev and test
:class:`~crossemo.models.training.Split`), its model, how a batch goes through the model
(``forward``) and how the trained model is saved.
:func:`train_and_predict` does the rest the same way for all: the resumable loop, the model
directory's common files (``label_map.json``, ``crossemo_run.json``, the training curve), the
predictions tables of the test split and of the dev split in the one predictions contract
(:mod:`crossemo.models.predictions`; header-only without dev rows: the calibration temperature
is fitted on it), removing the scratch checkpoints after success and, after
a failure, the half-written model directory (the checkpoints stay, so a rerun resumes).
In a data-parallel job (:mod:`crossemo.models.distributed`) every process trains and process 0
alone saves, predicts and cleans up: the files are a single-process run's.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossemo.models import distributed
from crossemo.models.curve import write_curve
from crossemo.models.predictions import (
    LABEL_MAP_FILE,
    predictions_frame,
    write_label_map,
    write_predictions,
)
from crossemo.models.training import (
    Forward,
    Split,
    TrainResult,
    TrainSettings,
    clear_scratch,
    configure_device,
    fit,
    predict_proba,
)

RUN_FILE = "crossemo_run.json"
#: the training curve figure in a saved model folder (beside training_curve.csv)
CURVE_FIGURE = "training_curve.png"
#: the split ``forward`` is asked for when predicting
PREDICT_SPLIT = "test"
#: the split ``forward`` is asked for when predicting the dev predictions
DEV_SPLIT = "dev"


@dataclass
class Job:
    """What a family prepares: the model, its batches' way through it and its data."""

    model: Any
    forward: Forward  #: forward(model, split name, indices) -> logits
    train: Split
    dev: Split | None  #: None or empty: no early stopping, the last weights are kept
    test: Split
    test_ids: Sequence[str]
    test_corpora: Sequence[str]
    save: Callable[[Any, Path], None]  #: writes the family's files of the trained model
    fingerprint: str  #: identifies the run (a scratch checkpoint of another run is ignored)
    dev_ids: Sequence[str] = ()  #: utt_id of each dev item (for the dev predictions)
    dev_corpora: Sequence[str] = ()


def train_and_predict(prepare: Callable[[Any], Job], settings: TrainSettings,
                      classes: Sequence[str], *, output_dir: str | Path,
                      predictions: str | Path | None, scratch: str | Path,
                      run_config: Mapping[str, Any], threads: int | None = None,
                      interrupt_after: int | None = None,
                      dev_predictions: str | Path | None = None) -> TrainResult:  # fmt: skip
    """Prepare the family's job on the device, train it (resuming from ``scratch``), save it to
    ``output_dir``, write the test split's predictions (and the dev split's to
    ``dev_predictions``) and remove the scratch checkpoints."""
    device = configure_device(settings, threads)
    job = prepare(device)
    out = Path(output_dir)
    existed = out.exists()
    try:
        dev = job.dev if job.dev is not None and len(job.dev) else None
        result = fit(job.model, job.forward, job.train, dev, settings, scratch, device,
                     len(classes), run_fingerprint=job.fingerprint,
                     interrupt_after=interrupt_after)  # fmt: skip
        if not distributed.is_main():
            return result
        job.model.to("cpu")
        job.save(job.model, out)
        save_run_files(out, classes, {**run_config, "settings": settings.to_dict()}, result)
        if predictions is not None:
            job.model.to(device)
            probs = predict_proba(job.model, job.forward, PREDICT_SPLIT, job.test, settings,
                                  device)  # fmt: skip
            frame = predictions_frame(job.test_ids, job.test_corpora, job.test.labels, probs,
                                      classes)  # fmt: skip
            write_predictions(frame, predictions)
        if dev_predictions is not None:
            job.model.to(device)
            write_predictions(dev_frame(job, dev, settings, classes, device), dev_predictions)
    except BaseException:
        if not existed and distributed.is_main():
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        job.model.to("cpu")
    if not settings.keep_scratch:
        clear_scratch(scratch)
    return result


def dev_frame(job: Job, dev: Split | None, settings: TrainSettings, classes: Sequence[str],
              device: Any) -> pd.DataFrame:  # fmt: skip
    """Predictions table of the trained model on the dev split; header-only without one."""
    if dev is None:
        k = len(classes)
        return predictions_frame([], [], np.zeros(0, dtype=int), np.zeros((0, k)), classes)
    if len(job.dev_ids) != len(dev):
        raise ValueError(f"{len(job.dev_ids)} dev ids for {len(dev)} dev items")
    probs = predict_proba(job.model, job.forward, DEV_SPLIT, dev, settings, device)
    return predictions_frame(job.dev_ids, job.dev_corpora, dev.labels, probs, classes)


def save_run_files(out_dir: str | Path, classes: Sequence[str], run_config: Mapping[str, Any],
                   result: TrainResult) -> None:  # fmt: skip
    """label_map.json, crossemo_run.json and the training curve next to a saved model."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_label_map(out / LABEL_MAP_FILE, classes)
    summary = {"best_dev_uar": result.best_metric, "best_step": result.best_step,
               "steps": result.steps, "resumed_from": result.resumed_from}  # fmt: skip
    (out / RUN_FILE).write_text(json.dumps({**run_config, "result": summary}, indent=2,
                                           default=str))  # fmt: skip
    write_curve(result.history, out / "training_curve.csv", out / CURVE_FIGURE,
                run_config)  # fmt: skip
