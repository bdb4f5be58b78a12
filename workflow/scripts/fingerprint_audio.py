"""Rule fingerprint_audio: the exact and tolerant prints of every clip of one audio shard."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.audio.fingerprint import fingerprint_shard  # noqa: E402
from crossemo.core.runtime import route_logging  # noqa: E402

route_logging(snakemake.log[0])
fingerprint_shard(snakemake.input.shard, snakemake.output.prints)
