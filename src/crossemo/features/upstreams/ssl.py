"""The SSL upstream: hidden states of a frozen HuBERT/wav2vec2/WavLM-style encoder (any Hugging Face
audio encoder by name or folder, or a tiny one built from a config in code).

Its settings are the ``frozen_head`` model keys that decide the stored features
(:data:`crossemo.core.names.SSL_KEYS`: ``encoder``, ``layer``, ``pooling``, ``batch_seconds``,
``max_seconds``, ``whisper_input``: how a Whisper encoder sees each utterance); its shards hold, per
utterance, the float32 array [layers, frames, dim] (``pooling: mean``: one frame, ``sequence``:
every frame), written by :func:`crossemo.models.frozen.extract_shard`. Light at import (torch and
transformers are imported where features are computed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crossemo.core.names import SSL_KEYS, slug
from crossemo.models.families.keys import WHISPER_INPUTS

# ---- the upstream contract (crossemo.features.upstreams) ----
SETTINGS_KEYS = SSL_KEYS
CLASSIC, NEURAL = False, True  # read by frozen_head (its model keys), not named in `features:`
POOLED, SEQUENCES = True, True  # pooling: mean | sequence
ENV = "train"
#: intra-op threads and minutes of one extraction job
THREADS, RUNTIME = 4, 60


#: the Whisper input of the features when ``whisper_input`` is left out
DEFAULT_WHISPER_INPUT = WHISPER_INPUTS["frozen_head"][0]


def settings(name: str, spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{name: ssl, <the SSL_KEYS present>}`` (absent keys take the extractor's defaults, and
    are left out of the folder's hash, as they always were; so is ``whisper_input`` written
    out as its default, the same extraction)."""
    present = {k: spec[k] for k in SETTINGS_KEYS if k in (spec or {})}
    if present.get("whisper_input") == DEFAULT_WHISPER_INPUT:
        del present["whisper_input"]
    return {"name": name, **present}


def folder(name: str, settings: Mapping[str, Any]) -> str:
    """``ssl-<encoder slug>-<hash of the settings>``: experiments on one encoder and the same
    layer/pooling/batching share one extraction."""
    decisive = {k: v for k, v in settings.items() if k != "name"}
    encoder = decisive.get("encoder")
    label = encoder if isinstance(encoder, str) else (encoder or {}).get("name", "tiny")
    text = json.dumps(decisive, sort_keys=True, default=str)
    return f"ssl-{slug(str(label))}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def tiny(settings: Mapping[str, Any]) -> bool:
    """Whether the encoder runs on a CPU job: built from a config in code (random weights), or
    a converted CTranslate2 Whisper (``{convert: ...}``: the offline tiny.en, cropped to each
    utterance at ~100x real time per CPU-second)."""
    encoder = settings.get("encoder")
    return isinstance(encoder, Mapping) and ("tiny" in encoder or "convert" in encoder)


def resources(settings: Mapping[str, Any]) -> dict[str, int]:
    """A GPU job (none for a tiny encoder); memory for frame sequences of every layer, which
    are large (HuBERT Base, layer all: ~2 MB per second of audio, held twice while written)."""
    if tiny(settings):
        return {"threads": THREADS, "gpu": 0, "mem_mb": 4000, "runtime": RUNTIME}
    mem = 24000 if settings.get("pooling") == "sequence" else 8000
    return {"threads": THREADS, "gpu": 1, "mem_mb": mem, "runtime": RUNTIME}


def extract_shard(name: str, settings: Mapping[str, Any], audio_paths: Sequence[str | Path],
                  output: str | Path, utt_ids: set[str] | None = None, threads: int = 0
                  ) -> dict[str, float]:  # fmt: skip
    """Hidden states of every utterance of one audio shard, written as one feature shard;
    returns the timing (utterances, audio seconds, x real time)."""
    from crossemo.models.frozen import extract_shard as encode_shard

    if utt_ids is not None or len(audio_paths) != 1:
        raise ValueError("SSL features are extracted per audio shard, all its utterances")
    kwargs = {k: v for k, v in settings.items() if k not in ("name", "encoder")}
    return encode_shard(
        settings["encoder"], audio_paths[0], output, threads=threads or None, **kwargs
    )
