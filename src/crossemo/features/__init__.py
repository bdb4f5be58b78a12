"""Utterance-level acoustic features as Parquet shards, and standardisation at training time.

- :mod:`crossemo.features.upstreams`: the registry of feature extractors ("upstreams": openSMILE
  sets, the hand-crafted set, SSL encoders, Whisper), one module each, and the one folder-name
  function (:func:`featureset_name`) (light: the workflow's plan imports it at every parse).
- :mod:`crossemo.features.shards`: the one extraction function (:func:`extract_shard`,
  dispatched to the upstream), writing and reading shards.
- :mod:`crossemo.features.standardize`: :class:`Standardizer`, fitted on training rows only.

The names of the heavy modules (numpy, pandas, pandera) are re-exported here when first used, so
``from crossemo.features import Standardizer`` works and ``import crossemo.features`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crossemo.features.shards import (
        FeatureShard,
        extract,
        extract_shard,
        extractor,
        read_features,
        vector_frame,
        write_features,
    )
    from crossemo.features.standardize import STANDARDIZE, Standardizer

#: name -> module (under crossemo.features) that defines it, imported on first use
_LAZY = {
    "FeatureShard": "shards",
    "extract": "shards",
    "extract_shard": "shards",
    "extractor": "shards",
    "read_features": "shards",
    "vector_frame": "shards",
    "write_features": "shards",
    "STANDARDIZE": "standardize",
    "Standardizer": "standardize",
}

__all__ = [
    "CONFIGURED",
    "STANDARDIZE",
    "FeatureShard",
    "Standardizer",
    "extract",
    "extract_shard",
    "extractor",
    "featureset_name",
    "featureset_settings",
    "read_features",
    "vector_frame",
    "write_features",
]


def featureset_name(featureset: Any) -> str:
    """Folder of a feature set under ``results/features/`` (:func:`upstreams.folder`)."""
    from crossemo.features import upstreams

    return upstreams.folder(featureset)


def featureset_settings(featureset: Any) -> str | dict[str, Any]:
    """A feature set as its extraction job reads it (:func:`upstreams.settings`)."""
    from crossemo.features import upstreams

    return upstreams.settings(featureset)


def __getattr__(name: str) -> Any:
    if name == "CONFIGURED":  # feature sets given by a config mapping ({name: whisper, ...})
        from crossemo.features import upstreams

        return upstreams.configured()
    if name in _LAZY:
        return getattr(importlib.import_module(f"crossemo.features.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
