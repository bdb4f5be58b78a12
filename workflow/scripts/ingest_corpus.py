"""Rule ingest_corpus: scan a corpus root into its manifest and rejects."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.provenance import describe_source  # noqa: E402
from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.corpora import ingest, register  # noqa: E402
from crossemo.corpora.manifest import summarize, write_ingest  # noqa: E402

route_logging(snakemake.log[0])
register(snakemake.params.adapter, snakemake.params.adapter_module)  # one of the config's own
manifest, rejects = ingest(
    snakemake.params.adapter,
    snakemake.params.root,
    snakemake.wildcards.scanned_corpus,
    threads=snakemake.threads,
    **snakemake.params.options,
)
source = dict(
    adapter=snakemake.params.adapter,
    root=snakemake.params.root,
    options=snakemake.params.options,
)
write_ingest(
    manifest,
    rejects,
    snakemake.output.manifest,
    snakemake.output.rejects,
    provenance=describe_source(source),
)
logging.getLogger("ingest").info("\n%s", summarize(manifest, rejects))
