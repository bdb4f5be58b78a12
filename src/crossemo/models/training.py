"""Generic resumable training loop shared by every neural family (fine-tuning, block expansion,
speech+text, heads on frozen features).

The loop owns: optimiser (AdamW), linear warm-up/decay, gradient accumulation and clipping,
bf16 autocast + TF32 on GPU, early stopping on the dev UAR, the training curve, and checkpoints
in a scratch directory (never a declared output) from which a killed job resumes exactly: the
model, optimiser, scheduler, every RNG state and the position inside the epoch are restored,
and the batches of an epoch are a pure function of (seed, epoch).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import random
import shutil
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crossemo.models.data import make_batches

log = logging.getLogger(__name__)


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


def rng_state() -> dict[str, Any]:
    import torch

    state = {"python": random.getstate(), "numpy": np.random.get_state(),
             "torch": torch.get_rng_state()}  # fmt: skip
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    import torch

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def configure_device(settings: TrainSettings, threads: int | None = None):
    """The torch device (cuda when available), TF32 switched on there, CPU threads set."""
    import torch

    if threads:
        torch.set_num_threads(int(threads))
    if torch.cuda.is_available():
        if settings.tf32:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        return torch.device("cuda")
    return torch.device("cpu")


def fingerprint(*parts: Any) -> str:
    """Stable hash of the run's settings and data (a checkpoint from other settings is ignored)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- metrics ------------------------------------------------------------------------------------


def uar(labels: np.ndarray, preds: np.ndarray, n_classes: int) -> float:
    """Unweighted average recall over the classes present in ``labels``."""
    recalls = [float(np.mean(preds[labels == c] == c)) for c in range(n_classes)
               if np.any(labels == c)]  # fmt: skip
    return float(np.mean(recalls)) if recalls else float("nan")


def class_weight_vector(labels: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.bincount(labels[labels >= 0], minlength=n_classes).astype(np.float64)
    weights = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / n_classes, 0.0)
    return weights.astype(np.float32)


# -- the loop -----------------------------------------------------------------------------------


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


def _autocast(device, settings: TrainSettings):
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
            with _autocast(device, settings):
                logits = forward(model, split_name, idx)
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            if out is None:
                out = np.zeros((len(split), probs.shape[1]), dtype=np.float32)
            out[idx] = probs
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


