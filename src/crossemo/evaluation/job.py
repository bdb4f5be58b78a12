"""The evaluation stage of one experiment, as one job (rule evaluate_experiment).

Every output of the stage reads the same predictions, so one process writes them all instead of
four jobs each paying Python's start-up and the reading again: the runs' metrics and their
mean/std and interval tables (:func:`crossemo.evaluation.runs.evaluate_experiment`), the
confusion figure (:func:`crossemo.evaluation.figures.plot_confusion`), the subgroup table
(:func:`crossemo.evaluation.subgroups.subgroups_files`), the per-speaker table and figure
(:func:`crossemo.evaluation.speakers.speakers_files`) and the calibration table and reliability
diagram (:func:`crossemo.evaluation.calibration.calibration_files`).

Input names (:meth:`crossemo.plan.Plan.evaluation_inputs`): ``split``, ``manifests`` (of the
test corpora), one entry per run (its test predictions), ``view_<run>`` (its training view) and
``dev_<run>`` (its dev predictions; an ensemble's were used to fit it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

VIEW_PREFIX, DEV_PREFIX = "view_", "dev_"


def split_inputs(inputs: Mapping[str, str | Sequence[str]]) -> dict[str, dict]:
    """The named inputs sorted into ``predictions``, ``views`` and ``dev`` (run -> file) and
    ``split`` / ``manifests``."""
    files = dict(inputs)
    split, manifests = files.pop("split"), list(files.pop("manifests", []))
    views = {k.removeprefix(VIEW_PREFIX): v for k, v in files.items() if k.startswith(VIEW_PREFIX)}
    dev = {k.removeprefix(DEV_PREFIX): v for k, v in files.items() if k.startswith(DEV_PREFIX)}
    predictions = {k: v for k, v in files.items() if not k.startswith((VIEW_PREFIX, DEV_PREFIX))}
    return {"predictions": predictions, "views": views, "dev": dev, "split": split,
            "manifests": manifests}  # fmt: skip


def evaluate_stage(inputs: Mapping[str, str | Sequence[str]], outputs: Mapping[str, str | Path],
                   experiment: str, interval: Mapping | None = None,
                   calibration: Mapping | None = None, speaker_min_n: int = 10
                   ) -> None:  # fmt: skip
    """Write every evaluation output of ``experiment`` (``outputs``: runs, table, intervals,
    confusion, subgroups, speakers, speakers_figure, calibration, reliability)."""
    from crossemo.evaluation.calibration import calibration_files
    from crossemo.evaluation.figures import plot_confusion
    from crossemo.evaluation.runs import evaluate_experiment
    from crossemo.evaluation.speakers import speakers_files
    from crossemo.evaluation.subgroups import subgroups_files

    files = split_inputs(inputs)
    evaluate_experiment(files["predictions"], outputs["runs"], outputs["table"],
                        experiment=experiment, interval=interval, split=files["split"],
                        intervals_output=outputs["intervals"])  # fmt: skip
    plot_confusion([outputs["runs"]], outputs["confusion"], experiment, outputs["intervals"])
    subgroups_files(files["predictions"], files["split"], files["manifests"],
                    outputs["subgroups"], experiment=experiment, interval=interval)  # fmt: skip
    speakers_files(files["predictions"], files["split"], outputs["speakers"],
                   outputs["speakers_figure"], experiment=experiment, interval=interval,
                   min_n=speaker_min_n)  # fmt: skip
    calibration_files(files["predictions"], files["dev"], files["views"],
                      outputs["calibration"], outputs["reliability"], experiment=experiment,
                      settings=calibration, interval=interval, split=files["split"])  # fmt: skip
