"""Rule predict_stressed: every trained run of an experiment on one stress condition's test
inputs (crossemo.stress.predict)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.stress.predict import predict_stressed  # noqa: E402

route_logging(snakemake.log[0])
predict_stressed(
    dict(snakemake.input.items()),
    snakemake.output.predictions,
    experiment=snakemake.wildcards.experiment,
    condition=snakemake.wildcards.condition,
    runs=dict(snakemake.params.runs),
    threads=snakemake.threads,
)
