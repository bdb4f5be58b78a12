"""Upstreams (feature extractors, in s3prl's word): the one registry of feature-set names.

Each upstream is one module (its contract below); :data:`BUILTIN` maps every feature-set name
to the dotted path of the module that makes it, and a config may add its own
(``upstreams: {toy: my_package.toy_upstream}``, :func:`register_config`). Everything that lists
feature sets reads this registry: :data:`crossemo.core.names.FEATURESETS`, the plan
(:mod:`crossemo.plan`, one folder name per setting: :func:`folder`), the rules' wildcard
constraints, the config schema's enum (:func:`fill_schema`; a test keeps the shipped schema in
step) and the library's one extraction function (:func:`crossemo.features.extract_shard`).

This module imports the standard library only, and an upstream module is imported when first
used; upstream modules themselves import numpy/torch/opensmile inside their ``extract``, so the
workflow's parse (``rules/common.smk``) stays light.

The contract of an upstream module (duck-typed; :func:`upstream` checks the attributes):

- ``SETTINGS_KEYS``: the config keys it takes beside ``name`` (``()``: a named set, written as
  ``features: <name>``; otherwise a mapping ``features: {name: <name>, ...}``).
- ``CLASSIC`` / ``NEURAL``: whether classic experiments name it in ``features:`` / neural heads
  read it (``frozen_head``'s encoder settings).
- ``POOLED`` / ``SEQUENCES``: whether its shards hold one vector per utterance (``utt_id`` +
  float32 columns, what classic families read) and/or frame sequences (neural heads).
- ``ENV``: the conda env of its extraction jobs (``envs/<ENV>.yaml``).
- ``settings(name, spec) -> str | dict``: the feature set as its job reads it (rule params):
  a named set as its name, a configured one as its full settings with defaults filled in.
- ``folder(name, settings) -> str``: its folder under ``results/features/`` (one per distinct
  extraction, so experiments on the same settings share shards).
- ``resources(settings) -> dict``: ``threads``, ``gpu``, ``mem_mb``, ``runtime`` (minutes) of one
  extraction job on one audio shard (memory and runtime are multiplied by the attempt).
- ``extract_shard(name, settings, audio_paths, output, utt_ids=None, threads=0)``: extract the
  utterances of the audio shards and write one feature shard (a pooled upstream returns the
  frame it wrote: :func:`crossemo.features.shards.write_features`).
- optional ``extractor(name)``: a per-utterance callable ``(samples, rate) -> vector`` with
  ``names`` (:func:`crossemo.features.shards.vector_frame` makes a shard of it).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

#: feature-set name -> module of its upstream (the built-in ones; :func:`register` adds more)
BUILTIN: dict[str, str] = {
    "gemaps": f"{__name__}.opensmile",
    "egemaps": f"{__name__}.opensmile",
    "compare": f"{__name__}.opensmile",
    "handcrafted94": f"{__name__}.handcrafted",
    "whisper": f"{__name__}.whisper",
    "ssl": f"{__name__}.ssl",
}
#: what every upstream module defines (the contract above)
CONTRACT = ("SETTINGS_KEYS", "CLASSIC", "NEURAL", "POOLED", "SEQUENCES", "ENV", "settings",
            "folder", "resources", "extract_shard")  # fmt: skip

_REGISTERED: dict[str, str] = {}


def register(name: str, module: str) -> None:
    """Add the upstream ``name`` made by ``module`` (a dotted path importable from the
    workflow's Python path): one line, ``register("toy", "my_package.toy_upstream")``."""
    known = {**BUILTIN, **_REGISTERED}
    if name in known and known[name] != module:
        raise ValueError(f"upstream {name!r} is already {known[name]}, not {module}")
    _REGISTERED[name] = module


def register_config(config: Mapping[str, Any]) -> None:
    """Register the config's own upstreams (``upstreams: {name: dotted.module}``); ConfigError
    naming the key for a module that is not on the Python path."""
    from crossemo.core.configuration import require_module

    for name, module in dict(config.get("upstreams") or {}).items():
        require_module(f"upstreams.{name}", str(module))
        register(str(name), str(module))


def registry() -> dict[str, str]:
    """Every feature-set name -> its module: the built-in ones, then the registered ones."""
    return {**BUILTIN, **_REGISTERED}


def upstream(name: str) -> ModuleType:
    """The module of the upstream ``name`` (imported on first use, its contract checked)."""
    known = registry()
    if name not in known:
        raise ValueError(f"unknown feature set {name!r}; known: {', '.join(known)}")
    module = importlib.import_module(known[name])
    missing = [a for a in CONTRACT if not hasattr(module, a)]
    if missing:
        raise TypeError(f"upstream {name} ({known[name]}) lacks {', '.join(missing)}")
    return module


def featuresets() -> tuple[str, ...]:
    """Named sets of classic experiments (``features: <name>``): the schema's enum."""
    return tuple(n for n in registry() if _named(n))


def configured() -> tuple[str, ...]:
    """Upstreams that classic experiments configure by a mapping (``{name: whisper, ...}``)."""
    return tuple(n for n in registry() if upstream(n).CLASSIC and not _named(n))


def _named(name: str) -> bool:
    module = upstream(name)
    return bool(module.CLASSIC) and not module.SETTINGS_KEYS


def spec_name(spec: str | Mapping[str, Any]) -> str:
    """The upstream of a feature-set spec: a name, or a mapping's ``name``."""
    return str(spec.get("name")) if isinstance(spec, Mapping) else str(spec)


def settings(spec: str | Mapping[str, Any]) -> str | dict[str, Any]:
    """A feature set as its extraction job reads it (the rule's params): a named set as its
    name, a configured one as ``{name: ..., <every setting, defaults filled>}``."""
    name = spec_name(spec)
    module = upstream(name)
    if isinstance(spec, Mapping) and not module.SETTINGS_KEYS:
        raise ValueError(f"feature set {name} takes no settings; write it as a name")
    if not isinstance(spec, Mapping) and module.SETTINGS_KEYS and not module.CLASSIC:
        raise ValueError(f"feature set {name} needs settings ({', '.join(module.SETTINGS_KEYS)})")
    return module.settings(name, spec if isinstance(spec, Mapping) else None)


def folder(spec: str | Mapping[str, Any]) -> str:
    """The one folder-name function: a feature set's folder under ``results/features/``, named
    by its upstream from its settings (a named set: its name; Whisper: ``whisper-<model>-<hash>``;
    SSL: ``ssl-<encoder>-<hash>``), so one setting is one extraction, whoever consumes it."""
    full = settings(spec)
    name = spec_name(full)
    return upstream(name).folder(name, full)


def resources(spec: str | Mapping[str, Any]) -> dict[str, int]:
    """Threads, GPUs, MB and minutes of one extraction job of the feature set."""
    full = settings(spec)
    return dict(upstream(spec_name(full)).resources(full))


def env(spec: str | Mapping[str, Any]) -> str:
    """Conda env (``envs/<env>.yaml`` stem) of the feature set's extraction jobs."""
    return str(upstream(spec_name(spec)).ENV)


def fill_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (the config schema, loaded) with the enum of named feature sets taken from
    the registry (registered upstreams included); changed in place and returned."""
    experiment = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    named = experiment["features"]["oneOf"][0]
    named["enum"] = list(featuresets())
    return schema


def schema_file(shipped: str | Path) -> Path:
    """The config schema to validate with: ``shipped`` when its enum of named sets is the
    registry's, else a copy with the registry's enum (:func:`fill_schema`; the config registered
    upstreams of its own), written once per content to the temp folder."""
    shipped = Path(shipped)
    if not _REGISTERED:  # the shipped enum is the built-in registry's (a unit test keeps it so)
        return shipped
    import yaml

    schema = yaml.safe_load(shipped.read_text())
    experiment = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    if list(experiment["features"]["oneOf"][0]["enum"]) == list(featuresets()):
        return shipped
    text = yaml.safe_dump(fill_schema(schema), sort_keys=False)
    digest = hashlib.sha1(text.encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"crossemo-config.schema-{digest}.yaml"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return path


__all__ = [
    "BUILTIN",
    "CONTRACT",
    "configured",
    "env",
    "featuresets",
    "fill_schema",
    "schema_file",
    "folder",
    "register",
    "register_config",
    "registry",
    "resources",
    "settings",
    "spec_name",
    "upstream",
]
