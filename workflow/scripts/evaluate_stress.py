"""Rule evaluate_stress: an experiment's measures under every stress condition, the paired
differences to clean audio, the breakdown per family and the degradation curves
(crossemo.stress.scoring)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.stress.job import evaluate_stress, split_inputs  # noqa: E402

route_logging(snakemake.log[0])
clean, stressed = split_inputs(dict(snakemake.input.items()))
evaluate_stress(
    clean,
    stressed,
    snakemake.input.split,
    dict(snakemake.output.items()),
    experiment=snakemake.wildcards.experiment,
    conditions=dict(snakemake.params.conditions),
    interval=snakemake.params.interval,
    retained=snakemake.params.retained,
)
