"""Rule evaluate_experiment: metrics of every run of an experiment, their mean/std table and
every measure's clustered interval."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.evaluate import evaluate_experiment  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
predictions = dict(snakemake.input.items())
split = predictions.pop("split")
evaluate_experiment(
    predictions,
    snakemake.output.runs,
    snakemake.output.table,
    experiment=snakemake.wildcards.experiment,
    interval=snakemake.params.interval,
    split=split,
    intervals_output=snakemake.output.intervals,
)
