"""Rule rank_features: permutation feature importance of a classic experiment on named features."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.evaluation.analysis import rank_stage  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
rank_stage(
    dict(snakemake.input.items()),
    dict(snakemake.output.items()),
    read_inline_json(snakemake.params.experiment),
    snakemake.wildcards.experiment,
    dict(snakemake.params.settings),
)
write_pages(dict(snakemake.output.items()))  # the table's report page, beside it
