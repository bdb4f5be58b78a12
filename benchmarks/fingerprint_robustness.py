"""Benchmark: the tolerant print (``near_print``) against ffmpeg copies and other takes.

What: demo RAVDESS clips (every third file of every actor), each prepared as preprocessing
prepares it (decode, resample, trim) and printed; ffmpeg copies of each (MP3 64 kbit/s,
MP3 128 kbit/s at -4 dB, 22.05 kHz at +3 dB, AAC 96 kbit/s at +3 dB, 8 kHz at -4 dB,
MP3 32 kbit/s) prepared and printed the same way. Prints: the share of copies within
``NEAR_THRESHOLD`` bits of their original (caught) and the largest bit error rate per copy
kind; for every pair of takes of one RAVDESS statement by one actor (other emotion or
intensity), the share within the threshold (false matches) and the smallest bit error rate;
and the print's CPU seconds per second of audio (one BLAS thread, as a Snakemake job has).

Usage: python benchmarks/fingerprint_robustness.py [--work DIR]   (needs espeak-ng, ffmpeg)
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as a one-thread Snakemake job

import numpy as np  # noqa: E402

from crossemo.audio.decode import load  # noqa: E402
from crossemo.audio.fingerprint import NEAR_BITS, NEAR_THRESHOLD, near_print  # noqa: E402
from crossemo.audio.preprocess import PreprocessSettings, process  # noqa: E402

COPIES = {
    "MP3 64 kbit/s": ("mp3", "-b:a", "64k"),
    "MP3 128 kbit/s, -4 dB": ("mp3", "-b:a", "128k", "-af", "volume=-4dB"),
    "22.05 kHz, +3 dB": ("wav", "-ar", "22050", "-af", "volume=3dB"),
    "AAC 96 kbit/s, +3 dB": ("m4a", "-b:a", "96k", "-af", "volume=3dB"),
    "8 kHz, -4 dB": ("wav", "-ar", "8000", "-af", "volume=-4dB"),
    "MP3 32 kbit/s": ("mp3", "-b:a", "32k"),
}
SETTINGS = PreprocessSettings.from_config({})


def prepared(path: Path) -> np.ndarray:
    samples, sr = load(path)
    return process(samples, sr, SETTINGS)[0]


def bits(audio: np.ndarray) -> np.ndarray:
    raw = np.frombuffer(bytes.fromhex(near_print(audio, SETTINGS.sample_rate)), np.uint8)
    return np.unpackbits(raw)[:NEAR_BITS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/crossemo-fingerprints"))
    args = parser.parse_args()
    demo = args.work / "demo"
    if not (demo / "RAVDESS").exists():
        from crossemo.demo import synthesize

        synthesize(demo, seed=0, corpora=["RAVDESS"])
    files = sorted((demo / "RAVDESS").glob("Actor_*/*.wav"))
    originals = {p: prepared(p) for p in files[::3]}
    copies_dir = args.work / "copies"
    copies_dir.mkdir(parents=True, exist_ok=True)
    print(f"{len(originals)} clips, threshold {NEAR_THRESHOLD}\n")
    print("| copy | caught | largest bit error rate |\n|---|---:|---:|")
    for number, (kind, (ext, *ffmpeg_args)) in enumerate(COPIES.items()):
        rates = []
        for path, audio in originals.items():
            target = copies_dir / f"{path.parent.name}_{path.stem}_{number}.{ext}"
            if not target.exists():
                subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(path),
                                *ffmpeg_args, str(target)], check=True)  # fmt: skip
            rates.append(np.mean(bits(audio) != bits(prepared(target))))
        rates = np.array(rates)
        print(f"| {kind} | {np.mean(rates <= NEAR_THRESHOLD):.1%} | {rates.max():.3f} |")
    takes: dict[tuple[str, str], list[Path]] = {}
    for path in files:
        parts = path.stem.split("-")  # 03-01-EE-II-SS-RR-AA
        takes.setdefault((path.parent.name, parts[4]), []).append(path)
    printed = {p: bits(prepared(p)) for group in takes.values() for p in group}
    pairs = np.array([np.mean(printed[a] != printed[b]) for group in takes.values()
                      for a, b in itertools.combinations(group, 2)])  # fmt: skip
    print(f"\nother takes of one statement by one actor: {len(pairs)} pairs, "
          f"{np.mean(pairs <= NEAR_THRESHOLD):.1%} within the threshold, smallest "
          f"{pairs.min():.3f}, median {np.median(pairs):.3f}")  # fmt: skip
    audio = list(originals.values())
    seconds = sum(len(a) for a in audio) / SETTINGS.sample_rate
    best = min(_timed(audio) for _ in range(5))
    print(f"print CPU: {best / seconds * 1000:.3f} ms per audio second (best of 5)")


def _timed(audio: list[np.ndarray]) -> float:
    began = time.process_time()
    for clip in audio:
        near_print(clip, SETTINGS.sample_rate)
    return time.process_time() - began


if __name__ == "__main__":
    main()
