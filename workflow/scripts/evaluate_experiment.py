"""Rule evaluate_experiment: the evaluation stage of an experiment in one job - metrics of every
run with their mean/std and interval tables, confusion figure, subgroups, speakers and
calibration."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.evaluation.job import evaluate_stage  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
evaluate_stage(
    dict(snakemake.input.items()),
    dict(snakemake.output.items()),
    experiment=snakemake.wildcards.experiment,
    interval=snakemake.params.interval,
    calibration=snakemake.params.calibration,
    speaker_min_n=snakemake.params.speaker_min_n,
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
