"""Benchmark: preprocessing throughput and peak memory against a naive librosa.load loop.

What: audio-seconds decoded per CPU-second, and peak RSS, of crossemo's shard preprocessing
(`crossemo.audio.preprocess.preprocess_shard`: decode, mono, soxr-HQ resample to 16 kHz,
energy silence removal, Parquet shard) against the naive per-file loop
``[librosa.load(path, sr=16000) for path in files]`` (segments: with offset/duration) over the
same files, in one run. Each measurement runs in a fresh subprocess so that its peak RSS
(ru_maxrss) is its own and warm-up (imports, first-call JIT) is excluded from both timings by a
first untimed pass over a few files.

Memory: the corpus is replicated K times (K x the utterances, same audio) to show that peak RSS
of a shard job follows the shard size (utterances per shard) and not the corpus size.

Usage: python benchmarks/preprocess_throughput.py [--work DIR] [--replicas 1 4] [--shard-utts 250]
Prints a Markdown table; paste it into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPORA = ["ravdess", "tess", "cremad", "savee", "emodb", "iemocap", "mosei"]
ROOTS = {
    "ravdess": "RAVDESS",
    "tess": "TESS",
    "cremad": "CREMA-D",
    "savee": "SAVEE",
    "emodb": "EmoDB",
    "iemocap": "IEMOCAP",
    "mosei": "CMU-MOSEI",
}


def build_manifest(work: Path, replicas: int) -> Path:
    """Demo corpora -> one manifest with every utterance repeated ``replicas`` times."""
    import pandas as pd

    from crossemo.corpora import ingest
    from crossemo.demo import synthesize
    from crossemo.schemas import Manifest, write_table

    demo = work / "demo"
    if not demo.exists():
        synthesize(demo, seed=0)
    frames = []
    for corpus in CORPORA:
        manifest, _ = ingest(corpus, demo / ROOTS[corpus], corpus)
        frames.append(manifest)
    columns = list(Manifest.to_schema().columns)  # extras differ in type between corpora
    base = pd.concat([f[columns] for f in frames], ignore_index=True)
    copies = [base.assign(utt_id=base["utt_id"] + f"#r{k}") for k in range(replicas)]
    out = work / f"manifest_x{replicas}.parquet"
    write_table(pd.concat(copies, ignore_index=True), out, Manifest)
    return out


def _child(args: argparse.Namespace) -> None:
    """Run one measurement in this (fresh) process and print JSON."""
    import pandas as pd

    manifest = pd.read_parquet(args.manifest)
    if args.mode == "naive":
        import librosa

        for row in manifest.head(5).itertuples():  # warm-up: imports, caches
            librosa.load(row.path, sr=16000)
        began = time.process_time()
        kept = []  # a naive loop keeps what it loads
        for row in manifest.itertuples():
            if pd.isna(row.start):
                y, _ = librosa.load(row.path, sr=16000)
            else:
                y, _ = librosa.load(
                    row.path, sr=16000, offset=row.start, duration=row.end - row.start
                )
            kept.append(y)
        cpu = time.process_time() - began
        audio_s = sum(len(y) for y in kept) / 16000
    else:
        from crossemo.audio.decode import load
        from crossemo.audio.preprocess import PreprocessSettings, preprocess_shard, process

        settings = PreprocessSettings()
        for row in manifest.head(5).itertuples():  # warm-up: imports, numba JIT of trim
            process(
                *load(
                    row.path,
                    row.start if not pd.isna(row.start) else None,
                    row.end if not pd.isna(row.end) else None,
                ),
                settings,
            )
        out, shard = Path(args.out), args.shard
        began = time.process_time()
        preprocess_shard(
            args.manifest,
            shard,
            args.n_shards,
            settings,
            out / f"{shard:04d}.parquet",
            out / f"{shard:04d}.rejects.parquet",
        )
        cpu = time.process_time() - began
        from crossemo.sharding import select_shard

        audio_s = float(select_shard(manifest, shard, args.n_shards)["duration"].sum())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu_s": cpu, "audio_s": audio_s, "rss_mb": rss_mb, "n": len(manifest)}))


def _run_child(manifest: Path, mode: str, n_shards: int, shard: int, out: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--mode",
        mode,
        "--manifest",
        str(manifest),
        "--n-shards",
        str(n_shards),
        "--shard",
        str(shard),
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(manifest: Path, mode: str, n_shards: int, out: Path) -> dict:
    """One subprocess per shard (as Snakemake runs them): CPU and audio summed, RSS the peak."""
    shards = [_run_child(manifest, mode, n_shards, i, out) for i in range(n_shards)]
    return {
        "cpu_s": sum(r["cpu_s"] for r in shards),
        "audio_s": sum(r["audio_s"] for r in shards),
        "rss_mb": max(r["rss_mb"] for r in shards),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--shard-utts", type=int, default=250, help="utterances per shard")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="ours")
    parser.add_argument("--manifest", default="")
    parser.add_argument("--n-shards", type=int, default=1)
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="crossemo-bench-"))
    rows = []
    for k in args.replicas:
        manifest = build_manifest(work, k)
        import pandas as pd

        n = len(pd.read_parquet(manifest, columns=["utt_id"]))
        sharded = max(1, round(n / args.shard_utts))
        naive = measure(manifest, "naive", 1, work / "naive")
        one = measure(manifest, "ours", 1, work / f"ours_x{k}_1")
        many = measure(manifest, "ours", sharded, work / f"ours_x{k}_{sharded}")
        rows.append((k, n, sharded, naive, one, many))
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
        f"1 process (CPU time), {Path('/proc/cpuinfo').read_text().count('processor')} cores"
    )
    print(
        "| corpus | utts | naive audio-s/CPU-s | ours audio-s/CPU-s | ratio | naive peak RSS MB | "
        "ours 1 shard RSS MB | ours shards | ours sharded RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for k, n, sharded, naive, one, many in rows:
        t_naive = naive["audio_s"] / naive["cpu_s"]
        t_ours = many["audio_s"] / many["cpu_s"]
        print(
            f"| demo x{k} | {n} | {t_naive:.0f} | {t_ours:.0f} | {t_ours / t_naive:.2f}x | "
            f"{naive['rss_mb']:.0f} | {one['rss_mb']:.0f} | {sharded} | {many['rss_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
