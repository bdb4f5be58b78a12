"""Rule plot_confusion: confusion matrices of an experiment, summed over folds."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.report.figures import plot_confusion  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
plot_confusion([snakemake.input.metrics], snakemake.output.figure, snakemake.params.experiment)
