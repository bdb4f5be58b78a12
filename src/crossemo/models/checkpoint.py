"""Scratch checkpoints of a training run, from which a killed job resumes exactly.

A run's scratch folder holds ``state.pt`` (the resume point: model, optimiser, scheduler, RNG
states, position in the epoch, early-stopping state, curve), ``state.prev.pt`` (the resume point
before it) and ``best.pt`` (the weights of the best dev evaluation). Files are written atomically
and read with ``torch.load(weights_only=True)``: they hold only tensors and plain Python values,
so a file planted in a shared scratch folder cannot run code when it is loaded. A checkpoint that
cannot be read is moved aside (``*.corrupt``) with a warning naming it, and the run resumes from
the one before it, or else starts afresh: a damaged file never blocks a run.
"""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

STATE, PREVIOUS, BEST = "state.pt", "state.prev.pt", "best.pt"
CORRUPT_SUFFIX = ".corrupt"
#: what a resume point must hold
STATE_KEYS = frozenset({"fingerprint", "model", "optimizer", "scheduler", "step", "epoch",
                        "micro", "best_metric", "best_step", "bad_evals", "history", "rng",
                        "done"})  # fmt: skip


def rng_state() -> dict[str, Any]:
    """Every RNG state (Python, NumPy, torch, CUDA) as tensors and plain values."""
    import torch

    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"python": [version, list(internal), gauss],
             "numpy": [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)],
             "torch": torch.get_rng_state()}  # fmt: skip
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    import torch

    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file renamed over ``path`` (never a half-written file)."""
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def move_aside(path: Path) -> Path:
    """Rename an unusable checkpoint to ``<name>.corrupt`` (replacing an older one)."""
    target = path.with_name(path.name + CORRUPT_SUFFIX)
    os.replace(path, target)
    return target


def load_safely(path: Path) -> dict[str, Any] | None:
    """The checkpoint dict at ``path``; None (after a warning, the file moved aside) when it
    cannot be read, holds anything but tensors and plain values, or is not a dict."""
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(obj, dict):
            raise ValueError(f"a {type(obj).__name__}, not a checkpoint dict")
    except Exception as err:  # torch raises many types for damaged or unsafe files
        try:
            where = f"moved to {move_aside(path)}"
        except OSError as move_err:
            where = f"could not be moved aside ({move_err})"
        log.warning("checkpoint %s is unreadable or unsafe (%s: %s); %s",
                    path, type(err).__name__, str(err).splitlines()[0] if str(err) else "",
                    where)  # fmt: skip
        return None
    return obj


class Scratch:
    """The checkpoints of one run (``fingerprint``) in a scratch folder."""

    def __init__(self, folder: str | Path, fingerprint: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint
        self.state, self.previous = self.folder / STATE, self.folder / PREVIOUS
        self.best = self.folder / BEST

    def save(self, state: dict[str, Any]) -> None:
        """Write a resume point; the last one becomes the previous."""
        import torch

        tmp = self.state.with_name(STATE + ".tmp")
        torch.save({**state, "fingerprint": self.fingerprint}, tmp)
        if self.state.exists():
            os.replace(self.state, self.previous)
        os.replace(tmp, self.state)

    def load(self) -> dict[str, Any] | None:
        """The newest readable resume point of this run, or None (start afresh)."""
        for path in (self.state, self.previous):
            if not path.exists():
                continue
            state = load_safely(path)
            if state is None:
                continue
            if state.get("fingerprint") != self.fingerprint:
                log.warning("scratch %s holds another run's checkpoint: starting afresh",
                            self.folder)  # fmt: skip
                return None
            missing = STATE_KEYS - set(state)
            if missing:
                where = move_aside(path)
                log.warning("checkpoint %s lacks %s; moved to %s", path, sorted(missing), where)
                continue
            if state["best_metric"] is not None and not self._best_readable():
                log.warning("checkpoint %s: its best weights %s are gone; starting afresh",
                            path, self.best)  # fmt: skip
                return None
            return state
        return None

    def save_best(self, weights: dict[str, Any]) -> None:
        save_atomic(weights, self.best)

    def load_best(self) -> dict[str, Any] | None:
        return load_safely(self.best) if self.best.exists() else None

    def _best_readable(self) -> bool:
        return self.best.exists() and self.load_best() is not None
