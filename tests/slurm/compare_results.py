"""Compare the results/ trees of two runs of the same targets (local vs SLURM).

    python tests/slurm/compare_results.py LOCAL_DIR SLURM_DIR

Same set of files; Parquet and CSV by content (pandas, dtypes included), JSON as parsed data
(floats to 1e-9 relative), PNG by decoded pixels, everything else byte for byte. Wall-clock
fields (IGNORED_FIELDS, e.g. a training curve's elapsed_s) are left out. Exits 1 and lists
every difference when they differ.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd

#: files whose content legitimately depends on the run (wall times, hosts)
IGNORED_NAMES = {"report.html", "report.zip"}
#: table columns / JSON keys holding wall-clock measurements (training curves, timings)
IGNORED_FIELDS = {"elapsed_s", "wall_s", "wall_time_s", "timestamp"}


def _json_equal(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12) or (
                math.isnan(float(a)) and math.isnan(float(b))
            )
        except (TypeError, ValueError):
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(
            _json_equal(a[k], b[k]) for k in a if k not in IGNORED_FIELDS
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    a = a.drop(columns=[c for c in a.columns if c in IGNORED_FIELDS])
    b = b.drop(columns=[c for c in b.columns if c in IGNORED_FIELDS])
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=0)
    except AssertionError as exc:
        return str(exc).splitlines()[0] if str(exc) else "frames differ"
    return None


def compare_file(a: Path, b: Path) -> str | None:
    """None when equal, else a one-line reason."""
    suffix = a.suffix.lower()
    if suffix == ".parquet":
        return _frames_equal(pd.read_parquet(a), pd.read_parquet(b))
    if suffix in (".csv", ".tsv"):
        sep = "," if suffix == ".csv" else "\t"
        return _frames_equal(pd.read_csv(a, sep=sep), pd.read_csv(b, sep=sep))
    if suffix == ".json":
        equal = _json_equal(json.loads(a.read_text()), json.loads(b.read_text()))
        return None if equal else "JSON content differs"
    if suffix == ".png":
        import matplotlib.image as mpimg
        import numpy as np

        equal = np.array_equal(mpimg.imread(a), mpimg.imread(b))
        return None if equal else "pixels differ"
    return None if a.read_bytes() == b.read_bytes() else "bytes differ"


def compare_trees(left: Path, right: Path, subdir: str = "results") -> list[str]:
    def files(root: Path) -> set[str]:
        base = root / subdir
        return {
            str(p.relative_to(root))
            for p in base.rglob("*")
            if p.is_file() and p.name not in IGNORED_NAMES
        }

    lfiles, rfiles = files(left), files(right)
    problems = [f"only in {left}: {p}" for p in sorted(lfiles - rfiles)]
    problems += [f"only in {right}: {p}" for p in sorted(rfiles - lfiles)]
    for rel in sorted(lfiles & rfiles):
        reason = compare_file(left / rel, right / rel)
        if reason:
            problems.append(f"{rel}: {reason}")
    if not lfiles:
        problems.append(f"no files under {left / subdir}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    left, right = Path(args[0]), Path(args[1])
    problems = compare_trees(left, right)
    n = len({p for p in (left / "results").rglob("*") if p.is_file()})
    if problems:
        print(f"{len(problems)} difference(s):", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{n} result files equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
