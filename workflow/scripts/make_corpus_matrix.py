"""Rule make_corpus_matrix: every training source x every test corpus of a corpus_matrix
experiment, as a table and a heatmap with clustered intervals."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.report.corpus_matrix import corpus_matrix_files  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
corpus_matrix_files(
    snakemake.input.metrics,
    snakemake.output.table,
    snakemake.output.figure,
    experiment=snakemake.wildcards.experiment,
    matrix=snakemake.params.matrix,
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
