"""Generic resumable training loop shared by every neural family (fine-tuning, block expansion,
speech+text, heads on frozen features).

The loop owns: optimiser (AdamW), linear warm-up/decay, gradient accumulation and clipping,
bf16 autocast + TF32 on GPU, the training curve and the order of things. What it delegates:
scratch checkpoints and the exact resume from them (:mod:`crossemo.models.checkpoint`: model,
optimiser, scheduler, every RNG state and the position inside the epoch; the batches of an epoch
are a pure function of (seed, epoch)), stop requests by signal (:mod:`crossemo.models.signals`)
and dev evaluation with early stopping on the dev UAR (:mod:`crossemo.models.early_stopping`).
In a data-parallel job (``model.gpus``) each process trains on its slice of every global batch
and process 0 evaluates and writes (:mod:`crossemo.models.distributed`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crossemo.core.progress import eta
from crossemo.models import distributed
from crossemo.models.checkpoint import Scratch, rng_state, set_rng_state
from crossemo.models.data import make_batches
from crossemo.models.early_stopping import EarlyStopping, dev_scores
from crossemo.models.signals import StopRequest

log = logging.getLogger(__name__)
#: a checkpoint's RNG states of every process of a data-parallel job (resumed with as many)
RANK_RNG = "rng_ranks"


class TrainingInterrupted(RuntimeError):
    """Raised by the ``interrupt_after`` test hook or after SIGTERM/SIGUSR1 (checkpoint saved)."""


@dataclass
class TrainSettings:
    """Hyper-parameters of a training run (config: an experiment's ``model:`` mapping)."""

    lr: float = 1e-5
    weight_decay: float = 0.01
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-8
    warmup_steps: int | None = None  #: overrides warmup_ratio when set
    warmup_ratio: float = 0.1
    lr_schedule: str = "linear"  #: linear (warm-up, linear decay to 0) or constant (after warm-up)
    epochs: int = 10
    max_steps: int | None = None  #: optimiser steps; stops earlier than `epochs` when reached
    bucketing: bool = True
    batch_seconds: float = 64.0  #: padded audio seconds per batch (bucketing)
    max_batch_size: int = 64
    batch_size: int = 8  #: fixed batch size when bucketing is off (papers: 2 or 4)
    round_robin: bool = False  #: each step one batch from the next corpus (ExHuBERT)
    max_seconds: float | None = 20.0  #: crop longer utterances (memory)
    grad_accum: int = 1
    max_grad_norm: float | None = 1.0
    gradient_checkpointing: bool = False
    bf16: bool = True  #: autocast on GPU (ignored on CPU)
    tf32: bool = True
    class_weights: bool = False  #: inverse-frequency class weights in the loss
    sample_weights: bool = True  #: use the view's `weight` column in the loss
    early_stopping_patience: int | None = 3  #: evaluations without dev improvement
    eval_steps: int | None = None  #: evaluate every N steps (default: every epoch)
    checkpoint_steps: int = 500  #: scratch checkpoint every N steps (and every evaluation)
    seed: int = 0
    freeze_feature_encoder: bool = True
    finetune_layers: int | str = "all"  #: "all", or top-N transformer layers (0: head only)
    keep_scratch: bool = False  #: keep scratch checkpoints after success
    log_every: int = 10

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None, **overrides) -> TrainSettings:
        """Settings from a config mapping; keys that are not settings are ignored."""
        cfg = {**dict(cfg or {}), **overrides}
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in cfg.items() if k in names}
        if "adam_betas" in kwargs:
            kwargs["adam_betas"] = tuple(kwargs["adam_betas"])
        for key in ("lr", "weight_decay", "adam_eps", "batch_seconds", "warmup_ratio"):
            if key in kwargs and kwargs[key] is not None:
                kwargs[key] = float(kwargs[key])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Split:
    """What the loop needs to know about a split (the data itself stays with ``forward``)."""

    labels: np.ndarray
    lengths: np.ndarray  #: cost units for bucketing (samples for audio)
    weights: np.ndarray | None = None
    groups: Sequence[str] | None = None  #: corpus of each item (round robin)
    unit_per_second: float = 16000.0

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class TrainResult:
    best_metric: float | None
    best_step: int
    steps: int
    history: list[dict[str, Any]] = field(default_factory=list)
    resumed_from: int | None = None


#: forward(model, split_name, indices) -> logits [B, C] (torch)
Forward = Callable[[Any, str, list[int]], Any]


# -- reproducibility ----------------------------------------------------------------------------


def seed_everything(seed: int, deterministic: bool = True) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic and not torch.cuda.is_available():
        torch.use_deterministic_algorithms(True, warn_only=True)


