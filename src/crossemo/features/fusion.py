"""Early fusion: several feature sets of one classic experiment, concatenated per utterance.

A classic experiment's ``features:`` may list two or more feature sets (``[egemaps, {name:
whisper, ...}]``). Each set is extracted once into its own folder, shared with every other
experiment on it; the training job reads every set's shards and joins them on ``utt_id``
(:func:`read_fused`), each column renamed ``<folder>/<column>`` (:data:`SEPARATOR`) so names
stay unique and say their set. A set that lacks utterances another set has is an error naming
the sets and their counts: an utterance is never dropped silently, and a set never fills in for
another.

Each set's columns are standardised as the experiment's ``standardize`` says; then
``fusion.block_scale`` (:func:`column_weights`) decides how each set (block) weighs:

- ``equal`` (the default): each block is divided by the square root of its width, and the whole
  vector multiplied by ``sqrt(total width / number of sets)``. Every set then adds the same
  expected squared distance between two utterances, so 88 eGeMAPS columns are not drowned by
  768 or 2000 Whisper columns in an RBF kernel or a nearest-neighbour distance, while the total
  variance (and so a ``gamma`` grid written for the concatenated width) is unchanged.
- ``none``: columns as standardised; each set weighs by its width.

Light at module level (the plan imports it at every parse): pandas and numpy are imported by the
functions that read features.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossemo.features import upstreams

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: between a set's folder and its own column name in a fused column (``egemaps/F0...``)
SEPARATOR = "/"
#: ``fusion.block_scale`` values (config/README.md, ``fusion``)
BLOCK_SCALES = ("equal", "none")
DEFAULT_BLOCK_SCALE = "equal"


def is_fused(features: Any) -> bool:
    """Whether an experiment's ``features:`` lists several sets (early fusion)."""
    return isinstance(features, list)


def specs(features: Any) -> list[Any]:
    """The feature sets of ``features:`` as a list (one item for a single set)."""
    return list(features) if is_fused(features) else [features]


def folders(features: Any) -> list[str]:
    """Folder of each set of ``features:`` (:func:`crossemo.features.upstreams.folder`)."""
    return [upstreams.folder(spec) for spec in specs(features)]


def block_scale(fusion: Mapping[str, Any] | None) -> str:
    """The ``block_scale`` of an experiment's ``fusion:`` entry (its default when absent)."""
    scale = (fusion or {}).get("block_scale", DEFAULT_BLOCK_SCALE)
    if scale not in BLOCK_SCALES:
        raise ValueError(f"fusion.block_scale must be one of {BLOCK_SCALES}, not {scale!r}")
    return str(scale)


def group_paths(paths: Iterable[str | Path], sets: Sequence[str]) -> dict[str, list[str]]:
    """Feature files by set folder: each path goes to the set whose folder is its first
    component that names one (``results/features/<folder>/...``: a corpus or experiment
    folder further down may share a set's name)."""
    groups: dict[str, list[str]] = {s: [] for s in sets}
    for path in paths:
        owner = next((part for part in Path(path).parts if part in groups), None)
        if owner is None:
            raise ValueError(f"feature file {path} lies in none of the fused sets' folders "
                             f"{list(sets)}")  # fmt: skip
        groups[owner].append(str(path))
    empty = [s for s, files in groups.items() if not files]
    if empty:
        raise ValueError(f"no feature files of the fused set(s) {empty}")
    return groups


def fuse(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Set folder -> features indexed by ``utt_id``, joined column-wise in the given order,
    each column renamed ``<folder>/<column>``. ValueError when the sets hold different
    utterances (which sets lack how many, with examples)."""
    import pandas as pd

    ids = {name: set(frame.index) for name, frame in frames.items()}
    union = set().union(*ids.values())
    missing = {name: sorted(union - own) for name, own in ids.items() if union - own}
    if missing:
        said = "; ".join(f"{name} lacks {len(m)} (e.g. {m[:2]})" for name, m in missing.items())
        counts = ", ".join(f"{name}: {len(own)}" for name, own in ids.items())
        raise ValueError(
            f"the fused feature sets hold different utterances ({counts}): {said}. Every set "
            "must have features of every utterance: rerun the extraction of the lacking set"
        )
    first = next(iter(frames.values())).index
    parts = [prefixed(frame.loc[first], name) for name, frame in frames.items()]
    return pd.concat(parts, axis=1)


def read_fused(paths: Iterable[str | Path], sets: Sequence[str]) -> pd.DataFrame:
    """Rule train_classic of a fused experiment: every set's shards (``paths``, the sets'
    folders ``sets``), each read as one set's features, deduplicated and :func:`fuse`\\ d."""
    from crossemo.features.shards import read_features

    frames = {}
    for name, files in group_paths(paths, sets).items():
        frame = read_features(files)
        frames[name] = frame.loc[~frame.index.duplicated()]
    return fuse(frames)


def column_weights(columns: Sequence[str], sets: Sequence[str], scale: str) -> np.ndarray | None:
    """Multiplier of each fused column after standardisation (the module docstring): None for
    ``none``; for ``equal``, ``sqrt(total / (n_sets * width))`` on a set of ``width`` columns."""
    import numpy as np

    if scale not in BLOCK_SCALES:
        raise ValueError(f"fusion.block_scale must be one of {BLOCK_SCALES}, not {scale!r}")
    if scale == "none":
        return None
    owner = [next((s for s in sets if c.startswith(f"{s}{SEPARATOR}")), None) for c in columns]
    if None in owner:
        raise ValueError(f"column {columns[owner.index(None)]!r} is of none of the sets {sets}")
    width = {s: owner.count(s) for s in sets}
    total = len(columns)
    return np.array([math.sqrt(total / (len(sets) * width[s])) for s in owner])


def run_weights(columns: Sequence[str], experiment: Mapping[str, Any]) -> np.ndarray | None:
    """Column weights of a classic run (:func:`column_weights` of its ``features:`` and
    ``fusion:``); None for a single feature set, which is never rescaled."""
    features = experiment.get("features")
    if not is_fused(features):
        return None
    return column_weights(columns, folders(features), block_scale(experiment.get("fusion")))


def prefixed(frame: pd.DataFrame, folder: str) -> pd.DataFrame:
    """One set's features with its columns renamed as in a fused table."""
    return frame.add_prefix(f"{folder}{SEPARATOR}")
