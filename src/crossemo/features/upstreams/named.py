"""What the named feature sets share (``features: egemaps``, ``features: handcrafted94``): the
job reads the set's name, the folder is the name, and one job on one audio shard takes one core.
The upstreams of named sets (:mod:`.opensmile`, :mod:`.handcrafted`) take these as their contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SETTINGS_KEYS: tuple[str, ...] = ()  # a named set: no settings
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
