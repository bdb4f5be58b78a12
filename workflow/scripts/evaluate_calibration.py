"""Rule evaluate_calibration: ECE and Brier per test corpus before and after temperature scaling
and prior-shift correction, and the reliability diagram."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.calibration import calibration_files  # noqa: E402
from crossemo.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
files = dict(snakemake.input.items())
views = {k.removeprefix("view_"): v for k, v in files.items() if k.startswith("view_")}
dev = {k.removeprefix("dev_"): v for k, v in files.items() if k.startswith("dev_")}
predictions = {k: v for k, v in files.items() if not k.startswith(("view_", "dev_"))}
calibration_files(
    predictions,
    dev,
    views,
    snakemake.output.table,
    snakemake.output.figure,
    experiment=snakemake.wildcards.experiment,
    settings=snakemake.params.calibration,
)
