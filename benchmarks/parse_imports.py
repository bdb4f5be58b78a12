"""Benchmark: what a Snakemake parse imports from crossemo (SLURM re-parses the workflow per job).

What: the import statements of ``rules/common.smk`` (read from the file, so each checkout is
measured with its own imports), run in fresh interpreters: modules loaded, whether numpy,
pandas, pandera or pyarrow is among them, wall time of the interpreter (median and best of
``--repeat``), and ``python -X importtime``'s cumulative time of the imports.

How: ``python benchmarks/parse_imports.py [--checkout DIR ...]``; each DIR is a checkout (for a
baseline, ``git worktree add --detach /tmp/before <commit>``). The first checkout is the baseline
of the ratios. Figures: BENCHMARKS.md, "Parse imports".
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "pandera", "pyarrow")


def parse_imports(checkout: Path) -> str:
    """The crossemo import statements of a checkout's rules/common.smk, as Python source."""
    tree = ast.parse((checkout / "rules" / "common.smk").read_text().split("\ndef ", 1)[0])
    statements = [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("crossemo")
    ]
    return "; ".join(statements)


def measure(checkout: Path, repeat: int) -> dict:
    """Modules, heavy libraries and times of the parse imports of ``checkout``."""
    code = parse_imports(checkout)
    probe = (
        f"{code}; import sys; print(len(sys.modules), *[m for m in {HEAVY!r} if m in sys.modules])"
    )
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    walls, cumulative = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                             capture_output=True, text=True).stdout.split()  # fmt: skip
        walls.append(time.perf_counter() - t0)
        timing = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env,
                                check=True, capture_output=True, text=True).stderr  # fmt: skip
        top = [line.split("|") for line in timing.splitlines() if line.startswith("import time:")]
        cumulative.append(sum(int(cols[1]) for cols in top[1:] if not cols[2].startswith("  ")))
    return {"checkout": str(checkout), "modules": int(out[0]), "heavy": out[1:],
            "median_s": statistics.median(walls), "best_s": min(walls),
            "importtime_ms": statistics.median(cumulative) / 1000}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, action="append", default=None,
                        help="checkout to measure (repeatable; default: this one)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    rows = [measure(c.resolve(), args.repeat) for c in (args.checkout or [REPO])]
    base = rows[0]
    print("| checkout | modules | numpy/pandas/pandera/pyarrow | median (s) | best (s) "
          "| importtime (ms) | best vs first |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['checkout']} | {r['modules']} | {', '.join(r['heavy']) or 'none'} "
              f"| {r['median_s']:.2f} | {r['best_s']:.2f} | {r['importtime_ms']:.0f} "
              f"| {r['best_s'] / base['best_s']:.2f}x |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
