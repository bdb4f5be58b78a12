"""Rule checksum_corpus: SHA-256 of every source file of a corpus's manifest."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.corpora.checksums import checksum_corpus  # noqa: E402

route_logging(snakemake.log[0])
checksum_corpus(
    manifest_path=snakemake.input.manifest,
    output=snakemake.output.checksums,
    threads=snakemake.threads,
)
