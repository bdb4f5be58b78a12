"""Rule make_corpus_fingerprints: files, hours and a digest of each corpus's files."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.corpora.checksums import corpus_fingerprints  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
corpus_fingerprints(
    corpora=snakemake.params.corpora,
    manifest_paths=list(snakemake.input.manifests),
    checksum_paths=list(snakemake.input.checksums),
    output=snakemake.output.table,
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
