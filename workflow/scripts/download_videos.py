"""Rule download_videos: every video of a StrEmo sheet once, with a per-video status table."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.report.pages import write_pages  # noqa: E402
from crossemo.strEmo.download import DownloadSettings, download_sheet, write_status  # noqa: E402

route_logging(snakemake.log[0])
status = download_sheet(
    read_inline_json(snakemake.params.sheet),
    snakemake.params.audio_dir,
    DownloadSettings.from_config(read_inline_json(snakemake.params.settings)),
    serve_dir=read_inline_json(snakemake.params.serve_dir),
)
write_status(status, snakemake.output.status, snakemake.output.table)
logging.getLogger("download").info("\n%s", status["status"].value_counts().to_string())
write_pages(dict(snakemake.output.items()))  # the tables' report pages, beside them
