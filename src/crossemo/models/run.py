"""One neural training run of the workflow (rule train_neural): dispatch on the family."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from crossemo.names import NEURAL_EXPERIMENT_KEYS, NEURAL_FAMILIES, job_keys

log = logging.getLogger(__name__)


def train_neural_run(*, experiment: Mapping[str, Any], name: str, run: str,
                     inputs: Mapping[str, Any], outputs: Mapping[str, str], scratch: str,
                     threads: int | None = None) -> None:  # fmt: skip
    """Train run ``run`` of experiment ``name`` (config ``experiment``) from the rule's inputs
    (view, scheme, split; lr_table for "final" after LR CV; features or transcripts; init_model
    when ``model.init_from`` names an earlier stage; encoder when ``model.encoder`` is
    ``{convert: ...}``) and write the model directory and the
    test and dev predictions."""
    from crossemo.models.finetune import read_classes

    experiment = job_keys(experiment, NEURAL_EXPERIMENT_KEYS)  # what the rule's params hold
    model_cfg = dict(experiment["model"])
    family = model_cfg["family"]
    if family not in NEURAL_FAMILIES:
        raise ValueError(f"{name}: not a neural family: {family}")
    classes = read_classes(inputs.get("scheme"))
    info = {"experiment": name, "run": run, "scheme": experiment.get("scheme")}
    if inputs.get("init_model"):  # a later stage: start from that saved model (stages.py)
        from crossemo.models.stages import init_model_config

        model_cfg = init_model_config(model_cfg, inputs["init_model"], classes)
        info["init_model"] = str(inputs["init_model"])
    elif inputs.get("encoder"):  # a CTranslate2 Whisper converted by rule convert_whisper
        model_cfg["encoder"] = {"name": str(inputs["encoder"])}
        info["encoder"] = str(inputs["encoder"])
    common = dict(output_dir=outputs["model"], predictions=outputs["predictions"],
                  dev_predictions=outputs.get("dev_predictions"), scratch=scratch,
                  threads=threads)  # fmt: skip
    if family in ("finetune", "block_expansion"):
        from crossemo.models import lr_cv

        if lr_cv.parse_run(run) is not None:
            lr_cv.cv_run(inputs["view"], classes, model_cfg, run, split_table=inputs.get("split"),
                         **common)  # fmt: skip
            return
        lr = None
        if inputs.get("lr_table"):
            lr = lr_cv.chosen_lr(inputs["lr_table"])
            log.info("LR chosen by cross-validation: %g", lr)
        from crossemo.models.finetune import finetune_view

        finetune_view(inputs["view"], classes, model_cfg, lr=lr, run_info=info, **common)
    elif family == "frozen_head":
        from crossemo.models.frozen import train_head

        train_head(inputs["view"], list(inputs["features"]), classes, model_cfg, run_info=info,
                   **common)  # fmt: skip
    else:
        from crossemo.models.multimodal import train_multimodal

        train_multimodal(inputs["view"], list(inputs["transcripts"]), classes, model_cfg,
                         run_info=info, **common)  # fmt: skip
