"""Rule make_seeds_table: mean, std and per-seed values of an experiment's repeats over seeds."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.evaluation.seeds import write_seeds_table  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
write_seeds_table(snakemake.input.intervals, snakemake.output.table)
write_pages(dict(snakemake.output.items()))  # the table's report page, beside it
