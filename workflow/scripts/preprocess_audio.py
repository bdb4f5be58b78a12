"""Rule preprocess_audio: decode, resample, denoise and trim one shard of a corpus."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.audio.preprocess import PreprocessSettings, preprocess_shard  # noqa: E402
from crossemo.core.provenance import check_manifest  # noqa: E402
from crossemo.core.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
check_manifest(snakemake.input.manifest, snakemake.wildcards.corpus, snakemake.params.provenance)
preprocess_shard(
    manifest_path=snakemake.input.manifest,
    shard=snakemake.wildcards.shard,
    n_shards=snakemake.params.n_shards,
    settings=PreprocessSettings.from_config(snakemake.params.settings),
    output=snakemake.output.shard,
    rejects_output=snakemake.output.rejects,
)
