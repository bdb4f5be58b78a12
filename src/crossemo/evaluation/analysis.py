"""The analysis jobs of a classic experiment (rules map_features and rank_features): its
feature rows read as its training job reads them, then the embedding map
(:mod:`crossemo.evaluation.embedding`) or the permutation feature importance
(:mod:`crossemo.evaluation.importance`). The per-speaker UAR is part of the evaluation job
(:mod:`crossemo.evaluation.speakers`).

``experiment``: the keys the jobs read (``features``, ``fusion``, ``standardize``; the rules'
params); ``settings``: the config's ``analysis:`` block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: the standardisation of a classic experiment without ``standardize:`` (its schema default)
DEFAULT_STANDARDIZE = "global"


def experiment_features(paths: Sequence[str | Path], experiment: Mapping[str, Any]):
    """The experiment's features by ``utt_id`` (every set's columns under early fusion) and the
    fused blocks' column weights (None for one set)."""
    from crossemo.features import read_features
    from crossemo.features.fusion import block_scale, column_weights, folders, is_fused, read_fused

    spec = experiment.get("features")
    if not is_fused(spec):
        features = read_features(paths)
        return features.loc[~features.index.duplicated()], None
    sets = folders(spec)
    features = read_fused(paths, sets)
    return features, column_weights(list(features.columns), sets,
                                    block_scale(experiment.get("fusion")))  # fmt: skip


def map_stage(inputs: Mapping[str, Any], output: str | Path, experiment: Mapping[str, Any],
              name: str, settings: Mapping[str, Any]) -> None:  # fmt: skip
    """Rule map_features: ``inputs`` (split, features) -> the embedding map ``output``."""
    from crossemo.evaluation.embedding import map_features

    features, weights = experiment_features(list(inputs["features"]), experiment)
    map_features(inputs["split"], features, experiment.get("standardize") or DEFAULT_STANDARDIZE,
                 output, name, points=int(settings["embedding_points"]),
                 seed=int(settings["seed"]), perplexity=float(settings["perplexity"]),
                 weights=weights)  # fmt: skip


def rank_stage(inputs: Mapping[str, Any], outputs: Mapping[str, Any],
               experiment: Mapping[str, Any], name: str,
               settings: Mapping[str, Any]) -> None:  # fmt: skip
    """Rule rank_features: ``inputs`` (split, features, ``model_<run>``) -> the importance
    table and figure (``outputs``: table, figure)."""
    from crossemo.evaluation.importance import rank_features

    models = {k.removeprefix("model_"): v for k, v in inputs.items() if k.startswith("model_")}
    features, _ = experiment_features(list(inputs["features"]), experiment)
    rank_features(models, inputs["split"], features, outputs["table"], outputs["figure"], name,
                  repeats=int(settings["importance_repeats"]), seed=int(settings["seed"]),
                  top=int(settings["importance_top"]))  # fmt: skip
