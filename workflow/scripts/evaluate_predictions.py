"""Rule evaluate_predictions: metrics of one run's predictions (per test corpus and overall)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.evaluate import evaluate_file  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
evaluate_file(
    snakemake.input.predictions,
    snakemake.output.metrics,
    experiment=snakemake.wildcards.experiment,
    run=snakemake.wildcards.run,
    n_boot=snakemake.params.bootstrap,
    seed=snakemake.params.seed,
)
