"""Rule segment_clips: cut the StrEmo clips and write the corpus manifest and rejects."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.strEmo.sheet import write_segments  # noqa: E402

route_logging(snakemake.log[0])
write_segments(
    sheet=snakemake.params.sheet,
    status_path=snakemake.input.status,
    clip_dir=snakemake.output.clips,
    corpus=snakemake.wildcards.corpus,
    manifest_path=snakemake.output.manifest,
    rejects_path=snakemake.output.rejects,
    overlaps_csv=snakemake.output.overlaps,
    tolerance_s=snakemake.params.tolerance_s,
    threads=snakemake.threads,
)
