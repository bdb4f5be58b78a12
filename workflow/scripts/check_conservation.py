"""Rule check_conservation: found = ingested + rejected ... per corpus; fails when unbalanced."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.report.conservation import check_conservation  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402

route_logging(snakemake.log[0])
keys = ["manifests", "manifest_rejects", "shards", "shard_rejects", "labels", "dropped"]
check_conservation(
    {k: list(snakemake.input[k]) for k in keys},
    snakemake.output.table,
    snakemake.output.losses,
)
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
