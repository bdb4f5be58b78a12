"""Rule train_classic: fit a classic model on a fold's training view, predict its test rows."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.models.classic import train_classic_run  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
train_classic_run(
    view_path=snakemake.input.view,
    split_path=snakemake.input.split,
    scheme_path=snakemake.input.scheme,
    feature_paths=list(snakemake.input.features),
    augmented_path=snakemake.input.get("augmented"),
    experiment=snakemake.params.experiment,
    family=snakemake.params.family,
    name=snakemake.wildcards.experiment,
    run=snakemake.wildcards.run,
    outputs=dict(snakemake.output.items()),
    threads=snakemake.threads,
)
