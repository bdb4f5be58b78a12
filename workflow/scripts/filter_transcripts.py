"""Rule filter_transcripts: the MOSEI similarity + emotion-score filter and its step counts."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402
from crossemo.transcripts.filters import FilterSettings, filter_files  # noqa: E402

route_logging(snakemake.log[0])
steps = filter_files(
    snakemake.input.manifest,
    list(snakemake.input.transcripts),
    FilterSettings.from_config(snakemake.params.settings),
    snakemake.output.table,
    snakemake.output.steps,
)
logging.getLogger("filter").info("\n%s", steps.to_string(index=False))
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
