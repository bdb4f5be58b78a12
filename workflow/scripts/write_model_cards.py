"""Rule write_model_cards: each run's README.md model card and the experiment's card index."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.core.safe_text import read_inline_json  # noqa: E402
from crossemo.evaluation.cards import cards_stage  # noqa: E402

route_logging(snakemake.log[0])
cards_stage(
    dict(snakemake.input.items()),
    snakemake.output.index,
    experiment=snakemake.wildcards.experiment,
    card=read_inline_json(snakemake.params.card),
)
