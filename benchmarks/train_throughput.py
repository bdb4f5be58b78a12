"""Training throughput of HuBERT-large (random weights: same compute as the real model) -- our
setup (length bucketing by audio seconds, bf16 autocast, TF32, bigger batches) against the
papers' (batch size 2, fp32, padding to the longest, no bucketing) in one run -- plus frozen
feature extraction speed (x real time). Not a test.

    python benchmarks/train_throughput.py                 # GPU, HuBERT-large
    python benchmarks/train_throughput.py --smoke         # CPU-sized check (tiny HuBERT)
    python benchmarks/train_throughput.py --smoke --processes 1,2   # data-parallel (model.gpus)

``--processes 1,2`` instead times the library's training loop (``crossemo.models.training.fit``,
our setup) with 1 and 2 data-parallel processes (one per GPU; gloo on the CPU, each with
``--threads`` / N threads) on the same global batches: optimiser steps per second and scaling.

Reports audio-seconds per second (unpadded audio consumed per wall second), speed-up, and model
FLOPs utilisation (useful FLOPs of the unpadded frames / wall time / peak; peak from the GPU
name or --peak-tflops). Writes JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

SR = 16000
LARGE = dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
             intermediate_size=4096, conv_dim=(512,) * 7, feat_extract_norm="layer",
             do_stable_layer_norm=True, classifier_proj_size=256)  # fmt: skip
TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
            conv_dim=(32,) * 7, feat_extract_norm="layer", do_stable_layer_norm=True,
            num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2,
            classifier_proj_size=32)  # fmt: skip
#: dense bf16 / tf32 / fp32 peak TFLOPS by GPU name fragment
PEAKS = {"H100": (989.0, 494.0, 67.0), "H200": (989.0, 494.0, 67.0), "A100": (312.0, 156.0, 19.5)}


def durations(n: int, seed: int, max_s: float) -> np.ndarray:
    """Utterance lengths like SER corpora: log-normal, median ~3.3 s, 1 s .. max_s."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.lognormal(np.log(3.3), 0.55, n), 1.0, max_s)


def frames_of(samples: int, config) -> int:
    n = samples
    for k, s in zip(config.conv_kernel, config.conv_stride, strict=True):
        n = (n - k) // s + 1
    return max(n, 0)


