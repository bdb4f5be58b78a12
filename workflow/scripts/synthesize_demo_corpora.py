"""Rule synthesize_demo_corpora: write the espeak-ng demo corpora."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.demo import synthesize  # noqa: E402

route_logging(snakemake.log[0])
synthesize(Path(snakemake.output[0]), seed=snakemake.params.seed, corpora=snakemake.params.corpora)
