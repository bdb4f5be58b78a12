"""Data-parallel training: one training job run by N processes, one per GPU (``model.gpus``).

:func:`launch` starts the N processes from within the job (``torch.multiprocessing`` spawn; the
rendezvous on 127.0.0.1 at a free port), so the rule stays one Snakemake job. Each process joins
the process group (nccl when CUDA shows at least N devices - process ``r`` uses visible device
``r``, so ``CUDA_VISIBLE_DEVICES`` is respected -, gloo on the CPU when there is no CUDA) and runs
the whole training job; the training loop (:mod:`crossemo.models.training`) and the skeleton
(:mod:`crossemo.models.skeleton`) ask :func:`rank` and :func:`size` what to do:

- every process builds the SAME global batches of an epoch from the seed (bucketing and the
  round-robin corpus order unchanged) and forwards its contiguous slice of each (:func:`shard`);
  the loss of a slice is divided by the whole batch's weight sum, so the slices' gradients,
  summed over the processes (:func:`sum_gradients`, once per optimiser step, after the
  gradient accumulation's batches), are the single-process gradient exactly - equal or uneven
  slices, an empty slice (a batch smaller than N) included;
- process 0 evaluates the dev set, decides early stopping and tells the others
  (:func:`from_main`); it alone writes checkpoints, the model folder and the predictions; all
  read the checkpoints on resume; a stop signal seen by any process stops all (:func:`any_of`);
- process 0 logs at the job's level into the job's log, the others only warnings.

A crashed process fails the job with its traceback: the launcher then ends the others, and
collective calls time out after :data:`TIMEOUT` rather than hang.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

log = logging.getLogger(__name__)

#: the ``model:`` key: processes (GPUs) of one training job
GPUS_KEY = "gpus"
#: how long a process waits for the others in a collective call (process 0's dev evaluation
#: and checkpoint writing included) before the job fails
TIMEOUT = timedelta(minutes=60)
#: gradient elements summed per collective call
BUCKET = 1 << 24


def gpus(model_cfg: Mapping[str, Any]) -> int:
    """``model.gpus`` of an experiment's ``model:`` (1 when left out)."""
    n = model_cfg.get(GPUS_KEY, 1)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"model.{GPUS_KEY}: an integer >= 1, not {n!r}")
    return n


def active() -> bool:
    """True inside a process group (a process of a data-parallel job)."""
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's index (0 outside a data-parallel job)."""
    import torch.distributed as dist

    return dist.get_rank() if active() else 0


def size() -> int:
    """Processes of the job (1 outside a data-parallel job)."""
    import torch.distributed as dist

    return dist.get_world_size() if active() else 1


def is_main() -> bool:
    """True in process 0 (the one that writes files), and outside a data-parallel job."""
    return rank() == 0


