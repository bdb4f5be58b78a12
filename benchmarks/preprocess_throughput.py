"""Benchmark: the preprocessing shard job against its own decode + resample floor.

What: for each shard, CPU seconds of crossemo's whole shard job
(`crossemo.audio.preprocess.preprocess_shard`: read the manifest and check the shard's rows,
decode, mono, soxr-HQ resample to 16 kHz, energy silence removal, duration limits, PCM16 encode,
Parquet shard and rejects table, as rule preprocess_audio runs it) against the floor: decode
with the job's own reader (`crossemo.audio.decode.load`: the direct 16-bit PCM read, soundfile
for other formats, segments by seek) + mono + ``soxr.resample(..., quality="HQ")`` of the same
rows and nothing else, in the same run (a soundfile floor would compare two decoders).
Throughput is input audio-seconds (what the floor decodes) per CPU-second for both, so
ours / floor = CPU_floor / CPU_ours (target >= 0.8). Also: the
fingerprint job of each shard (`crossemo.audio.fingerprint.fingerprint_shard`, as rule
fingerprint_audio runs it: read the shard, exact and tolerant prints, write the prints table)
as its CPU against the floor's, and both jobs together; bytes per stored sample of the shard
files (file bytes / samples read back; target <= 2) and each process's peak RSS (VmHWM,
taken before the size accounting reads the shard back; ru_maxrss is not used: Linux carries it
over from the parent through fork and exec, so a child showed the benchmark's own peak).

How: every measurement is its own subprocess (as Snakemake runs jobs, with one BLAS/OpenMP
thread, as Snakemake sets for a one-thread job), with an untimed warm-up
(imports, first calls, a tiny shard job) before the timed work; floor and ours alternate
``--repeats`` times per shard and each keeps its fastest run (the machine may be shared; the
range of whole-run ratios is printed too). Corpus: the seven demo corpora (espeak-ng speech in
the publishers' layouts, 16-96 kHz), replicated K times with new utt_ids, each replica reading
its files through its own symlinked root (so no job shares one decode between copies).

``--storage`` compares encodings of the samples column instead (size, write and read CPU, and
size with white noise at -50 dBFS added); ``--profile`` prints a cProfile (CPU time) of one
shard job.

Usage: python benchmarks/preprocess_throughput.py [--work DIR] [--replicas 1 4]
       [--shard-utts 250 1000] [--repeats 5] [--storage | --profile]
Prints Markdown tables; paste them into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

    from crossemo.core.schemas import Manifest, write_table
    from crossemo.corpora import ingest
    from crossemo.demo import synthesize

    out = work / f"manifest_x{replicas}.parquet"
    if out.exists():
        return out
    demo = work / "demo"
    if not demo.exists():
        synthesize(demo, seed=0)
    frames = []
    for corpus in CORPORA:
        manifest, _ = ingest(corpus, demo / ROOTS[corpus], corpus)
        frames.append(manifest)
    columns = list(Manifest.to_schema().columns)  # extras differ in type between corpora
    base = pd.concat([f[columns] for f in frames], ignore_index=True)
    copies = []
    for k in range(replicas):  # replica k reads its files through its own symlinked root, so
        root = work / f"demo_r{k}"  # no job can share one decode between copies of a file
        if k and not root.exists():
            root.symlink_to(demo.resolve(), target_is_directory=True)
        path = base["path"] if k == 0 else base["path"].str.replace(str(demo), str(root), n=1)
        copies.append(base.assign(utt_id=base["utt_id"] + f"#r{k}", path=path))
    write_table(pd.concat(copies, ignore_index=True), out, Manifest)
    return out


def floor(rows) -> float:
    """Decode with the shard job's reader (``crossemo.audio.decode.load``) + mono + soxr-HQ
    resample every row, keeping nothing: the least any shard job must do. Returns the decoded
    audio seconds."""
    import soxr

    from crossemo.audio.decode import load

    seconds = 0.0
    for path, start, end in zip(rows["path"], rows["start"], rows["end"], strict=True):
        y, sr = load(path, None if start != start else start, None if end != end else end)
        seconds += len(y) / sr
        if sr != 16000:
            y = soxr.resample(y, sr, 16000, quality="HQ")
    return seconds


def peak_rss_mb() -> float:
    """This process's peak resident set size since it started (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def _shard_sizes(path: Path) -> dict:
    """Samples stored in the shard (read back through ``iter_audio``) and its file bytes."""
    from crossemo.audio.shards import iter_audio

    samples = sum(len(clip) for _, clip, _ in iter_audio([path]))
    return {"samples": samples, "bytes": path.stat().st_size}