def model_flops(lengths: list[int], config, train: bool) -> float:
    """Useful FLOPs of a batch (unpadded): CNN forward (frozen) + transformer fwd (+2x bwd)."""
    h, L, ff = config.hidden_size, config.num_hidden_layers, config.intermediate_size
    total = 0.0
    for n in lengths:
        t_in, c_in, cnn = n, 1, 0.0
        for k, s, c in zip(config.conv_kernel, config.conv_stride, config.conv_dim, strict=True):
            t_in = (t_in - k) // s + 1
            cnn += 2.0 * k * c_in * c * t_in
            c_in = c
        t = t_in
        per_layer = 2.0 * t * (4 * h * h + 2 * h * ff) + 4.0 * t * t * h
        proj = 2.0 * t * config.conv_dim[-1] * h
        pos = 2.0 * t * h * (h // config.num_conv_pos_embedding_groups) \
            * config.num_conv_pos_embeddings  # fmt: skip
        body = L * per_layer + proj + pos
        total += cnn + (3.0 * body if train else body)
    return total


def peak_flops(device, precision: str, override: float | None) -> float | None:
    if override:
        return override * 1e12
    if device.type != "cuda":
        return None
    import torch

    name = torch.cuda.get_device_name()
    for key, (bf16, tf32, fp32) in PEAKS.items():
        if key in name:
            return {"bf16": bf16, "tf32": tf32, "fp32": fp32}[precision] * 1e12
    return None


def run_training(setup: dict, waves: list[np.ndarray], config, device, steps: int,
                 warmup: int, peak_override: float | None) -> dict:  # fmt: skip
    import torch
    from transformers import HubertForSequenceClassification

    from crossemo.models.data import bucket_batches, collate, fixed_batches

    torch.backends.cuda.matmul.allow_tf32 = setup["tf32"]
    torch.backends.cudnn.allow_tf32 = setup["tf32"]
    torch.manual_seed(0)
    model = HubertForSequenceClassification(config).to(device)
    model.freeze_feature_encoder()
    if setup.get("grad_ckpt"):
        model.gradient_checkpointing_enable()
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    lengths = [len(w) for w in waves]
    if setup["bucketing"]:
        batches = bucket_batches(lengths, int(setup["batch_seconds"] * SR),
                                 max_batch_size=setup["max_batch_size"], seed=0)  # fmt: skip
    else:
        batches = fixed_batches(len(waves), setup["batch_size"], seed=0)
    need = warmup + steps
    batches = (batches * (need // max(len(batches), 1) + 1))[:need]
    amp = setup["bf16"] and device.type == "cuda"
    audio_s, flops, padded_s = 0.0, 0.0, 0.0
    t0 = None
    for i, idx in enumerate(batches):
        if i == warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        values, mask = collate([waves[j] for j in idx])
        values, mask = values.to(device, non_blocking=True), mask.to(device, non_blocking=True)
        labels = torch.zeros(len(idx), dtype=torch.long, device=device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            out = model(values, attention_mask=mask, labels=labels)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i >= warmup:
            audio_s += sum(lengths[j] for j in idx) / SR
            padded_s += values.shape[0] * values.shape[1] / SR
            flops += model_flops([lengths[j] for j in idx], config, train=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    precision = "bf16" if amp else ("tf32" if setup["tf32"] and device.type == "cuda" else "fp32")
    peak = peak_flops(device, precision, peak_override)
    mem = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None
    return {"setup": setup["name"], "steps": steps, "wall_s": wall,
            "audio_s_per_s": audio_s / wall, "padding_overhead": padded_s / audio_s - 1,
            "tflops": flops / wall / 1e12, "precision": precision,
            "mfu": flops / wall / peak if peak else None, "peak_mem_gib": mem}  # fmt: skip


def run_extraction(waves: list[np.ndarray], config, device, batch_seconds: float) -> dict:
    import torch
    from transformers import HubertModel

    from crossemo.models.frozen import encode

    torch.manual_seed(0)
    model = HubertModel(config).to(device)
    encode(model, waves[:4], "all", "mean", device, batch_seconds=batch_seconds)  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    encode(model, waves, "all", "mean", device, batch_seconds=batch_seconds)
    if device.type == "cuda":
        torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    audio = sum(len(w) for w in waves) / SR
    return {"utterances": len(waves), "audio_s": audio, "wall_s": wall,
            "x_real_time": audio / wall}  # fmt: skip


def parallel_fit(smoke: bool, n_utt: int, max_s: float, budget: float, steps: int,
                 threads: int, out: Path) -> None:  # fmt: skip
    """One process of the data-parallel timing: ``steps`` optimiser steps of ``fit`` (bucketed
    global batches of ``budget`` padded seconds); process 0 writes its timing to ``out``."""
    import tempfile

    import torch
    from transformers import HubertConfig, HubertForSequenceClassification

    from crossemo.models import distributed
    from crossemo.models.data import collate
    from crossemo.models.training import Split, TrainSettings, configure_device, fit

    settings = TrainSettings(batch_seconds=budget, max_batch_size=256, epochs=100,
                             max_steps=steps, early_stopping_patience=None, log_every=10**9,
                             checkpoint_steps=10**9, warmup_steps=0)  # fmt: skip
    device = configure_device(settings, threads)
    config = HubertConfig(**(TINY if smoke else LARGE), mask_time_prob=0.0, num_labels=3,
                          layerdrop=0.0)  # fmt: skip
    rng = np.random.default_rng(1)
    waves = [(0.1 * rng.standard_normal(int(d * SR))).astype(np.float32)
             for d in durations(n_utt, 0, max_s)]  # fmt: skip
    torch.manual_seed(0)
    model = HubertForSequenceClassification(config)
    model.freeze_feature_encoder()
    split = Split(labels=np.arange(n_utt) % 3, lengths=np.array([len(w) for w in waves]))

    def forward(m, _split, idx):
        values, mask = collate([waves[i] for i in idx])
        return m(values.to(device), attention_mask=mask.to(device)).logits

    with tempfile.TemporaryDirectory() as scratch:
        t0 = time.perf_counter()
        result = fit(model, forward, split, None, settings, scratch, device, 3)
        wall = time.perf_counter() - t0
    if distributed.is_main():
        audio = result.history[-1]["audio_seconds"]
        out.write_text(json.dumps({"processes": distributed.size(), "threads": threads,
                                   "steps": result.steps, "wall_s": wall,
                                   "steps_per_s": result.steps / wall,
                                   "audio_s_per_s": audio / wall}))  # fmt: skip


def parallel_timings(counts: list[int], args, smoke: bool) -> list[dict]:
    """:func:`parallel_fit` with each number of processes in ``counts``."""
    import tempfile

    from crossemo.models import distributed

    n_utt = args.utterances or (64 if smoke else 2000)
    budget = args.batch_seconds or (20.0 if smoke else 320.0)
    steps = args.steps or (20 if smoke else 40)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            path = Path(tmp) / f"{n}.json"
            fit_args = (smoke, n_utt, args.max_seconds, budget, steps,
                        max(1, args.threads // n), path)  # fmt: skip
            if n == 1:
                parallel_fit(*fit_args)
            else:
                distributed.launch(n, parallel_fit, *fit_args)
            out.append(json.loads(path.read_text()))
            print(
                f"{n} process(es) x {out[-1]['threads']} thread(s): "
                f"{out[-1]['steps_per_s']:.2f} steps/s, "
                f"{out[-1]['audio_s_per_s']:.1f} audio-s/s "
                f"(x{out[-1]['steps_per_s'] / out[0]['steps_per_s']:.2f})",
                flush=True,
            )
    return out


def n_params(config) -> int:
    from transformers import HubertModel

    return sum(p.numel() for p in HubertModel(config).parameters())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", "--tiny", action="store_true", help="tiny HuBERT, few steps (CPU)")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--utterances", type=int, default=None)
    ap.add_argument("--batch-seconds", type=float, default=None, help="our padded-seconds budget")
    ap.add_argument("--max-seconds", type=float, default=15.0)
    ap.add_argument("--peak-tflops", type=float, default=None)
    ap.add_argument("--grad-ckpt", action="store_true", help="gradient checkpointing (ours)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--processes", default=None, help="data-parallel timing with these process counts, e.g. 1,2"
    )
    ap.add_argument("--threads", type=int, default=2, help="CPU threads shared by the processes")
    args = ap.parse_args(argv)
    if args.processes:
        counts = [int(n) for n in args.processes.split(",")]
        timings = parallel_timings(counts, args, args.smoke)
        if args.json:
            args.json.write_text(json.dumps({"parallel": timings}, indent=2))
        return 0

    import torch
    from transformers import HubertConfig

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    smoke = args.smoke
    config = HubertConfig(**(TINY if smoke else LARGE), mask_time_prob=0.0, num_labels=3,
                          layerdrop=0.0)  # fmt: skip
    steps = args.steps or (6 if smoke else 40)
    warmup = args.warmup if args.warmup is not None else (2 if smoke else 5)
    n_utt = args.utterances or (64 if smoke else 2000)
    budget = args.batch_seconds or (20.0 if smoke else 320.0)
    rng = np.random.default_rng(1)
    waves = [(0.1 * rng.standard_normal(int(d * SR))).astype(np.float32)
             for d in durations(n_utt, 0, args.max_seconds)]  # fmt: skip
    setups = [
        {"name": "papers: batch 2, fp32, pad to longest, no bucketing", "bucketing": False,
         "batch_size": 2, "bf16": False, "tf32": False},
        {"name": f"ours: bucketing {budget:g} s/batch, bf16, TF32", "bucketing": True,
         "batch_seconds": budget, "max_batch_size": 256, "bf16": True, "tf32": True,
         "grad_ckpt": args.grad_ckpt},
    ]  # fmt: skip
    results = {"device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
               "model": "tiny HuBERT (smoke)" if smoke else "HuBERT-large (random weights)",
               "parameters": n_params(config),
               "train": [], "extraction": None}  # fmt: skip
    for setup in setups:
        res = run_training(setup, waves, config, device, steps, warmup, args.peak_tflops)
        results["train"].append(res)
        mfu = "n/a" if res["mfu"] is None else f"{100 * res['mfu']:.1f} %"
        print(
            f"{res['setup']}: {res['audio_s_per_s']:.1f} audio-s/s, "
            f"padding +{100 * res['padding_overhead']:.0f} %, {res['tflops']:.2f} TFLOP/s, "
            f"MFU {mfu}",
            flush=True,
        )
    ours, papers = results["train"][1], results["train"][0]
    results["speedup"] = ours["audio_s_per_s"] / papers["audio_s_per_s"]
    print(f"speed-up ours / papers: {results['speedup']:.2f}x")
    ext = run_extraction(waves, config, device, budget)
    results["extraction"] = ext
    print(
        f"frozen feature extraction (all layers, mean-pooled): {ext['x_real_time']:.0f}x real "
        f"time ({ext['audio_s']:.0f} s of audio in {ext['wall_s']:.2f} s)"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
