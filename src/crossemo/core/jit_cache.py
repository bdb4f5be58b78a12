"""One process at a time compiles into numba's on-disk cache.

librosa (and audiomentations, which imports it) compiles its numba kernels with ``cache=True``:
``import librosa`` compiles its vectorised kernels and the first feature call compiles the rest,
about 15 CPU-s on a fresh environment, written beside librosa's sources (or under
``NUMBA_CACHE_DIR``). Numba numbers cache entries per process, so two processes compiling into a
cold cache at once can leave an index pointing at the other's machine code: the next process that
loads it dies with SIGSEGV. Measured here: 6 processes started together on an empty cache, one of 18
crashed; with the import and a warm-up call under one file lock, none of 60 did. This is what
parallel ``extract_features`` or ``balance`` jobs on a fresh environment do, so every import of
librosa in crossemo goes through :func:`import_librosa` or :func:`serialised`, and ``make setup``
fills the cache once (``crossemo.features.upstreams.handcrafted.compile_kernels``).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from filelock import FileLock

LOCK_NAME = ".crossemo-numba-cache.lock"


def lock_path() -> Path:
    """The lock beside the cache librosa compiles into, or in the temporary folder."""
    configured = os.environ.get("NUMBA_CACHE_DIR")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        return Path(configured) / LOCK_NAME
    spec = importlib.util.find_spec("librosa")
    if spec is not None and spec.origin is not None:
        package = Path(spec.origin).parent
        if os.access(package, os.W_OK):
            return package / LOCK_NAME
    return Path(tempfile.gettempdir()) / LOCK_NAME


@contextmanager
def serialised(timeout: float = -1) -> Iterator[None]:
    """Hold the numba cache lock (``timeout`` seconds at most; -1 waits for ever)."""
    with FileLock(lock_path(), timeout=timeout):
        yield


def import_librosa() -> ModuleType:
    """``import librosa``, its compiles serialised with other processes."""
    with serialised():
        import librosa

    return librosa
