"""Benchmark: what Whisper's decoding options cost on emotional (demo) speech.

What: rule transcribe_shard's path
(:func:`crossemo.transcripts.transcribe.transcribe_utterances`, packed 28 s windows,
faster-whisper, the offline tiny.en, int8, one thread) on the demo's RAVDESS shard (espeak-ng
speech with emotional prosody, the two RAVDESS statements), decoded three ways:
Whisper's default (beam 5, temperature fallback 0.0-1.0: a window whose output looks like a
hallucination is decoded again, sampling, at the next temperature), beam 5 at temperature 0
only, and greedy (beam 1) at temperature 0. Cost = CPU seconds of the process per audio second
(RTF per core; baseline: the default, in the same run); accuracy = mean (min) difflib ratio of
each utterance's normalised transcript against its RAVDESS statement (the MOSEI filter's measure).

Usage: python benchmarks/transcribe_decoding.py [--utterances 120] [--workdir DIR]
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crossemo.audio.preprocess import PreprocessSettings, preprocess_shard  # noqa: E402
from crossemo.audio.shards import iter_audio  # noqa: E402
from crossemo.corpora import ingest  # noqa: E402
from crossemo.corpora.manifest import write_ingest  # noqa: E402
from crossemo.demo import synthesize  # noqa: E402
from crossemo.transcripts.filters import similarity  # noqa: E402
from crossemo.transcripts.transcribe import TranscribeSettings, transcribe_utterances  # noqa: E402

DECODINGS = {
    "Whisper default: beam 5, temperature fallback": {},
    "beam 5, temperature 0": {"beam_size": 5, "temperature": 0},
    "greedy: beam 1, temperature 0": {"beam_size": 1, "temperature": 0},
}


def demo_shard(workdir: Path) -> tuple[Path, pd.DataFrame]:
    """The demo's RAVDESS corpus ingested and preprocessed into one audio shard."""
    demo = workdir / "demo"
    synthesize(demo, seed=0)
    manifest, rejects = ingest("ravdess", str(demo / "RAVDESS"), "ravdess")
    paths = [workdir / "ravdess.parquet", workdir / "ravdess.rejects.parquet"]
    write_ingest(manifest, rejects, *paths)
    shard = workdir / "audio.parquet"
    preprocess_shard(manifest_path=paths[0], shard="0000", n_shards=1,
                     settings=PreprocessSettings.from_config({}), output=shard,
                     rejects_output=workdir / "audio.rejects.parquet")  # fmt: skip
    return shard, pd.read_parquet(paths[0])


def measure(items: list, settings: TranscribeSettings, texts: dict[str, str]) -> dict:
    """CPU seconds and accuracy of transcribing ``items`` with ``settings``."""
    began = time.process_time()
    table = transcribe_utterances(items, settings, cpu_threads=1)
    cpu = time.process_time() - began
    ratios = [
        similarity(heard, texts[u]) for u, heard in zip(table["utt_id"], table["text"], strict=True)
    ]
    return {"cpu": cpu, "mean": sum(ratios) / len(ratios), "min": min(ratios)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=120)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shard, manifest = demo_shard(args.workdir or Path(tmp))
        texts = manifest.set_index("utt_id")["text"].to_dict()  # the statement spoken
        items = list(iter_audio([shard]))[: args.utterances]
        audio_s = sum(len(s) / sr for _, s, sr in items)
        transcribe_utterances(items[:1], TranscribeSettings(), cpu_threads=1)  # warm-up
        rows = {name: measure(items, TranscribeSettings(**kw), texts)
                for name, kw in DECODINGS.items()}  # fmt: skip
    base = rows[next(iter(DECODINGS))]["cpu"]
    print(f"{len(items)} utterances, {audio_s:.1f} s of audio (demo RAVDESS, packed 28 s)\n")
    print("| decoding | CPU s | RTF per core | cost vs default | accuracy mean (min) |")
    print("|---|---:|---:|---:|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['cpu']:.1f} | {r['cpu'] / audio_s:.3f} | {r['cpu'] / base:.2f}x "
              f"| {r['mean']:.3f} ({r['min']:.3f}) |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
