"""Rule aggregate_metrics: mean and std over the runs of an experiment."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.evaluate import aggregate_files  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
aggregate_files(list(snakemake.input.metrics), snakemake.output.table)
