"""Rule evaluate_subgroups: metrics per speaker subgroup with clustered intervals and the
largest gap per attribute."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.runtime import route_logging  # noqa: E402
from crossemo.subgroups import subgroups_files  # noqa: E402

route_logging(snakemake.log[0])
predictions = dict(snakemake.input.items())
split, manifests = predictions.pop("split"), predictions.pop("manifests")
subgroups_files(
    predictions,
    split,
    list(manifests),
    snakemake.output.table,
    experiment=snakemake.wildcards.experiment,
    interval=snakemake.params.interval,
)
