"""openSMILE functionals: GeMAPSv01b (62), eGeMAPSv02 (88) and ComParE_2016 (6373) per utterance."""

from __future__ import annotations

import numpy as np

#: our feature-set name -> openSMILE ``FeatureSet`` member
OPENSMILE_SETS = {
    "gemaps": "GeMAPSv01b",
    "egemaps": "eGeMAPSv02",
    "compare": "ComParE_2016",
}


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
        frame = self._smile.process_signal(np.asarray(samples, dtype=np.float32), sample_rate)
        return frame.to_numpy(dtype=np.float32).reshape(-1)
