"""Rule compare_experiments: A - B of one measure, paired (same test utterances) or unpaired."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.evaluation.comparisons import compare_files  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
compare_files(
    snakemake.input.a,
    snakemake.input.b,
    list(snakemake.input.split),
    snakemake.output.table,
    name=snakemake.wildcards.comparison,
    sides=snakemake.params.comparison["sides"],
    metric=snakemake.params.comparison["metric"],
    interval=snakemake.params.interval,
    permutations=snakemake.params.permutations,
    paired=snakemake.params.comparison["paired"],
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
