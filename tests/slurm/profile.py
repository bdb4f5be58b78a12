"""Derive the CI cluster's profile from profiles/slurm: the same file minus what a GPU-free
one-node cluster cannot grant.

    python tests/slurm/profile.py profiles/slurm OUT_DIR --max-mem-mb N --max-threads N

Changes, and nothing else: rules with GPU requests in `set-resources` get `gpu: 0` (overriding the
rule's own `gpu=1`) and lose `gpu_model`/`gpu_manufacturer`/`gres`/`cpus_per_gpu`; memory requests
are capped at half of --max-mem-mb (the node's memory, so two jobs fit); `max-threads` caps thread
counts at the node's CPUs. The GPU rules then run on CPU as ordinary jobs (tiny models in CI).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

GPU_KEYS = ("gpu_model", "gpu_manufacturer", "gres", "cpus_per_gpu", "tasks_per_gpu")


def derive(profile: dict, max_mem_mb: int, max_threads: int) -> dict:
    out = dict(profile)
    resources = dict(out.get("default-resources") or {})
    if isinstance(resources.get("mem_mb"), int):
        resources["mem_mb"] = min(resources["mem_mb"], max_mem_mb)
    out["default-resources"] = resources
    per_rule = {}
    for rule, res in (out.get("set-resources") or {}).items():
        res = dict(res)
        if "gpu" in res or any(k in res for k in GPU_KEYS):
            res = {k: v for k, v in res.items() if k not in GPU_KEYS}
            res["gpu"] = 0
        for key in ("mem_mb", "mem"):
            if isinstance(res.get(key), int):
                res[key] = min(res[key], max_mem_mb)
        if isinstance(res.get("mem"), str):  # "32G" style: cap as well
            res.pop("mem")
            res["mem_mb"] = max_mem_mb
        per_rule[rule] = res
    if per_rule:
        out["set-resources"] = per_rule
    out["max-threads"] = max_threads
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("profile_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--max-mem-mb", type=int, required=True)
    parser.add_argument("--max-threads", type=int, required=True)
    args = parser.parse_args(argv)
    profile = yaml.safe_load((args.profile_dir / "config.yaml").read_text())
    args.out_dir.mkdir(parents=True, exist_ok=True)
    derived = derive(profile, args.max_mem_mb // 2, args.max_threads)
    (args.out_dir / "config.yaml").write_text(yaml.safe_dump(derived, sort_keys=False))


if __name__ == "__main__":
    main()
