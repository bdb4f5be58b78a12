"""Rule extract_ssl_features: hidden states of a frozen encoder for one audio shard."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.models.frozen import extract_shard  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
settings = dict(snakemake.params.settings)
extract_shard(
    settings.pop("encoder"),
    snakemake.input.shard,
    snakemake.output.features,
    threads=snakemake.threads,
    **settings,
)
