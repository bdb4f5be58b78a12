"""Rule make_split: the experiment's split table and audit (fails on any leak)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402
from crossemo.splits.build import make_split  # noqa: E402

route_logging(snakemake.log[0])
make_split(
    label_paths=list(snakemake.input.labels),
    scheme_path=snakemake.input.scheme,
    experiment=snakemake.params.experiment,
    name=snakemake.wildcards.experiment,
    output=snakemake.output.split,
    audit_output=snakemake.output.audit,
    manifest_paths=list(snakemake.input.manifests),
    print_paths=list(snakemake.input.prints),
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
