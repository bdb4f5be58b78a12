"""Rule plot_label_distribution: labels per split and corpus of an experiment."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.report.figures import plot_label_distribution  # noqa: E402

route_logging(snakemake.log[0])
plot_label_distribution(snakemake.input.split, snakemake.output.figure, snakemake.params.experiment)
