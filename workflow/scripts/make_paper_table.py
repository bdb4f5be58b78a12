"""Rule make_paper_table: a paper's reference values beside ours (Markdown, CSV, LaTeX)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402
from crossemo.report.tables import write_paper_table  # noqa: E402

route_logging(snakemake.log[0])
write_paper_table(
    snakemake.wildcards.table,
    snakemake.input.reference,
    bindings=read_inline_json(snakemake.params.bindings),
    md=snakemake.output.md,
    csv=snakemake.output.csv,
    tex=snakemake.output.tex,
    n_boot=snakemake.params.bootstrap,
    seed=snakemake.params.seed,
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
