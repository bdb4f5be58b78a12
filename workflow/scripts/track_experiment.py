"""Rule track_experiment: log each run of the experiment to the configured trackers."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.tracking.stage import track_stage  # noqa: E402

route_logging(snakemake.log[0])
params = read_inline_json(snakemake.params.tracking)
track_stage(
    dict(snakemake.input.items()),
    snakemake.output.table,
    experiment=snakemake.wildcards.experiment,
    settings=params["settings"],
    experiment_config=params["experiment"],
    store=snakemake.params.store,
    tensorboard_dir=snakemake.params.tensorboard,
)
