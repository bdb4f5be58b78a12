"""Rule test_robustness: speaker fairness under stress and the named robustness tests of one
experiment, with their report pages."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402
from crossemo.stress.robustness_job import robustness_stage  # noqa: E402

route_logging(snakemake.log[0])
robustness_stage(
    dict(snakemake.input.items()),
    dict(snakemake.output.items()),
    experiment=snakemake.wildcards.experiment,
    thresholds=snakemake.params.thresholds,
    interval=snakemake.params.interval,
    min_n=snakemake.params.speaker_min_n,
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
