"""Rule transcribe_shard: Whisper transcripts of one preprocessed audio shard."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.transcripts.transcribe import TranscribeSettings, transcribe_shard  # noqa: E402

route_logging(snakemake.log[0])
transcribe_shard(
    snakemake.input.shard,
    snakemake.output.transcripts,
    TranscribeSettings.from_config(snakemake.params.settings),
    cpu_threads=snakemake.threads,
)