def backend(n: int) -> str:
    """``nccl`` when CUDA shows at least ``n`` devices, ``gloo`` without CUDA; a CUDA machine
    with fewer devices is refused (naming ``model.gpus``)."""
    import torch

    if not torch.cuda.is_available():
        return "gloo"
    visible = torch.cuda.device_count()
    if visible < n:
        raise ValueError(
            f"model.{GPUS_KEY}: {n} processes but CUDA shows {visible} device(s) "
            f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')}); "
            f"give the job {n} GPUs (resources gpu={n}) or lower model.{GPUS_KEY}"
        )
    return "nccl"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """Spawned processes without the parent's ``__main__``: a spawned child runs the parent's
    main script again unless it cannot find it, and a job's main script is Snakemake's copy of
    its workflow script, whose top level needs the ``snakemake`` object and trains (``fn`` and
    its arguments are importable library objects: nothing of ``__main__`` is needed)."""
    main = sys.modules["__main__"]
    saved = {k: main.__dict__.pop(k) for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__spec__ = None  # multiprocessing reads it with getattr
    try:
        yield
    finally:
        del main.__spec__
        main.__dict__.update(saved)


def launch(n: int, fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` in ``n`` processes of one process group; returns when all are done.
    A process that raises fails the call with its traceback (the others are ended); a stop
    signal to this process (SLURM preemption) is passed on to them."""
    import signal

    import torch.multiprocessing as mp

    from crossemo.models.signals import STOP_SIGNALS

    chosen = backend(n)
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(free_port())
    log.info("data-parallel job: %d processes (%s)", n, chosen)
    with main_module_hidden():
        context = mp.start_processes(_process, args=(n, chosen, logging.getLogger().level, fn,
                                     args), nprocs=n, join=False, start_method="spawn")  # fmt: skip

    def pass_on(signum: int, frame: Any) -> None:
        for pid in context.pids():
            os.kill(pid, signum)

    previous = {}
    for sig in STOP_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, pass_on)
        except ValueError:  # not the main thread
            pass
    try:
        while not context.join():
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _process(index: int, n: int, chosen: str, level: int, fn: Callable[..., Any],
             args: Sequence[Any]) -> None:  # fmt: skip
    """One process of :func:`launch`: its logging, its device, the process group, ``fn``."""
    import torch
    import torch.distributed as dist

    from crossemo.core.runtime import LOG_ENV, route_logging

    route_logging(os.environ.get(LOG_ENV), level if index == 0 else logging.WARNING, mode="a")
    if chosen == "nccl":
        torch.cuda.set_device(index)
    dist.init_process_group(chosen, rank=index, world_size=n, timeout=TIMEOUT)
    try:
        fn(*args)
    finally:
        dist.destroy_process_group()


def device():
    """This process's CUDA device (``cuda:<rank>``)."""
    import torch

    return torch.device("cuda", rank() if active() else torch.cuda.current_device())


def shard(batch: Sequence[int], index: int | None = None, n: int | None = None) -> list[int]:
    """Process ``index``'s contiguous slice of a global batch (sizes differ by at most 1;
    empty when the batch is smaller than ``n``)."""
    index, n = rank() if index is None else index, size() if n is None else n
    q, r = divmod(len(batch), n)
    start = index * q + min(index, r)
    return list(batch[start : start + q + (index < r)])


def sum_gradients(params: Sequence[Any]) -> None:
    """Sum the gradients of ``params`` over the processes, in place. A parameter without a
    gradient in every process keeps none (the optimiser skips it, as in one process)."""
    import torch
    import torch.distributed as dist

    if size() == 1:
        return
    device_of = params[0].device
    has = torch.tensor([p.grad is not None for p in params], dtype=torch.uint8, device=device_of)
    dist.all_reduce(has, op=dist.ReduceOp.MAX)
    used = [p for p, h in zip(params, has.tolist(), strict=True) if h]
    for p in used:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    for bucket in _buckets(used):
        flat = torch.cat([p.grad.reshape(-1) for p in bucket])
        dist.all_reduce(flat)
        offset = 0
        for p in bucket:
            p.grad.copy_(flat[offset : offset + p.numel()].view_as(p.grad))
            offset += p.numel()


def _buckets(params: Sequence[Any]) -> list[list[Any]]:
    """``params`` in runs of about :data:`BUCKET` elements of one dtype."""
    out: list[list[Any]] = []
    count = 0
    for p in params:
        if not out or count + p.numel() > BUCKET or out[-1][0].grad.dtype != p.grad.dtype:
            out.append([])
            count = 0
        out[-1].append(p)
        count += p.numel()
    return out


def same_weights(model) -> None:
    """Process 0's parameters and buffers in every process (no-op in one process)."""
    import torch.distributed as dist

    if size() == 1:
        return
    for tensor in [*model.parameters(), *model.buffers()]:
        dist.broadcast(tensor.data, src=0)


def from_main(value: Any) -> Any:
    """Process 0's ``value`` (a picklable object) in every process."""
    import torch.distributed as dist

    if size() == 1:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def any_of(flag: bool) -> bool:
    """True in every process when ``flag`` is true in any."""
    return total(float(flag)) > 0


def total(value: float) -> float:
    """The sum of ``value`` over the processes."""
    import torch
    import torch.distributed as dist

    if size() == 1:
        return float(value)
    t = torch.tensor([float(value)], dtype=torch.float64)
    if dist.get_backend() == "nccl":
        t = t.to(device())
    dist.all_reduce(t)
    return float(t.item())


def gather(value: Any) -> list[Any]:
    """Every process's ``value`` (a picklable object), in rank order, in every process."""
    import torch.distributed as dist

    if size() == 1:
        return [value]
    out: list[Any] = [None] * size()
    dist.all_gather_object(out, value)
    return out


def barrier() -> None:
    """Wait for every process (no-op in one process)."""
    import torch.distributed as dist

    if size() > 1:
        dist.barrier()
