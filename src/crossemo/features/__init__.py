"""Utterance-level acoustic features as Parquet shards, and standardisation at training time.

- :mod:`crossemo.features.settings`: feature sets by name or config mapping, and the folder each
  writes (light: the workflow's plan imports it at every parse).
- :mod:`crossemo.features.shards`: extraction over audio shards, writing and reading shards.
- :mod:`crossemo.features.standardize`: :class:`Standardizer`, fitted on training rows only.
- :mod:`crossemo.features.handcrafted`, :mod:`~crossemo.features.opensmile_features`,
  :mod:`~crossemo.features.whisper`: the extractors.

The names of the heavy modules (numpy, pandas, pandera) are re-exported here when first used, so
``from crossemo.features import Standardizer`` works and ``import crossemo.features`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from crossemo.features.settings import CONFIGURED, featureset_name, featureset_settings

if TYPE_CHECKING:
    from crossemo.features.shards import (
        FeatureShard,
        extract,
        extract_shard,
        extractor,
        read_features,
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
    "write_features",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"crossemo.features.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
