"""Rule perturb_audio: one preprocessed audio shard under one stress condition."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.stress.shards import perturb_shard  # noqa: E402

route_logging(snakemake.log[0])
perturb_shard(
    snakemake.input.shard,
    snakemake.params.condition,
    snakemake.params.seed,
    snakemake.output.shard,
    babble=list(snakemake.input.babble),
    talkers=snakemake.params.talkers,
)
