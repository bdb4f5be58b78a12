"""Rule balance_training_set: balance a fold's train split into a training view."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.balance import balance_fold  # noqa: E402
from crossemo.core.names import run_fold_index  # noqa: E402
from crossemo.core.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
balance_fold(
    split_path=snakemake.input.split,
    label_paths=list(snakemake.input.labels),
    fold=run_fold_index(snakemake.wildcards.fold),
    balance=snakemake.params.balance,
    seed=snakemake.params.seed,
    output=snakemake.output.view,
    augmented_output=snakemake.output.augmented,
)
