"""What a run lost, said on the console: the rejects of ingestion and preprocessing, counted.

Rejected inputs are rows of ``results/manifests/{corpus}.rejects.parquet`` and
``results/audio/{corpus}/{shard}.rejects.parquet``, each with its reason; a researcher who reads
only the console must still learn that data was lost. The Snakefile's ``onsuccess`` handler
prints :func:`loss_summary` of the tables present.
"""

from __future__ import annotations

import glob
from collections import Counter
from pathlib import Path

from crossemo.core.safe_text import terminal_text

#: reject tables of a results folder (ingestion, then preprocessing), as glob patterns
REJECT_TABLES = ("manifests/*.rejects.parquet", "audio/*/*.rejects.parquet")


def reject_tables(results: str | Path = "results") -> list[str]:
    """The reject tables present under ``results``."""
    return sorted(p for pattern in REJECT_TABLES for p in glob.glob(str(Path(results) / pattern)))


def count_rejects(paths: list[str]) -> Counter:
    """``(corpus, stage, reason) -> rows`` over the reject tables ``paths``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts: Counter = Counter()
    for path in paths:
        try:
            table = pq.read_table(path, columns=["corpus", "stage", "reason"]).to_pydict()
        except (pa.ArrowException, OSError):  # not a table (`--touch`, a job's leftovers)
            continue  # the summary must never fail a run that succeeded
        counts.update(zip(table["corpus"], table["stage"], table["reason"], strict=True))
    return counts


def loss_summary(results: str | Path = "results") -> str | None:
    """A few lines naming how many inputs were rejected, per corpus, stage and reason, and where
    the rows are; None when nothing was."""
    counts = count_rejects(reject_tables(results))
    if not counts:
        return None
    lines = [
        f"crossemo: {sum(counts.values())} inputs rejected (one row each, with its reason, in "
        f"{results}/manifests/*.rejects.parquet and {results}/audio/*/*.rejects.parquet):"
    ]
    for (corpus, stage, reason), n in sorted(counts.items()):
        lines.append(
            f"  {terminal_text(corpus)} {terminal_text(stage)}: {n} {terminal_text(reason)}"
        )
    return "\n".join(lines)


def print_losses(results: str | Path = "results") -> None:
    """Print :func:`loss_summary` to standard error when inputs were rejected."""
    import sys

    summary = loss_summary(results)
    if summary:
        print(summary, file=sys.stderr)
