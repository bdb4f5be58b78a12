"""The neural engine: what every neural training run shares before its family's own ``fit``.

Rule train_neural hands a job over (:class:`crossemo.models.families.TrainJob`); :func:`train`
reads the label scheme's classes, starts the model from an earlier stage's saved model
(``init_model``, :mod:`crossemo.models.stages`) or from a converted CTranslate2 Whisper
(``encoder``), and calls the family module's ``fit`` with a :class:`NeuralRun` (its model
settings first chosen by an experiment's ``search:``, :mod:`crossemo.models.search`). The family
writes the model folder and the test and dev predictions (:mod:`crossemo.models.skeleton`).
With ``model.gpus: N`` (N > 1) the job runs in N processes of one data-parallel training
(:mod:`crossemo.models.distributed`), each with its share of the job's threads.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from crossemo.core.names import NEURAL_EXPERIMENT_KEYS, job_keys
from crossemo.models import distributed, families
from crossemo.models.predictions import scheme_classes

log = logging.getLogger(__name__)


@dataclass
class NeuralRun:
    """What a neural family's ``fit`` gets: the run's view, classes and model settings."""

    view: str
    classes: list[str]
    model: dict[str, Any]  #: the experiment's ``model:`` (encoder replaced for later stages)
    run: str  #: run name: main, foldK, fold{k}-lr{lr} (LR CV), final
    inputs: Mapping[str, Any]  #: the rule's inputs (features, transcripts, split, lr_table ...)
    info: dict[str, Any]  #: what the run records in crossemo_run.json
    #: output_dir, predictions, dev_predictions, scratch, threads (train_and_predict's keywords)
    common: dict[str, Any]


def train(family: families.Family, job: families.TrainJob) -> None:
    """Rule train_neural's job for ``family``: prepare the :class:`NeuralRun`, then the
    family's ``fit`` writes the model folder and the predictions; a repeat over seeds with its
    seed (:func:`crossemo.models.repeats.repeat`)."""
    n = distributed.gpus(job.experiment.get("model") or {})
    if n > 1 and not distributed.active():
        if job.experiment.get("search"):
            raise ValueError(
                f"experiments.{job.name}: model.{distributed.GPUS_KEY}: {n} with "
                "search: the search's inner runs train in one process; drop one"
            )
        share = replace(job, threads=max(1, job.threads // n) if job.threads else None)
        distributed.launch(n, _repeat, family, share)
        return
    _repeat(family, job)


def _repeat(family: families.Family, job: families.TrainJob) -> None:
    """:func:`_train` with the job's seed repeat prepared (in each process of a data-parallel
    job)."""
    from crossemo.models.repeats import repeat

    with repeat(job, neural=True) as prepared:
        _train(family, prepared)


def _train(family: families.Family, job: families.TrainJob) -> None:
    experiment = job_keys(job.experiment, NEURAL_EXPERIMENT_KEYS)  # what the rule's params hold
    model_cfg = dict(experiment["model"])
    inputs, outputs = job.inputs, job.outputs
    classes = scheme_classes(inputs.get("scheme"))
    info = {"experiment": job.name, "run": job.run, "scheme": experiment.get("scheme")}
    if inputs.get("init_model"):  # a later stage: start from that saved model (stages.py)
        from crossemo.models.stages import init_model_config

        model_cfg = init_model_config(model_cfg, inputs["init_model"], classes)
        info["init_model"] = str(inputs["init_model"])
    elif inputs.get("encoder"):  # a CTranslate2 Whisper converted by rule convert_whisper
        model_cfg["encoder"] = {"name": str(inputs["encoder"])}
        info["encoder"] = str(inputs["encoder"])
    common = dict(output_dir=outputs["model"], predictions=outputs["predictions"],
                  dev_predictions=outputs.get("dev_predictions"), scratch=job.scratch,
                  threads=job.threads)  # fmt: skip
    run = NeuralRun(str(inputs["view"]), classes, model_cfg, job.run, inputs, info, common)
    if experiment.get("search"):  # the settings chosen by inner group CV on the train rows
        run = searched(family, run, experiment["search"], f"experiments.{job.name}.search")
    family.impl.fit(run)
    if outputs.get("curve") and distributed.is_main():
        copy_curve(outputs["model"], outputs["curve"])


def searched(family: families.Family, run: NeuralRun, search: Mapping[str, Any],
             where: str) -> NeuralRun:  # fmt: skip
    """``run`` with the settings a ``search`` chose (:func:`crossemo.models.search.search_neural`)
    in its model, and the search's record in its ``crossemo_run.json``."""
    from crossemo.models.search import RECORD_KEY, search_neural
    from crossemo.models.search_space import with_settings

    result = search_neural(family, run, search, where)
    return replace(run, model=with_settings(run.model, result.best),
                   info={**run.info, RECORD_KEY: result.record(search)})  # fmt: skip


def copy_curve(model_dir: str | Path, curve: str | Path) -> None:
    """The training curve figure of a saved model folder, copied to ``curve`` (the report's)."""
    from crossemo.models.skeleton import CURVE_FIGURE

    source = Path(model_dir) / CURVE_FIGURE
    if not source.is_file():
        raise FileNotFoundError(f"{source}: the run's family wrote no training curve; its fit "
                                "must save the model with crossemo.models.skeleton")  # fmt: skip
    Path(curve).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, curve)


def load(family: families.Family, folder: Path):
    """Neural families load their own folders (their module's ``load``)."""
    raise NotImplementedError(f"family {family.name}: its module defines no load(folder)")


def train_neural_run(*, experiment: Mapping[str, Any], name: str, run: str,
                     inputs: Mapping[str, Any], outputs: Mapping[str, str], scratch: str,
                     threads: int | None = None) -> None:  # fmt: skip
    """Train run ``run`` of experiment ``name`` (config ``experiment``) from the rule's inputs
    (view, scheme, split; lr_table for "final" after LR CV; features or transcripts; init_model
    when ``model.init_from`` names an earlier stage; encoder when ``model.encoder`` is
    ``{convert: ...}``) and write the model directory and the test and dev predictions."""
    family = families.get(experiment["model"]["family"])
    if family.kind != families.NEURAL:
        raise ValueError(f"{name}: not a neural family: {family.name}")
    family.train(families.TrainJob(family.name, experiment, name, run, inputs, outputs,
                                   threads, scratch))  # fmt: skip
