"""Rule make_deviations_table: the config's `deviations:` (paper's words vs. ours) as a table."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.report.deviations import write_deviations  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
write_deviations(
    read_inline_json(snakemake.params.deviations),
    md=snakemake.output.md,
    csv=snakemake.output.csv,
    title=read_inline_json(snakemake.params.title),
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
