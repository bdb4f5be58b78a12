#!/usr/bin/env python3
"""Compare the numbers of two workflow runs: metrics and predictions, value for value.

A refactor of the library must leave the demo's numbers unchanged. Run the demo on the old
code, keep its ``results/`` folder, run it on the new code, then::

    python tools/compare_results.py OLD/results NEW/results

Every ``metrics/*.csv`` and ``metrics/*.json`` is compared byte for byte; every
``predictions/**/*.parquet`` table is compared value for value (columns, dtypes, rows; file
metadata such as the writer's version may differ). A file present on one side only is a
difference. The exit status is 0 only when nothing differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

TEXT_PATTERNS = ("metrics/*.csv", "metrics/*.json")
TABLE_PATTERNS = ("predictions/**/*.parquet",)


def relative_files(root: Path, patterns: tuple[str, ...]) -> set[Path]:
    """Files under ``root`` matching ``patterns``, relative to ``root``."""
    return {p.relative_to(root) for pattern in patterns for p in root.glob(pattern)}


def table_difference(old: Path, new: Path) -> str | None:
    """Why two Parquet tables differ in value, or None when they are equal."""
    a, b = pd.read_parquet(old), pd.read_parquet(new)
    if list(a.columns) != list(b.columns):
        return f"columns {list(a.columns)} != {list(b.columns)}"
    if list(a.dtypes) != list(b.dtypes):
        return f"dtypes {list(a.dtypes)} != {list(b.dtypes)}"
    if len(a) != len(b):
        return f"{len(a)} rows != {len(b)} rows"
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as error:
        return str(error).splitlines()[0]
    return None


def differences(old_root: Path, new_root: Path) -> list[str]:
    """Every difference between the numbers of two results folders, one line each."""
    found = []
    for patterns, compare in ((TEXT_PATTERNS, None), (TABLE_PATTERNS, table_difference)):
        old, new = relative_files(old_root, patterns), relative_files(new_root, patterns)
        found += [f"only in {old_root}: {p}" for p in sorted(old - new)]
        found += [f"only in {new_root}: {p}" for p in sorted(new - old)]
        for path in sorted(old & new):
            a, b = old_root / path, new_root / path
            if compare is None:
                why = None if a.read_bytes() == b.read_bytes() else "bytes differ"
            else:
                why = compare(a, b)
            if why:
                found.append(f"{path}: {why}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="results folder of the reference run")
    parser.add_argument("new", type=Path, help="results folder of the run to check")
    args = parser.parse_args(argv)
    for root in (args.old, args.new):
        if not (root / "metrics").is_dir():
            parser.error(f"{root} has no metrics/ folder: give a workflow's results folder")
    found = differences(args.old, args.new)
    compared = sum(len(relative_files(args.old, p)) for p in (TEXT_PATTERNS, TABLE_PATTERNS))
    for line in found:
        print(line)
    print(f"{compared} files compared, {len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