def configure_device(settings: TrainSettings, threads: int | None = None):
    """The torch device (cuda when available), TF32 switched on there, CPU threads set."""
    import torch

    if threads:
        torch.set_num_threads(int(threads))
    if torch.cuda.is_available():
        if settings.tf32:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        return distributed.device() if distributed.active() else torch.device("cuda")
    return torch.device("cpu")


def fingerprint(*parts: Any) -> str:
    """Stable hash of the run's settings and data (a checkpoint from other settings is ignored)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def class_weight_vector(labels: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.bincount(labels[labels >= 0], minlength=n_classes).astype(np.float64)
    weights = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / n_classes, 0.0)
    return weights.astype(np.float32)


# -- batches and inference -------------------------------------------------------------------


def epoch_batches(split: Split, settings: TrainSettings, epoch: int, shuffle: bool = True):
    budget = int(settings.batch_seconds * split.unit_per_second)
    return make_batches(
        split.lengths, bucketing=settings.bucketing, budget=budget,
        batch_size=settings.batch_size, max_batch_size=settings.max_batch_size,
        seed=settings.seed * 1_000_003 + epoch, shuffle=shuffle,
        groups=split.groups if settings.round_robin else None,
    )  # fmt: skip


def eval_batches(split: Split, settings: TrainSettings) -> list[list[int]]:
    """Deterministic inference batches (bucketed by length: little padding)."""
    budget = int(settings.batch_seconds * split.unit_per_second)
    return make_batches(split.lengths, bucketing=True, budget=budget, batch_size=1,
                        max_batch_size=settings.max_batch_size, seed=0, shuffle=False)  # fmt: skip


def autocast(device, settings: TrainSettings):
    import contextlib

    import torch

    if device.type == "cuda" and settings.bf16:
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def predict_proba(model, forward: Forward, split_name: str, split: Split,
                  settings: TrainSettings, device) -> np.ndarray:  # fmt: skip
    """Class probabilities [N, C] of a split (eval mode, no grad, batches bucketed by length)."""
    import torch

    model.eval()
    out: np.ndarray | None = None
    with torch.no_grad():
        for idx in eval_batches(split, settings):
            with autocast(device, settings):
                logits = forward(model, split_name, idx)
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            if out is None:
                out = np.zeros((len(split), probs.shape[1]), dtype=np.float32)
            out[idx] = probs
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


def _total_steps(train: Split, settings: TrainSettings) -> int:
    ga = settings.grad_accum
    steps = sum(-(-len(epoch_batches(train, settings, e)) // ga) for e in range(settings.epochs))
    return min(steps, settings.max_steps) if settings.max_steps is not None else steps


# -- the loop -----------------------------------------------------------------------------------


@dataclass
class Progress:
    """Where a run stands between optimiser steps."""

    step: int = 0
    epoch: int = 0
    micro: int = 0  #: batches of the current epoch done
    history: list[dict[str, Any]] = field(default_factory=list)


class _Run:
    """One training run's objects and the steps of the loop (see :func:`fit`)."""

    def __init__(self, model, forward: Forward, train: Split, dev: Split | None,
                 settings: TrainSettings, scratch: str | Path, device, n_classes: int,
                 run_fingerprint: str) -> None:  # fmt: skip
        import torch

        self.model, self.forward, self.train, self.dev = model, forward, train, dev
        self.settings, self.device, self.n_classes = settings, device, n_classes
        self.params = [p for p in model.parameters() if p.requires_grad]
        if not self.params:
            raise ValueError("no trainable parameters")
        self.optimizer = torch.optim.AdamW(
            self.params, lr=settings.lr, weight_decay=settings.weight_decay,
            betas=settings.adam_betas, eps=settings.adam_eps)  # fmt: skip
        self.total = _total_steps(train, settings)
        self.scheduler = _scheduler(self.optimizer, settings, self.total)
        self.class_weights = (
            torch.tensor(class_weight_vector(train.labels, n_classes), device=device)
            if settings.class_weights else None)  # fmt: skip
        self.sample_weights = (
            train.weights if settings.sample_weights and train.weights is not None
            else np.ones(len(train), np.float32))  # fmt: skip
        self.checkpoints = Scratch(scratch, fingerprint(
            run_fingerprint, settings.to_dict(), len(train), int(train.labels.sum())))  # fmt: skip
        self.stopper = EarlyStopping(settings.early_stopping_patience)
        self.progress = Progress()
        distributed.same_weights(model)
        self.t0, self.first_step = time.perf_counter(), 0
        self.seconds_seen, self.loss_sum, self.loss_n = 0.0, 0.0, 0

    def resume(self) -> tuple[int | None, bool]:
        """Restore the newest readable checkpoint: ``(its step or None, whether it was final)``."""
        if not distributed.is_main():  # process 0 first: it moves unreadable files aside
            distributed.barrier()
        state = self.checkpoints.load()
        if distributed.is_main():
            distributed.barrier()
        if state is None:
            return None, False
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.progress = Progress(state["step"], state["epoch"], state["micro"], state["history"])
        self.stopper.best_metric, self.stopper.best_step = state["best_metric"], state["best_step"]
        self.stopper.bad_evals = state["bad_evals"]
        self.first_step = state["step"]  # the ETA counts the steps of this process
        ranks = state.get(RANK_RNG) or []
        set_rng_state(ranks[distributed.rank()] if len(ranks) == distributed.size()
                      else state["rng"])  # fmt: skip
        log.info("resumed from step %d (epoch %d, batch %d)", self.progress.step,
                 self.progress.epoch, self.progress.micro)  # fmt: skip
        return self.progress.step, bool(state["done"])

    def checkpoint(self, done: bool) -> None:
        """A resume point (written by process 0; every process's RNG states in it)."""
        p, s, rngs = self.progress, self.stopper, distributed.gather(rng_state())
        if not distributed.is_main():
            return
        self.checkpoints.save({
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(), "step": p.step, "epoch": p.epoch,
            "micro": p.micro, "best_metric": s.best_metric, "best_step": s.best_step,
            "bad_evals": s.bad_evals, "history": p.history, "rng": rngs[0], "done": done,
            **({RANK_RNG: rngs} if len(rngs) > 1 else {}),
        })  # fmt: skip

    def batch_loss(self, idx: list[int]):
        """This process's part of batch ``idx``'s weighted mean loss (its slice's weighted
        losses over the whole batch's weight sum: the parts add up to the batch's loss), or
        None for an empty slice."""
        import torch

        device, cw = self.device, self.class_weights
        labels = torch.as_tensor(self.train.labels[idx], device=device)
        w = torch.as_tensor(self.sample_weights[idx], device=device)
        if cw is not None:
            w = w * cw[labels]
        mine = distributed.shard(range(len(idx)))
        if not mine:
            return None
        with autocast(device, self.settings):
            logits = self.forward(self.model, "train", [idx[i] for i in mine])
        loss_each = torch.nn.functional.cross_entropy(
            logits.float(), labels[mine], weight=cw, reduction="none")  # fmt: skip
        return (loss_each * w[mine]).sum() / max(float(w.sum()), 1e-12)

    def optimiser_step(self, group: list[list[int]]) -> None:
        """Forward and backward passes of the batches in ``group`` (this process's slices),
        the gradients summed over the processes, then one optimiser step."""
        import torch

        train = self.train
        n_items = sum(len(b) for b in group)
        self.optimizer.zero_grad(set_to_none=True)
        for idx in group:
            loss = self.batch_loss(idx)
            if loss is not None:
                (loss * len(idx) / n_items).backward()
                self.loss_sum += float(loss.detach()) * len(idx)
            self.loss_n += len(idx)
            self.seconds_seen += float(train.lengths[idx].sum()) / train.unit_per_second
        distributed.sum_gradients(self.params)
        if self.settings.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(self.params, self.settings.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.progress.step += 1
        self.progress.micro += len(group)
        if self.progress.step % self.settings.log_every == 0:
            elapsed, step, first = (
                time.perf_counter() - self.t0,
                self.progress.step,
                self.first_step,
            )
            log.info("step %d/%d loss %.4f %.1f audio-s/s, ETA %s", step, self.total,
                     self.train_loss(), self.seconds_seen / max(elapsed, 1e-9),
                     eta(step - first, self.total - first, elapsed))  # fmt: skip

    def train_loss(self) -> float:
        """Mean training loss since the last evaluation (over every process's slices)."""
        return distributed.total(self.loss_sum) / max(self.loss_n, 1)

    def evaluate(self) -> bool:
        """Add a point to the curve (dev scores, best weights kept); True: stop early."""
        p = self.progress
        row = {"step": p.step, "epoch": p.epoch, "lr": self.scheduler.get_last_lr()[0],
               "train_loss": self.train_loss(), "audio_seconds": self.seconds_seen,
               "elapsed_s": time.perf_counter() - self.t0}  # fmt: skip
        self.loss_sum, self.loss_n = 0.0, 0
        stop = False
        if self.dev is not None and len(self.dev) and distributed.is_main():
            probs = predict_proba(self.model, self.forward, "dev", self.dev, self.settings,
                                  self.device)  # fmt: skip
            row |= dev_scores(probs, self.dev.labels, self.n_classes)
            if self.stopper.update(row["dev_uar"], p.step):
                self.checkpoints.save_best(self.model.state_dict())
            else:
                stop = self.stopper.exhausted
            self.model.train()
            log.info("step %d epoch %d: dev UAR %.4f (best %.4f at %d)", p.step, p.epoch,
                     row["dev_uar"], self.stopper.best_metric, self.stopper.best_step)  # fmt: skip
        p.history.append(row)
        return bool(distributed.from_main(stop))

    def restore_best(self) -> None:
        """The best dev evaluation's weights into the model (if there was one)."""
        if self.stopper.best_metric is None or not distributed.is_main():
            return
        weights = self.checkpoints.load_best()
        if weights is not None:
            self.model.load_state_dict(weights)


def warmup_factor(step: int, warmup: int, total: int, schedule: str) -> float:
    """The LR multiplier at optimiser ``step``: linear warm-up over ``warmup`` steps, then
    constant or linear decay to 0 at ``total`` (transformers' ``get_constant_schedule_with_warmup``
    and ``get_linear_schedule_with_warmup``; written here because importing transformers costs
    every frozen-head job ~2.7 CPU-s for these two lines: BENCHMARKS.md, Waiting times)."""
    if step < warmup:
        return step / max(1, warmup)
    if schedule == "constant":
        return 1.0
    return max(0.0, (total - step) / max(1, total - warmup))


def _scheduler(optimizer, settings: TrainSettings, total: int):
    from torch.optim.lr_scheduler import LambdaLR

    warmup = (settings.warmup_steps if settings.warmup_steps is not None
              else int(round(settings.warmup_ratio * total)))  # fmt: skip
    if settings.lr_schedule not in ("linear", "constant"):
        raise ValueError(f"lr_schedule: linear or constant, not {settings.lr_schedule!r}")
    total = max(total, 1)
    return LambdaLR(
        optimizer, lambda step: warmup_factor(step, warmup, total, settings.lr_schedule)
    )


def fit(model, forward: Forward, train: Split, dev: Split | None, settings: TrainSettings,
        scratch: str | Path, device, n_classes: int, run_fingerprint: str = "",
        interrupt_after: int | None = None) -> TrainResult:  # fmt: skip
    """Train ``model`` in place; on return it holds the best weights (dev UAR) or the last ones.

    ``scratch`` holds the checkpoints (:mod:`crossemo.models.checkpoint`); a rerun with the same
    ``run_fingerprint`` continues from the newest readable one. SIGTERM/SIGUSR1 save a checkpoint
    and raise :class:`TrainingInterrupted`; so does ``interrupt_after`` (tests) after that many
    optimiser steps in this call, as a kill would.
    """
    model.to(device)
    if settings.gradient_checkpointing and hasattr(model, "gradient_checkpointing_enable"):
        model.gradient_checkpointing_enable()
    run = _Run(model, forward, train, dev, settings, scratch, device, n_classes, run_fingerprint)
    seed_everything(settings.seed + distributed.rank())  # dropout differs between processes
    resumed_from, finished_before = run.resume()
    p = run.progress
    finished = p.step >= run.total or finished_before
    steps_here = 0
    model.train()
    with StopRequest() as stop_request:
        while not finished and p.epoch < settings.epochs:
            batches = epoch_batches(train, settings, p.epoch)
            while p.micro < len(batches):
                run.optimiser_step(batches[p.micro : p.micro + settings.grad_accum])
                steps_here += 1
                stop_request.hit = distributed.any_of(stop_request.hit)
                end_of_epoch = p.micro >= len(batches)
                if end_of_epoch:
                    p.epoch, p.micro = p.epoch + 1, 0
                due_eval = (end_of_epoch if settings.eval_steps is None
                            else p.step % settings.eval_steps == 0)  # fmt: skip
                finished = p.step >= run.total or p.epoch >= settings.epochs
                if (due_eval or finished) and run.evaluate():
                    log.info("early stopping at step %d", p.step)
                    finished = True
                if (due_eval or finished or p.step % settings.checkpoint_steps == 0
                        or stop_request.hit):  # fmt: skip
                    run.checkpoint(done=finished)
                if stop_request.hit:
                    raise TrainingInterrupted(f"signal received: checkpoint saved at step {p.step}")
                if interrupt_after is not None and steps_here >= interrupt_after:
                    raise TrainingInterrupted(f"test interrupt after {steps_here} steps")
                if finished or end_of_epoch:
                    break
        if not p.history or p.history[-1]["step"] != p.step:  # e.g. resumed after the final save
            run.evaluate()
            run.checkpoint(done=finished)
    run.restore_best()
    model.eval()
    return TrainResult(run.stopper.best_metric, run.stopper.best_step, p.step, p.history,
                       resumed_from)  # fmt: skip


def clear_scratch(scratch: str | Path) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