def _save_atomic(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _total_steps(train: Split, settings: TrainSettings) -> int:
    ga = settings.grad_accum
    steps = sum(-(-len(epoch_batches(train, settings, e)) // ga) for e in range(settings.epochs))
    return min(steps, settings.max_steps) if settings.max_steps is not None else steps


def fit(model, forward: Forward, train: Split, dev: Split | None, settings: TrainSettings,
        scratch: str | Path, device, n_classes: int, run_fingerprint: str = "",
        interrupt_after: int | None = None) -> TrainResult:  # fmt: skip
    """Train ``model`` in place; on return it holds the best weights (dev UAR) or the last ones.

    ``scratch`` holds ``state.pt`` (resume point) and ``best.pt``; a rerun with the same
    ``run_fingerprint`` continues from ``state.pt``. ``interrupt_after`` (tests) raises
    :class:`TrainingInterrupted` after that many optimiser steps in this call, as a kill would.
    """
    import torch
    from transformers import get_constant_schedule_with_warmup, get_linear_schedule_with_warmup

    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    state_path, best_path = scratch / "state.pt", scratch / "best.pt"
    model.to(device)
    if settings.gradient_checkpointing and hasattr(model, "gradient_checkpointing_enable"):
        model.gradient_checkpointing_enable()
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("no trainable parameters")
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay,
                                  betas=settings.adam_betas, eps=settings.adam_eps)  # fmt: skip
    total = _total_steps(train, settings)
    warmup = (settings.warmup_steps if settings.warmup_steps is not None
              else int(round(settings.warmup_ratio * total)))  # fmt: skip
    if settings.lr_schedule not in ("linear", "constant"):
        raise ValueError(f"lr_schedule: linear or constant, not {settings.lr_schedule!r}")
    if settings.lr_schedule == "constant":
        scheduler = get_constant_schedule_with_warmup(optimizer, warmup)
    else:
        scheduler = get_linear_schedule_with_warmup(optimizer, warmup, max(total, 1))
    cw = (torch.tensor(class_weight_vector(train.labels, n_classes), device=device)
          if settings.class_weights else None)  # fmt: skip
    sample_w = (train.weights if settings.sample_weights and train.weights is not None
                else np.ones(len(train), np.float32))  # fmt: skip

    # -- resume --
    step, epoch, micro_in_epoch = 0, 0, 0
    best_metric, best_step, bad_evals = None, -1, 0
    history: list[dict[str, Any]] = []
    resumed_from = None
    finished_before = False
    fp = fingerprint(run_fingerprint, settings.to_dict(), len(train), int(train.labels.sum()))
    seed_everything(settings.seed)
    if state_path.exists():
        state = torch.load(state_path, map_location="cpu", weights_only=False)
        if state.get("fingerprint") != fp:
            log.warning("scratch %s holds another run's checkpoint: starting afresh", scratch)
        else:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            step, epoch, micro_in_epoch = state["step"], state["epoch"], state["micro"]
            best_metric, best_step = state["best_metric"], state["best_step"]
            bad_evals, history = state["bad_evals"], state["history"]
            set_rng_state(state["rng"])
            resumed_from = step
            finished_before = bool(state.get("done"))
            log.info("resumed from step %d (epoch %d, batch %d)", step, epoch, micro_in_epoch)

    def save_state() -> None:
        _save_atomic({
            "fingerprint": fp, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "step": step, "epoch": epoch,
            "micro": micro_in_epoch, "best_metric": best_metric, "best_step": best_step,
            "bad_evals": bad_evals, "history": history, "rng": rng_state(), "done": finished,
        }, state_path)  # fmt: skip

    stop_signal = {"hit": False}

    def on_signal(signum, _frame):  # SLURM preemption / timeout warning: checkpoint and leave
        stop_signal["hit"] = True

    old_handlers = {}
    for sig in (signal.SIGTERM, signal.SIGUSR1):
        try:
            old_handlers[sig] = signal.signal(sig, on_signal)
        except ValueError:  # not the main thread
            pass

    def evaluate(train_loss: float, seconds: float, elapsed: float) -> bool:
        """Record a point of the curve; True when training should stop early."""
        nonlocal best_metric, best_step, bad_evals
        row = {"step": step, "epoch": epoch, "lr": scheduler.get_last_lr()[0],
               "train_loss": train_loss, "audio_seconds": seconds,
               "elapsed_s": elapsed}  # fmt: skip
        stop = False
        if dev is not None and len(dev):
            probs = predict_proba(model, forward, "dev", dev, settings, device)
            metric = uar(dev.labels, probs.argmax(1), n_classes)
            row["dev_uar"] = metric
            row["dev_loss"] = float(-np.mean(np.log(
                probs[np.arange(len(dev)), np.maximum(dev.labels, 0)] + 1e-12)))  # fmt: skip
            if best_metric is None or metric > best_metric + 1e-12:
                best_metric, best_step, bad_evals = metric, step, 0
                _save_atomic(model.state_dict(), best_path)
            else:
                bad_evals += 1
                patience = settings.early_stopping_patience
                stop = patience is not None and bad_evals >= patience
            model.train()
            log.info("step %d epoch %d: dev UAR %.4f (best %.4f at %d)", step, epoch, metric,
                     best_metric, best_step)  # fmt: skip
        history.append(row)
        return stop

    model.train()
    steps_here = 0
    t0 = time.perf_counter()
    seconds_seen, loss_sum, loss_n = 0.0, 0.0, 0
    finished = step >= total or finished_before
    try:
        while not finished and epoch < settings.epochs:
            batches = epoch_batches(train, settings, epoch)
            while micro_in_epoch < len(batches):
                group = batches[micro_in_epoch : micro_in_epoch + settings.grad_accum]
                n_items = sum(len(b) for b in group)
                optimizer.zero_grad(set_to_none=True)
                for idx in group:
                    labels = torch.as_tensor(train.labels[idx], device=device)
                    with _autocast(device, settings):
                        logits = forward(model, "train", idx)
                    loss_each = torch.nn.functional.cross_entropy(
                        logits.float(), labels, weight=cw, reduction="none")  # fmt: skip
                    w = torch.as_tensor(sample_w[idx], device=device)
                    if cw is not None:
                        w = w * cw[labels]
                    loss = (loss_each * w).sum() / max(float(w.sum()), 1e-12)
                    (loss * len(idx) / n_items).backward()
                    loss_sum += float(loss.detach()) * len(idx)
                    loss_n += len(idx)
                    seconds_seen += float(train.lengths[idx].sum()) / train.unit_per_second
                if settings.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(params, settings.max_grad_norm)
                optimizer.step()
                scheduler.step()
                step += 1
                steps_here += 1
                micro_in_epoch += len(group)
                if step % settings.log_every == 0:
                    el = time.perf_counter() - t0
                    log.info("step %d/%d loss %.4f %.1f audio-s/s", step, total,
                             loss_sum / max(loss_n, 1), seconds_seen / max(el, 1e-9))  # fmt: skip
                end_of_epoch = micro_in_epoch >= len(batches)
                if end_of_epoch:
                    epoch, micro_in_epoch = epoch + 1, 0
                due_eval = (end_of_epoch if settings.eval_steps is None
                            else step % settings.eval_steps == 0)  # fmt: skip
                finished = step >= total or epoch >= settings.epochs
                stop = False
                if due_eval or finished:
                    stop = evaluate(loss_sum / max(loss_n, 1), seconds_seen,
                                    time.perf_counter() - t0)  # fmt: skip
                    loss_sum, loss_n = 0.0, 0
                if stop:
                    log.info("early stopping at step %d", step)
                    finished = True
                if due_eval or finished or step % settings.checkpoint_steps == 0 \
                        or stop_signal["hit"]:  # fmt: skip
                    save_state()
                if stop_signal["hit"]:
                    raise TrainingInterrupted(f"signal received: checkpoint saved at step {step}")
                if interrupt_after is not None and steps_here >= interrupt_after:
                    raise TrainingInterrupted(f"test interrupt after {steps_here} steps")
                if finished or end_of_epoch:
                    break
        if not history or history[-1]["step"] != step:  # e.g. resumed after the final save
            evaluate(loss_sum / max(loss_n, 1), seconds_seen, time.perf_counter() - t0)
            save_state()
    finally:
        for sig, handler in old_handlers.items():
            signal.signal(sig, handler)

    if best_path.exists() and best_metric is not None:
        model.load_state_dict(torch.load(best_path, map_location="cpu", weights_only=True))
    model.eval()
    return TrainResult(best_metric, best_step, step, history, resumed_from)


def clear_scratch(scratch: str | Path) -> None:
    shutil.rmtree(scratch, ignore_errors=True)


def write_curve(history: list[dict[str, Any]], csv_path: str | Path,
                png_path: str | Path | None = None) -> None:  # fmt: skip
    """Training curve as CSV (+ PNG: train loss and dev UAR against steps)."""
    import pandas as pd

    frame = pd.DataFrame(history)
    frame.to_csv(csv_path, index=False)
    if png_path is None:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    if len(frame):
        ax.plot(frame["step"], frame["train_loss"], "o-", label="train loss")
        ax.set_xlabel("optimiser step")
        ax.set_ylabel("loss")
        if "dev_uar" in frame:
            ax2 = ax.twinx()
            ax2.plot(frame["step"], frame["dev_uar"], "s--", color="tab:orange", label="dev UAR")
            ax2.set_ylabel("dev UAR")
            ax2.set_ylim(0, 1)
    ax.set_title("training curve")
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
