"""The openSMILE upstream: functionals of GeMAPSv01b (62), eGeMAPSv02 (88) and ComParE_2016 (6373)
per utterance, as the named sets ``gemaps``, ``egemaps`` and ``compare``.

Light at import (the workflow's parse reads its contract); openSMILE and numpy are imported
where features are computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: our feature-set name -> openSMILE ``FeatureSet`` member
OPENSMILE_SETS = {
    "gemaps": "GeMAPSv01b",
    "egemaps": "eGeMAPSv02",
    "compare": "ComParE_2016",
}

# ---- the upstream contract (crossemo.features.upstreams) ----
SETTINGS_KEYS: tuple[str, ...] = ()  # named sets: ``features: egemaps``
CLASSIC, NEURAL = True, False
POOLED, SEQUENCES = True, False
ENV = "features"
#: MB and minutes of one job on one audio shard (one CPU core)
MEM_MB, RUNTIME = 2000, 60


def settings(name: str, spec: Mapping[str, Any] | None) -> str:
    """A named set's job reads its name."""
    return name


def folder(name: str, settings: Any) -> str:
    """A named set's folder is its name."""
    return name


def resources(settings: Any) -> dict[str, int]:
    return {"threads": 1, "gpu": 0, "mem_mb": MEM_MB, "runtime": RUNTIME}


def extract_shard(name: str, settings: Any, audio_paths: Sequence[str | Path], output: str | Path,
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
