"""Rule publish_stage_table: a CSV of another stage (split audit, download status) as report."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.report.figures import publish_table  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
publish_table(snakemake.input.table, snakemake.output.table)
