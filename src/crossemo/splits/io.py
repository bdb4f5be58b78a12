"""The split stage's tables: the schema of the split table, reading the labelled tables and the
manifests' sentence ids, writing the split table and its audit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.safe_text import write_csv
from crossemo.core.schemas import read_table, write_table
from crossemo.splits.experiment import SPLITS


class Split(pa.DataFrameModel):
    """One row per (utterance, fold) of an experiment (``results/splits/{experiment}.parquet``)."""

    utt_id: Series[str]
    corpus: Series[str]
    group: Series[str]
    speaker: Series[str]
    label: Series[str]
    fold: Series[int] = pa.Field(ge=0)
    split: Series[str] = pa.Field(isin=list(SPLITS))

    class Config:
        strict = True
        coerce = True
        unique = ["utt_id", "fold"]


SPLIT_COLUMNS = list(Split.to_schema().columns)


def read_labelled(label_paths: list[str | Path]) -> pd.DataFrame:
    """The labelled tables (``results/labels/{scheme}/{corpus}.parquet``), one after another."""
    return pd.concat([read_table(p) for p in label_paths], ignore_index=True)


def read_sentences(manifest_paths: list[str | Path]) -> pd.Series:
    """utt_id -> ``sentence`` of the manifests (manifests written before the column: none)."""
    import pyarrow.parquet as pq

    frames = []
    for path in manifest_paths:
        if "sentence" in pq.read_schema(path).names:
            frames.append(pd.read_parquet(path, columns=["utt_id", "sentence"]))
    if not frames:
        return pd.Series(dtype=object)
    table = pd.concat(frames, ignore_index=True).dropna(subset=["sentence"])
    return table.set_index("utt_id")["sentence"].astype(str)


def read_locations(manifest_paths: list[str | Path], corpus: str) -> pd.DataFrame:
    """``utt_id``, ``path`` and ``start`` of ``corpus``'s utterances in the manifests (where
    EmoBox's entries are matched; :mod:`crossemo.splits.emobox`)."""
    columns = ["utt_id", "corpus", "path", "start"]
    frames = [pd.read_parquet(p, columns=columns) for p in manifest_paths]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return table[table["corpus"] == corpus].reset_index(drop=True)


def write_split(
    split: pd.DataFrame, table: pd.DataFrame, output: str | Path, audit_output: str | Path
) -> None:
    """Write the split table (validated by :class:`Split`) to ``output`` and its audit to
    ``audit_output`` (CSV)."""
    write_table(split, output, Split)
    Path(audit_output).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, audit_output, index=False)