def _prints_job(args: argparse.Namespace, out: Path) -> dict:
    """Time the fingerprint job of the shard that mode "ours" wrote (``--shard-from``)."""
    from crossemo.audio.fingerprint import fingerprint_shard

    shard_path = Path(args.shard_from) / f"{args.shard:04d}.parquet"
    fingerprint_shard(shard_path, out / "warm.prints.parquet")  # warm-up: imports, first calls
    began = time.process_time()
    fingerprint_shard(shard_path, out / f"{args.shard:04d}.prints.parquet")
    return {"cpu_s": time.process_time() - began}


def _child(args: argparse.Namespace) -> None:
    """Run one measurement in this (fresh) process and print JSON."""
    import inspect

    import pandas as pd

    from crossemo.audio.preprocess import PreprocessSettings, preprocess_shard
    from crossemo.audio.sharding import select_shard

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = pd.read_parquet(args.manifest)
    rows = select_shard(manifest, args.shard, args.n_shards)
    settings = PreprocessSettings()
    result: dict = {}
    if args.mode == "prints":
        result = _prints_job(args, out)
    elif args.mode == "floor":
        floor(manifest.head(5))  # warm-up: imports, first calls
        began = time.process_time()
        result["audio_s"] = floor(rows)
        result["cpu_s"] = time.process_time() - began
    else:
        # an older source tree (--before-src) whose job also wrote the prints: it does so here
        prints = "prints_output" in inspect.signature(preprocess_shard).parameters
        warm = out / "warm"  # warm-up: imports, first calls (pandera, pyarrow writer) on ~5 rows
        preprocess_shard(
            args.manifest, 0, max(1, len(manifest) // 5), settings,
            warm / "w.parquet", warm / "w.rejects.parquet", *([warm / "w.p.parquet"] * prints)
        )  # fmt: skip
        shard_path = out / f"{args.shard:04d}.parquet"
        job = (args.manifest, args.shard, args.n_shards, settings, shard_path,
               out / f"{args.shard:04d}.rejects.parquet",
               *([out / f"{args.shard:04d}.prints.parquet"] * prints))  # fmt: skip
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile(time.process_time)  # CPU time, as measured
            began = time.process_time()
            prof.runcall(preprocess_shard, *job)
            print(f"CPU s (profiled) {time.process_time() - began:.3f}, {len(rows)} rows")
            stats = pstats.Stats(prof, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            return
        began = time.process_time()
        preprocess_shard(*job)
        result["cpu_s"] = time.process_time() - began
    # peak RSS of the job itself (the size accounting below reads the shard back)
    result["rss_mb"] = peak_rss_mb()
    if args.mode in {"ours", "before"}:
        result.update(_shard_sizes(shard_path))
    print(json.dumps(result))


def _run_child(manifest: Path, mode: str, n_shards: int, shard: int, out: Path,
               profile: bool = False, src: Path | None = None) -> dict | str:  # fmt: skip
    cmd = [sys.executable, __file__, "--child", "--mode", mode, "--manifest", str(manifest),
           "--n-shards", str(n_shards), "--shard", str(shard), "--out", str(out),
           "--shard-from", str(out.parent / "ours")]  # fmt: skip
    if profile:
        cmd.append("--profile")
    env = dict(os.environ)
    # what Snakemake gives a `threads: 1` job (rule preprocess_audio): one BLAS/OpenMP thread
    for var in ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):  # fmt: skip
        env[var] = "1"
    if src is not None:  # the job as another source tree has it (e.g. before this change)
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    if profile:
        return proc.stdout
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(manifest: Path, n_shards: int, out: Path, repeats: int,
            before: Path | None = None) -> dict:  # fmt: skip
    """Floor, ours, the fingerprint job of ours' shard ("prints") and the ``before`` source
    tree's job per shard, alternating, ``repeats`` times; the fastest run of each kept, per
    shard."""
    modes = {"floor": ("floor", None), "ours": ("ours", None), "prints": ("prints", None)}
    if before is not None:
        modes["before"] = ("before", before)
    runs: dict[str, list[list[dict]]] = {name: [] for name in modes}
    for _ in range(repeats):
        for name, (mode, src) in modes.items():
            runs[name].append(
                [
                    _run_child(manifest, mode, n_shards, i, out / name, src=src)
                    for i in range(n_shards)
                ]  # fmt: skip
            )
    best = {
        name: [min((r[i] for r in reps), key=lambda x: x["cpu_s"]) for i in range(n_shards)]
        for name, reps in runs.items()
    }
    result = {"audio_s": sum(r["audio_s"] for r in best["floor"])}
    for name, reps in runs.items():
        result[f"{name}_cpu"] = sum(r["cpu_s"] for r in best[name])
        result[f"{name}_rss"] = max(r["rss_mb"] for rep in reps for r in rep)
        if name != "floor":
            per_run = [sum(x["cpu_s"] for x in f) / sum(x["cpu_s"] for x in o)
                       for f, o in zip(runs["floor"], reps, strict=True)]  # fmt: skip
            result[f"{name}_range"] = (min(per_run), max(per_run))
            if name == "prints":
                continue
            last = reps[-1]
            result[f"{name}_bytes_per_sample"] = sum(r["bytes"] for r in last) / sum(
                r["samples"] for r in last
            )
    return result


def storage(manifest: Path, work: Path, repeats: int) -> None:
    """Size and CPU of candidate sample encodings on the same preprocessed clips (one process).

    Clips: the demo shard's float32 output (``process``), PCM16-quantised where the encoding
    is 16-bit. Write = building the column + ``pq.write_table`` (utt_id + samples), read =
    ``pq.read_table`` + back to float32 per clip; best of ``repeats``; bytes per sample of the
    file, also with white noise at -50 dBFS added to every clip.
    """
    import io

    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    import soundfile as sf

    from crossemo.audio.decode import DecodeError, load
    from crossemo.audio.preprocess import Dropped, PreprocessSettings, process, write_shard
    from crossemo.audio.shards import encode_pcm16, iter_audio, samples_column

    settings, clips, ids = PreprocessSettings(), [], []
    for row in pd.read_parquet(manifest).itertuples():
        start = None if pd.isna(row.start) else row.start
        try:
            samples, sr = load(row.path, start, None if pd.isna(row.end) else row.end)
            clips.append(process(samples, sr, settings)[0])
            ids.append(row.utt_id)
        except (DecodeError, Dropped):
            continue
    n = sum(len(c) for c in clips)
    rng = np.random.default_rng(0)
    noisy = [
        np.clip(c + rng.normal(0, 10 ** (-50 / 20), len(c)).astype("f4"), -1, 1) for c in clips
    ]

    def offsets(arrays):
        return pa.array(np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype("i4"))

    def list_f32(arrays):
        return pa.ListArray.from_arrays(offsets(arrays), pa.array(np.concatenate(arrays)))

    def list_i16(arrays):
        pcm = np.concatenate([encode_pcm16(a)[0] for a in arrays])
        return pa.ListArray.from_arrays(offsets(arrays), pa.array(pcm))

    def flac(arrays):
        out = []
        for a in arrays:
            buf = io.BytesIO()
            sf.write(buf, encode_pcm16(a)[0], 16000, format="FLAC", subtype="PCM_16")
            out.append(buf.getvalue())
        return pa.array(out, pa.binary())

    def pcm_bytes(arrays):
        return samples_column([encode_pcm16(a)[0] for a in arrays])[0]

    def read_list(path):
        column = pq.read_table(path, columns=["samples"]).column("samples").combine_chunks()
        off, values = column.offsets.to_numpy(), column.values.to_numpy(zero_copy_only=False)
        scale = np.float32(1 / 32768) if values.dtype == np.int16 else np.float32(1)
        return [np.multiply(values[off[i] : off[i + 1]], scale, dtype="f4") for i in range(n_rows)]

    def read_flac(path):
        column = pq.read_table(path, columns=["samples"]).column("samples").to_pylist()
        return [sf.read(io.BytesIO(b), dtype="float32")[0] for b in column]

    def read_ours(path):
        return [samples for _, samples, _ in iter_audio([path])]

    bss = {"samples.list.element": "BYTE_STREAM_SPLIT"}
    delta = {"samples.list.element": "DELTA_BINARY_PACKED"}
    variants = [  # name, column builder, write options, reader
        ("list<float32>, snappy (format 1)", list_f32, {"compression": "snappy"}, read_list),
        ("list<int16>, snappy", list_i16, {"compression": "snappy"}, read_list),
        ("list<int16>, zstd 1", list_i16, {"compression": "zstd", "compression_level": 1},
         read_list),
        ("list<int16>, BYTE_STREAM_SPLIT + zstd 1", list_i16,
         {"compression": "zstd", "compression_level": 1, "column_encoding": bss}, read_list),
        ("list<int16>, DELTA_BINARY_PACKED", list_i16,
         {"compression": "none", "column_encoding": delta}, read_list),
        ("FLAC per clip (soundfile), no Parquet codec", flac, {"compression": "none"}, read_flac),
        ("PCM16 bytes, no codec", pcm_bytes, {"compression": "none"}, read_ours),
        ("PCM16 bytes, zstd 1", pcm_bytes, {"compression": "zstd", "compression_level": 1},
         read_ours),
        ("PCM16 bytes, snappy (format 2: write_shard)", None, None, read_ours),
    ]  # fmt: skip
    n_rows = len(clips)
    rates = pa.array([16000] * n_rows, pa.int32())
    print(f"{n_rows} clips, {n} samples ({n / 16000:.0f} s at 16 kHz); best of {repeats}")
    print("| samples column | bytes/sample | write CPU ms | read CPU ms | bytes/sample, noisier |")
    print("|---|---:|---:|---:|---:|")
    for name, build, options, read in variants:
        path = work / "storage.parquet"

        def write(arrays, build=build, options=options, path=path):
            if build is None:  # the real writer, metadata columns included
                write_shard([{"utt_id": u, "samples": a, "sample_rate": 16000,
                              "duration": len(a) / 16000, "source_duration": len(a) / 16000,
                              "trimmed_s": 0.0, "denoised": False}
                             for u, a in zip(ids, arrays, strict=True)], path)  # fmt: skip
                return
            table = pa.table({"utt_id": ids, "samples": build(arrays), "sample_rate": rates})
            pq.write_table(table, path, use_dictionary=["utt_id"], **options)

        best_w = best_r = float("inf")
        for _ in range(repeats):
            began = time.process_time()
            write(clips)
            best_w = min(best_w, time.process_time() - began)
            began = time.process_time()
            read(path)
            best_r = min(best_r, time.process_time() - began)
        size = path.stat().st_size / n
        write(noisy)
        noisy_size = path.stat().st_size / n
        print(f"| {name} | {size:.3f} | {best_w * 1e3:.0f} | {best_r * 1e3:.0f} "
              f"| {noisy_size:.3f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--shard-utts", type=int, nargs="+", default=[250, 1000], help="utterances per shard"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one shard job")
    parser.add_argument(
        "--before-src",
        type=Path,
        default=None,
        help="also time the job of this source tree's crossemo (e.g. `git archive` of the "
        "previous commit's src/): the before/after comparison in the same run",
    )
    parser.add_argument(
        "--storage", action="store_true", help="compare sample encodings (demo x1) instead"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="ours")
    parser.add_argument("--manifest", default="")
    parser.add_argument("--n-shards", type=int, default=1)
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--out", default="")
    parser.add_argument("--shard-from", default="")
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    import pandas as pd

    work = args.work or Path(tempfile.mkdtemp(prefix="crossemo-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.storage:
        storage(build_manifest(work, 1), work, args.repeats)
        return
    rows = []
    for k in args.replicas:
        manifest = build_manifest(work, k)
        n = len(pd.read_parquet(manifest, columns=["utt_id"]))
        for per_shard in args.shard_utts:
            n_shards = max(1, round(n / per_shard))
            if args.profile:
                print(_run_child(manifest, "ours", n_shards, 0, work / "profile", profile=True))
                return
            result = measure(
                manifest, n_shards, work / f"x{k}_{n_shards}", args.repeats, args.before_src
            )
            rows.append((k, n, per_shard, n_shards, result))
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())  # fmt: skip
    print(
        f"machine: {cpu}, {os.cpu_count()} logical CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end; Python {platform.python_version()}; "
        f"best of {args.repeats} per shard and mode, CPU time of one process"
    )
    before = args.before_src is not None
    head = ["corpus", "utts", "utts/shard", "shards", "floor audio-s/CPU-s", "ours audio-s/CPU-s",
            "**ours / floor** (range over runs)", "**bytes/sample**",
            "prints job CPU / floor CPU", "both jobs / floor"]  # fmt: skip
    if before:
        head += ["before / floor (range)", "before bytes/sample"]
    head += ["floor peak RSS MB", "ours peak RSS MB", "prints peak RSS MB"]
    head += ["before peak RSS MB"] if before else []
    print("| " + " | ".join(head) + " |")
    print(
        "|---|"
        + "---:|" * 5
        + "---|---:|---:|---:|"
        + ("---|---:|" if before else "")
        + "---:|" * (4 if before else 3)
    )
    for k, n, per_shard, n_shards, r in rows:
        t_floor, t_ours = r["audio_s"] / r["floor_cpu"], r["audio_s"] / r["ours_cpu"]
        lo, hi = r["ours_range"]
        cells = [f"demo x{k}", n, per_shard, n_shards, f"{t_floor:.0f}", f"{t_ours:.0f}",
                 f"**{t_ours / t_floor:.2f}x** ({lo:.2f}-{hi:.2f})",
                 f"**{r['ours_bytes_per_sample']:.3f}**"]  # fmt: skip
        cells.append(f"{r['prints_cpu'] / r['floor_cpu']:.2f}")
        cells.append(f"{r['floor_cpu'] / (r['ours_cpu'] + r['prints_cpu']):.2f}x")
        if before:
            b_lo, b_hi = r["before_range"]
            ratio = r["floor_cpu"] / r["before_cpu"]
            cells += [
                f"{ratio:.2f}x ({b_lo:.2f}-{b_hi:.2f})",
                f"{r['before_bytes_per_sample']:.3f}",
            ]
        cells += [f"{r['floor_rss']:.0f}", f"{r['ours_rss']:.0f}", f"{r['prints_rss']:.0f}"]
        if before:
            cells.append(f"{r['before_rss']:.0f}")
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
