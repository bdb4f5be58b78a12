"""Rules extract_features / extract_augmented_features / extract_stress_features: one feature
shard per audio shard, by any upstream (params.featureset: a named set's name, or
{name: <upstream>, <settings>})."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.features import extract_shard  # noqa: E402

route_logging(snakemake.log[0])
extract_shard(
    snakemake.input.shard,
    snakemake.params.featureset,
    snakemake.output.features,
    threads=snakemake.threads,
)
