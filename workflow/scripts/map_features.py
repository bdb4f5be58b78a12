"""Rule map_features: the t-SNE map of a classic experiment's standardised feature rows."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.evaluation.analysis import map_stage  # noqa: E402

route_logging(snakemake.log[0])
map_stage(
    dict(snakemake.input.items()),
    snakemake.output.figure,
    read_inline_json(snakemake.params.experiment),
    snakemake.wildcards.experiment,
    dict(snakemake.params.settings),
)
