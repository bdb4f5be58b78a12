"""Rules train_classic, train_neural and combine_ensemble: one run of a model family
(crossemo.models.families): a classic family on a fold's training view, a neural one
(fine-tuning, LR CV fold, block expansion, frozen features + head, speech+text; resumes from
results/scratch/ after a kill), or an ensemble of other experiments' predictions."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.models.families import TrainJob, train  # noqa: E402

params = snakemake.params
route_logging(snakemake.log[0])
train(
    TrainJob(
        # a classic run names its family (an experiment may list several); a neural one has one
        family=params.get("family") or params.experiment["model"]["family"],
        experiment=params.experiment,
        name=snakemake.wildcards.experiment,
        run=snakemake.wildcards.run,
        inputs=dict(snakemake.input.items()),
        outputs=dict(snakemake.output.items()),
        threads=snakemake.threads,
        scratch=params.get("scratch"),
    )
)
