"""The training loop's LR schedules are transformers' (linear warm-up, then constant or linear
decay to zero), computed without importing transformers in the job."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from crossemo.models.training import TrainSettings, _scheduler


def _lrs(scheduler, optimizer, steps: int) -> list[float]:
    out = []
    for _ in range(steps):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return out


@pytest.mark.parametrize("schedule", ["linear", "constant"])
@pytest.mark.parametrize(("warmup", "total"), [(0, 7), (3, 10), (10, 20), (5, 5)])
def test_schedules_equal_transformers(schedule, warmup, total):
    from transformers import get_constant_schedule_with_warmup, get_linear_schedule_with_warmup

    settings = TrainSettings.from_config({"lr": 1e-3, "warmup_steps": warmup,
                                          "lr_schedule": schedule})  # fmt: skip
    ours_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    theirs_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    theirs = (get_constant_schedule_with_warmup(theirs_opt, warmup) if schedule == "constant"
              else get_linear_schedule_with_warmup(theirs_opt, warmup, total))  # fmt: skip
    ours = _lrs(_scheduler(ours_opt, settings, total), ours_opt, total + 2)
    assert ours == pytest.approx(_lrs(theirs, theirs_opt, total + 2), abs=1e-12)
    if warmup < total:  # warm-up reaches the configured LR
        assert max(ours) == pytest.approx(1e-3)


def test_training_module_does_not_import_transformers():
    code = ("import sys, torch; from crossemo.models.training import _scheduler, TrainSettings; "
            "o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0); "
            "_scheduler(o, TrainSettings.from_config({'lr': 1.0}), 4); "
            "print('transformers' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
