"""The ingest stage: write a corpus manifest and its rejects, and summarise them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossemo.core.provenance import metadata
from crossemo.core.schemas import Manifest, Rejects, write_table


def rejects_path(manifest_path: str | Path) -> Path:
    """``X.parquet`` -> ``X.rejects.parquet`` (the design's naming)."""
    manifest_path = Path(manifest_path)
    return manifest_path.with_name(manifest_path.stem + ".rejects.parquet")


def write_ingest(
    manifest: pd.DataFrame,
    rejects: pd.DataFrame,
    output: str | Path,
    rejects_output=None,
    provenance: Mapping[str, Any] | None = None,
) -> None:
    """Write the validated manifest, with its ``provenance`` record
    (:func:`crossemo.core.provenance.describe_source`) in its metadata, and its rejects next to
    it."""
    write_table(manifest, output, Manifest, metadata(provenance) if provenance else None)
    write_table(rejects, rejects_output or rejects_path(output), Rejects)


def _counts(series: pd.Series, title: str) -> str:
    counts = series.value_counts().sort_index()
    lines = [f"  {k}: {v}" for k, v in counts.items()] or ["  (none)"]
    return "\n".join([title, *lines])


def summarize(manifest: pd.DataFrame, rejects: pd.DataFrame) -> str:
    """Human-readable counts per emotion, per speaker and rejects by reason."""
    corpus = manifest["corpus"].iloc[0] if len(manifest) else "?"
    parts = [
        f"{corpus}: {len(manifest)} utterances, {len(rejects)} rejected",
        _counts(manifest["emotion"], "per emotion:"),
        _counts(manifest["speaker"], "per speaker:"),
        _counts(rejects["reason"], "rejects by reason:"),
    ]
    return "\n".join(parts)
