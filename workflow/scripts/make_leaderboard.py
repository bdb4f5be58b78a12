"""Rule make_leaderboard: every experiment's runs per test set beside chance, as CSV, Markdown,
HTML and the report's front-page headline."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.report.leaderboard import write_leaderboard  # noqa: E402

route_logging(snakemake.log[0])
write_leaderboard(
    snakemake.input.runs,
    snakemake.input.intervals,
    snakemake.input.metrics,
    experiments=read_inline_json(snakemake.params.experiments),
    outputs=dict(snakemake.output.items()),
    stress=snakemake.input.get("stress", []),
)
