"""Rule make_ensemble_table: an ensemble's members and the ensemble side by side, per run."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.models.ensemble import ensemble_table  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
ensemble_table(dict(snakemake.input.items()), snakemake.output.table,
               experiment=snakemake.wildcards.experiment)  # fmt: skip
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
