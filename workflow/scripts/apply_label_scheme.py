"""Rule apply_label_scheme: map one corpus onto a label scheme; dropped rows with reasons."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.provenance import check_manifest  # noqa: E402
from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.labels import label_corpus  # noqa: E402

route_logging(snakemake.log[0])
check_manifest(snakemake.input.manifest, snakemake.wildcards.corpus, snakemake.params.provenance)
label_corpus(
    manifest_path=snakemake.input.manifest,
    shard_paths=list(snakemake.input.shards),
    reject_paths=list(snakemake.input.rejects),
    scheme_path=snakemake.input.scheme,
    filter_path=snakemake.input.get("filter") if snakemake.params.has_filter else None,
    output=snakemake.output.labels,
    dropped_output=snakemake.output.dropped,
)
