"""Rule make_search_table: the settings each run of a search experiment chose, every trial."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.models.search import write_search_tables  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
write_search_tables(dict(snakemake.input.items()), snakemake.output.table, snakemake.output.trials)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
