"""The openSMILE upstream: functionals of GeMAPSv01b (62), eGeMAPSv02 (88) and ComParE_2016 (6373)
per utterance, as the named sets ``gemaps``, ``egemaps`` and ``compare``.

Light at import (the workflow's parse reads its contract); openSMILE and numpy are imported
where features are computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossemo.features.upstreams.named import (  # noqa: F401  (the upstream contract of a named set)
    CLASSIC,
    ENV,
    NEURAL,
    POOLED,
    SEQUENCES,
    SETTINGS_KEYS,
    folder,
    resources,
    settings,
)

if TYPE_CHECKING:
    import numpy as np

#: our feature-set name -> openSMILE ``FeatureSet`` member
OPENSMILE_SETS = {
    "gemaps": "GeMAPSv01b",
    "egemaps": "eGeMAPSv02",
    "compare": "ComParE_2016",
}


def extract_shard(name: str, _settings: Any, audio_paths: Sequence[str | Path], output: str | Path,
                  utt_ids: set[str] | None = None, threads: int = 0) -> Any:  # fmt: skip
    """Functionals of every (or the selected) utterance, written as one feature shard."""
    from crossemo.features.shards import vector_frame, write_features

    return write_features(
        vector_frame(OpenSmileExtractor(name), audio_paths, utt_ids, name), output
    )


def extractor(featureset: str):
    """The per-utterance callable ``(samples, sample_rate) -> float32 vector`` (``names``)."""
    return OpenSmileExtractor(featureset)


class OpenSmileExtractor:
    """Functionals of one openSMILE feature set; ``names`` are openSMILE's own column names."""

    def __init__(self, featureset: str):
        import opensmile  # heavy import, only where needed

        if featureset not in OPENSMILE_SETS:
            raise ValueError(f"unknown openSMILE feature set {featureset!r}")
        self.featureset = featureset
        self._smile = opensmile.Smile(
            feature_set=getattr(opensmile.FeatureSet, OPENSMILE_SETS[featureset]),
            feature_level=opensmile.FeatureLevel.Functionals,
        )
        self.names: list[str] = list(self._smile.feature_names)

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        import numpy as np

        frame = self._smile.process_signal(np.asarray(samples, dtype=np.float32), sample_rate)
        return frame.to_numpy(dtype=np.float32).reshape(-1)
