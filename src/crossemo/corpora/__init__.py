"""Corpus adapters: one module per corpus, looked up by name in one registry.

Adding a corpus is one module here with a ``scan(root, corpus, **options) -> Scan`` function,
one line in :data:`ADAPTERS`, and one entry under ``corpora:`` in the config. A module may set
``PREFERRED_FOLDERS``: folder names whose copy of a file wins over copies elsewhere (the
publisher's folder, e.g. EmoDB's ``wav``; :func:`crossemo.corpora.base.assemble`).

An adapter of one's own, outside this package, is the same module anywhere on the workflow's
Python path, registered by the config (``adapters: {name: dotted.module}``) or by
:func:`register`: the start-up checks, the schema's description, config/README.md and the
ingest rule read this registry and nothing else.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the adapter names are read at workflow start-up: keep this import light
    import pandas as pd

    from crossemo.corpora.base import Scan

#: adapter name -> module: a name under ``crossemo.corpora`` for the built-in adapters (one
#: line each), a dotted path for registered ones (:func:`register`)
ADAPTERS = {
    "ravdess": "ravdess",
    "tess": "tess",
    "cremad": "cremad",
    "savee": "savee",
    "emodb": "emodb",
    "iemocap": "iemocap",
    "mosei": "mosei",
    # the further corpora of the EmoBox benchmark (crossemo.corpora.emobox)
    "aesdd": "aesdd",
    "ased": "ased",
    "asvpesd": "asvpesd",
    "cafe": "cafe",
    "casia": "casia",
    "emns": "emns",
    "emovdb": "emovdb",
    "emovo": "emovo",
    "emozionalmente": "emozionalmente",
    "enterface": "enterface",
    "esd": "esd",
    "jlcorpus": "jlcorpus",
    "m3ed": "m3ed",
    "mead": "mead",
    "meld": "meld",
    "mer2023": "mer2023",
    "mesd": "mesd",
    "msppodcast": "msppodcast",
    "oreau": "oreau",
    "pavoque": "pavoque",
    "polish": "polish",
    "resd": "resd",
    "shemo": "shemo",
    "subesco": "subesco",
    "turevdb": "turevdb",
    "urdu": "urdu",
    "csv": "generic_csv",
}


#: the built-in adapters (what :data:`ADAPTERS` holds before anything is registered)
BUILTIN = dict(ADAPTERS)


def register(name: str, module: str) -> None:
    """Add the adapter ``name`` made by ``module``, a dotted path importable from the workflow's
    Python path: one line, ``register("toy", "my_lab.toy_corpus")``."""
    if name in ADAPTERS:
        if module in (ADAPTERS[name], module_path(name)):
            return
        raise ValueError(f"corpus adapter {name!r} is already {module_path(name)}, not {module}")
    ADAPTERS[name] = module


def register_config(config: Mapping[str, Any]) -> None:
    """Register the config's own adapters (``adapters: {name: dotted.module}``); ConfigError
    naming the key for a module that is not on the Python path."""
    from crossemo.core.configuration import require_module

    for name, module in dict(config.get("adapters") or {}).items():
        require_module(f"adapters.{name}", str(module))
        register(str(name), str(module))


def module_path(name: str) -> str:
    """The dotted module path of the registered adapter ``name``."""
    module = ADAPTERS[name]
    return f"crossemo.corpora.{module}" if BUILTIN.get(name) == module else module


def adapter(name: str) -> ModuleType:
    """The adapter module called ``name``; for unknown names an error naming the nearest one."""
    if name not in ADAPTERS:
        from crossemo.core.configuration import nearest

        known = ", ".join(sorted(ADAPTERS))
        raise ValueError(
            f"unknown corpus adapter {name!r}{nearest(name, ADAPTERS)}; known adapters: {known}"
        )
    return importlib.import_module(module_path(name))


def scan(adapter_name: str, root: str | Path, corpus: str, **options) -> Scan:
    """Run adapter ``adapter_name`` over ``root``."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"corpus root {root} for {corpus!r} is not a directory")
    module = adapter(adapter_name)
    check_options(module, adapter_name, corpus, options)
    return module.scan(root, corpus, **options)


def check_options(module: ModuleType, adapter_name: str, corpus: str, options: dict) -> None:
    """ValueError naming ``corpora.<corpus>.options.<key>`` and the nearest option for every
    option the adapter's ``scan`` does not take."""
    from crossemo.core.configuration import nearest

    params = inspect.signature(module.scan).parameters
    known = [
        n for n, p in params.items() if n not in ("root", "corpus") and p.kind != p.VAR_KEYWORD
    ]
    unknown = sorted(set(options) - set(known))
    if unknown:
        takes = f"its options: {', '.join(known)}" if known else "it takes no options"
        raise ValueError(
            "; ".join(
                f"corpora.{corpus}.options.{key}: adapter {adapter_name} has no such option"
                f"{nearest(key, known)}"
                for key in unknown
            )
            + f" ({takes})"
        )


def ingest(
    adapter_name: str, root: str | Path, corpus: str, threads: int = 4, **options
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scan and probe a corpus: the validated (manifest, rejects) tables.

    Raises :class:`~crossemo.corpora.base.EmptyCorpusError` when nothing became an utterance
    (a wrong root or adapter would otherwise pass with an empty manifest and the corpus would
    silently vanish from training or evaluation), saying what was found instead.
    """
    from crossemo.corpora.base import EmptyCorpusError, assemble, empty_corpus_message

    module = adapter(adapter_name)
    found = scan(adapter_name, root, corpus, **options)
    preferred = getattr(module, "PREFERRED_FOLDERS", ())
    manifest, rejects = assemble(corpus, found, threads=threads, preferred_folders=preferred)
    if manifest.empty:
        expects = (module.__doc__ or adapter_name).strip().splitlines()[0]
        raise EmptyCorpusError(
            empty_corpus_message(corpus, adapter_name, Path(root), expects, rejects)
        )
    return manifest, rejects
