"""Benchmark: stress perturbation jobs against the decode + resample floor of the same audio.

What: per condition type, CPU seconds (own + ffmpeg children) of the whole perturb_audio job
(:func:`crossemo.stress.shards.perturb_shard`: read the shard, perturb every clip, PCM16
encode, write the shard) on a demo shard, against the preprocessing floor of the same audio in
the same run: decode a 48 kHz 16-bit WAV of each clip (soundfile) + ``soxr.resample(..., 48000,
16000, quality="HQ")``, what preprocessing's decode + resample costs on a 48 kHz source (the
demo's sources are 16-96 kHz; the shards hold no source files, so the WAVs are written, untimed,
from the shard). Ratio = CPU_floor / CPU_job: >= 1 is "at least at the speed of preprocessing".
Each measurement keeps the fastest of ``--repeats`` runs (the machine may be shared).

    PYTHONPATH=src python benchmarks/stress_perturb.py results/audio/emodb/0000.parquet
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import soundfile as sf
import soxr

from crossemo.audio.shards import iter_audio
from crossemo.stress.shards import perturb_shard

#: one representative condition per type
CONDITIONS = [
    {"type": "identity"},
    {"type": "noise", "color": "white", "snr_db": 0},
    {"type": "noise", "color": "pink", "snr_db": 0},
    {"type": "noise", "color": "babble", "snr_db": 0},
    {"type": "telephone"},
    {"type": "codec", "codec": "mp3", "bitrate_kbps": 16},
    {"type": "codec", "codec": "opus", "bitrate_kbps": 12},
    {"type": "codec", "codec": "gsm", "bitrate_kbps": 0},
    {"type": "codec", "codec": "mulaw", "bitrate_kbps": 0},
    {"type": "reverb", "rt60_s": 0.6},
    {"type": "gain", "db": -10},
    {"type": "clipping", "level": 0.3},
    {"type": "speed", "factor": 1.1},
    {"type": "pitch", "semitones": 2},
    {"type": "tilt", "db_per_octave": -3},
]


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = cpu()
        fn()
        times.append(cpu() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shards", nargs="+")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wavs = []
        for i, (_, x, rate) in enumerate(iter_audio(args.shards)):
            wavs.append(Path(tmp) / f"{i}.wav")
            sf.write(wavs[-1], soxr.resample(x, rate, 48000), 48000, subtype="PCM_16")
        seconds = sum(sf.info(w).duration for w in wavs)

        def floor() -> None:
            for w in wavs:
                y, rate = sf.read(w, dtype="float32")
                soxr.resample(y, rate, 16000, quality="HQ")

        floor_s = best(floor, args.repeats)
        print(f"{len(wavs)} clips, {seconds:.0f} s of audio; floor {floor_s:.3f} CPU s")
        print("| condition | CPU s | floor / job |\n|---|---|---|")
        for spec in CONDITIONS:
            out = Path(tmp) / "out.parquet"

            def job_run(spec=spec, out=out) -> None:
                for shard in args.shards:
                    perturb_shard(shard, spec, 0, out, babble=args.shards)

            job = best(job_run, args.repeats)
            name = "_".join(str(v) for v in spec.values())
            print(f"| {name} | {job:.3f} | {floor_s / job:.2f} |")


if __name__ == "__main__":
    main()
