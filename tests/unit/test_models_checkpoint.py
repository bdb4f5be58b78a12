"""Scratch checkpoints: round trip, safe loading, damaged files moved aside, stop signals."""

from __future__ import annotations

import logging
import os
import random
import signal

import numpy as np
import pytest
import tiny_fit
import torch

from crossemo.models.checkpoint import BEST, PREVIOUS, STATE, Scratch, rng_state, set_rng_state
from crossemo.models.signals import StopRequest
from crossemo.models.training import TrainingInterrupted, fit

CPU = torch.device("cpu")


def run(scratch, **kwargs):
    return fit(tiny_fit.model(), tiny_fit.forward, tiny_fit.split(), tiny_fit.split(),
               tiny_fit.SETTINGS, scratch, CPU, 3, **kwargs)  # fmt: skip


def killed_run(scratch, steps: int = 5):
    """A run killed after ``steps`` steps (5: checkpoints at steps 4 (state) and 2 (previous);
    an epoch is 6 steps, evaluated at its end)."""
    with pytest.raises(TrainingInterrupted):
        run(scratch, interrupt_after=steps)


def _state(step: int) -> dict:
    return {"model": {"w": torch.full((2,), float(step))}, "optimizer": {}, "scheduler": {},
            "step": step, "epoch": 0, "micro": step, "best_metric": None, "best_step": -1,
            "bad_evals": 0, "history": [{"step": step, "lr": 0.1}], "rng": rng_state(),
            "done": False}  # fmt: skip


def test_round_trip_keeps_the_previous_state(tmp_path):
    scratch = Scratch(tmp_path, "fp")
    scratch.save(_state(2))
    scratch.save(_state(4))
    loaded = scratch.load()
    assert loaded["step"] == 4 and loaded["history"] == [{"step": 4, "lr": 0.1}]
    assert torch.equal(loaded["model"]["w"], torch.full((2,), 4.0))
    assert torch.load(tmp_path / PREVIOUS, weights_only=True)["step"] == 2
    assert Scratch(tmp_path, "another run").load() is None


def test_rng_states_restore_every_generator():
    state = rng_state()
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_pickled_object_is_refused_not_executed(tmp_path, caplog):
    marker = tmp_path / "code_ran"

    class Payload:
        def __reduce__(self):
            return os.mkdir, (str(marker),)

    torch.save({**_state(2), "fingerprint": "fp", "payload": Payload()}, tmp_path / STATE)
    with caplog.at_level(logging.WARNING):
        assert Scratch(tmp_path, "fp").load() is None
    assert not marker.exists()
    assert str(tmp_path / STATE) in caplog.text
    assert (tmp_path / (STATE + ".corrupt")).exists() and not (tmp_path / STATE).exists()


def test_corrupt_checkpoint_resumes_from_the_previous_one(tmp_path, caplog):
    reference = run(tmp_path / "reference")
    scratch = tmp_path / "scratch"
    killed_run(scratch)
    (scratch / STATE).write_bytes(b"garbage, as a crash while copying would leave")
    with caplog.at_level(logging.WARNING):
        resumed = run(scratch)
    assert str(scratch / STATE) in caplog.text
    assert (scratch / (STATE + ".corrupt")).read_bytes().startswith(b"garbage")
    assert resumed.resumed_from == 2  # the previous checkpoint
    assert resumed.steps == reference.steps
    assert resumed.best_metric == pytest.approx(reference.best_metric)


def test_without_a_readable_checkpoint_training_starts_afresh(tmp_path, caplog):
    reference = run(tmp_path / "reference")
    scratch = tmp_path / "scratch"
    killed_run(scratch)
    for name in (STATE, PREVIOUS):
        (scratch / name).write_bytes(bytes(100))
    with caplog.at_level(logging.WARNING):
        fresh = run(scratch)
    assert str(scratch / STATE) in caplog.text and str(scratch / PREVIOUS) in caplog.text
    assert fresh.resumed_from is None and fresh.steps == reference.steps
    assert [r["dev_uar"] for r in fresh.history] == [r["dev_uar"] for r in reference.history]


def test_resume_point_without_its_best_weights_starts_afresh(tmp_path, caplog):
    scratch = tmp_path / "scratch"
    killed_run(scratch, steps=7)  # resume point: step 6, after the first dev evaluation
    assert torch.load(scratch / STATE, weights_only=True)["best_metric"] is not None
    (scratch / BEST).write_bytes(b"not weights")
    with caplog.at_level(logging.WARNING):
        result = run(scratch)
    assert result.resumed_from is None
    assert str(scratch / BEST) in caplog.text


def test_stop_request_flags_signals_and_restores_handlers():
    before = signal.getsignal(signal.SIGUSR1)
    with StopRequest() as stop:
        assert not stop.hit
        os.kill(os.getpid(), signal.SIGUSR1)
        assert stop.hit
    assert signal.getsignal(signal.SIGUSR1) is before


def test_sigterm_saves_a_checkpoint_and_the_rerun_resumes_there(tmp_path):
    calls = {"n": 0}

    def forward(m, split, idx):
        calls["n"] += split == "train"
        if calls["n"] == 3:  # during the third optimiser step
            os.kill(os.getpid(), signal.SIGTERM)
        return tiny_fit.forward(m, split, idx)

    scratch = tmp_path / "scratch"
    with pytest.raises(TrainingInterrupted, match="signal"):
        fit(tiny_fit.model(), forward, tiny_fit.split(), tiny_fit.split(), tiny_fit.SETTINGS,
            scratch, CPU, 3)  # fmt: skip
    assert torch.load(scratch / STATE, weights_only=True)["step"] == 3
    assert run(scratch).resumed_from == 3
