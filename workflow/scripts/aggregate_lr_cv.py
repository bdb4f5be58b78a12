"""Rule aggregate_lr_cv: CV predictions (fold x LR) -> the LR table and the chosen LR."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.models.lr_cv import aggregate_files  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
aggregate_files(
    dict(snakemake.input.items()),
    snakemake.output.table,
    snakemake.params.metric,
    snakemake.params.select_on,
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
