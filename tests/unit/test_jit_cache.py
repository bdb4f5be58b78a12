"""Processes that start on a cold numba cache compile into it one at a time."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import filelock
import numpy as np
import pytest

from crossemo.core import jit_cache

SRC = Path(__file__).resolve().parents[2] / "src"

HOLD = """
from crossemo.core.jit_cache import serialised
with serialised():
    print("held", flush=True)
    input()
"""

EXTRACT = """
import sys
import numpy as np
from crossemo.features.upstreams.handcrafted import HandcraftedExtractor
y = np.random.default_rng(0).standard_normal(32000).astype(np.float32) * 0.1
np.save(sys.argv[1], HandcraftedExtractor()(y, 16000))
"""


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(SRC)}


def test_lock_lives_in_the_numba_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    assert jit_cache.lock_path() == tmp_path / "numba" / jit_cache.LOCK_NAME
    assert (tmp_path / "numba").is_dir()
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    # not `import librosa`: an import outside the lock is what this module prevents
    beside_librosa = Path(importlib.util.find_spec("librosa").origin).parent / jit_cache.LOCK_NAME
    assert jit_cache.lock_path() in {beside_librosa, Path("/tmp") / jit_cache.LOCK_NAME}


def test_another_process_holding_the_lock_makes_us_wait(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(filelock.Timeout), jit_cache.serialised(timeout=0.2):
            pass
    finally:
        holder.communicate("\n", timeout=30)
    with jit_cache.serialised(timeout=10):
        pass


def test_parallel_extractors_on_a_cold_cache_all_finish_alike(tmp_path):
    """Unserialised, 1 in 18 such processes died with SIGSEGV (numba cache race)."""
    cache = tmp_path / "numba"
    outs = [tmp_path / f"features{i}.npy" for i in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", EXTRACT, str(out)],
            env=_env(cache),
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outs
    ]
    errors = [proc.communicate(timeout=600)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, errors
    first = np.load(outs[0])
    assert first.shape == (94,)
    for out in outs[1:]:
        np.testing.assert_array_equal(np.load(out), first)
    assert any(cache.rglob("*.nbi")), "librosa compiled nothing into NUMBA_CACHE_DIR"
