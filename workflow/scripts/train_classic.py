"""Rule train_classic: fit a classic family on a fold's training view, predict its test rows."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.models.families import TrainJob, train  # noqa: E402

route_logging(snakemake.log[0])
train(
    TrainJob(
        family=snakemake.params.family,
        experiment=snakemake.params.experiment,
        name=snakemake.wildcards.experiment,
        run=snakemake.wildcards.run,
        inputs=dict(snakemake.input.items()),
        outputs=dict(snakemake.output.items()),
        threads=snakemake.threads,
    )
)
