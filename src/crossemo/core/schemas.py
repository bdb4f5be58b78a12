"""Data contracts between DAG stages, validated with pandera.

Every stage writes Parquet through :func:`write_table` with the schema of its contract and
reads it back with :func:`read_table`, so a malformed file fails at the boundary with a
message that names the column, not three stages later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.atomic import atomic_path

GENDERS = ["female", "male", "unknown"]


class Manifest(pa.DataFrameModel):
    """One row per utterance of a corpus (``results/manifests/{corpus}.parquet``)."""

    utt_id: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    corpus: Series[str]
    path: Series[str]
    start: Series[float] = pa.Field(nullable=True, ge=0)
    end: Series[float] = pa.Field(nullable=True, ge=0)
    speaker: Series[str]
    gender: Series[str] = pa.Field(isin=GENDERS)
    group: Series[str]
    raw_label: Series[str]
    emotion: Series[str]
    text: Series[str] = pa.Field(nullable=True)
    language: Series[str] = pa.Field(nullable=True)
    # the corpus's own id of the spoken text (RAVDESS statement, CREMA-D sentence code, EmoDB
    # text code, TESS word ...): equal ids within one corpus are the same sentence; null where
    # the corpus defines none. Optional so manifests written before it still read.
    sentence: Optional[Series[str]] = pa.Field(nullable=True)  # noqa: UP045 - pandera needs it
    duration: Series[float] = pa.Field(nullable=True, ge=0)
    sample_rate: Series[float] = pa.Field(nullable=True, ge=0)
    channels: Series[float] = pa.Field(nullable=True, ge=0)

    class Config:
        strict = False  # corpus-specific extra columns (intensity, scores ...) are allowed
        coerce = True

    @pa.dataframe_check
    def utt_id_prefixed(cls, df: pd.DataFrame) -> Series[bool]:
        return pd.Series(
            [u.startswith(f"{c}/") for u, c in zip(df["utt_id"], df["corpus"], strict=True)],
            index=df.index,
        )

    @pa.dataframe_check
    def segment_order(cls, df: pd.DataFrame) -> Series[bool]:
        both = df["start"].notna() & df["end"].notna()
        return ~both | (df["end"] > df["start"])


class Rejects(pa.DataFrameModel):
    """Inputs that did not make it into a manifest or a shard, each with its reason."""

    corpus: Series[str]
    stage: Series[str]
    path: Series[str]
    utt_id: Series[str] = pa.Field(nullable=True)
    reason: Series[str] = pa.Field(str_length={"min_value": 1})
    detail: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True


class AudioShard(pa.DataFrameModel):
    """Preprocessed audio (``results/audio/{corpus}/{shard}.parquet``), format version 2.

    One row per kept utterance, 16 kHz mono. ``samples`` holds each utterance as 16-bit PCM
    bytes (``s16le``; value ``q`` = ``q / 32768``; clipped to [-1, 1], round-trip error at most
    1/32768, snappy-compressed: <= 2 bytes per sample): write shards with
    :func:`crossemo.audio.preprocess.write_shard` (or its ``ShardWriter``) and read samples
    with :func:`crossemo.audio.shards.iter_audio`, which always yields float32 (and still reads
    format 1, ``list<float32>``). :mod:`crossemo.audio.shards` documents the format.
    """

    utt_id: Series[str] = pa.Field(unique=True)
    samples: Series[object]
    sample_rate: Series[int] = pa.Field(gt=0)
    duration: Series[float] = pa.Field(gt=0)
    source_duration: Series[float] = pa.Field(ge=0)
    trimmed_s: Series[float] = pa.Field(ge=0)
    denoised: Series[bool]
    # share of the stored samples at full scale (crossemo.audio.shards.clipping_share); optional
    # so shards written before it still read
    clipping_share: Optional[Series[float]] = pa.Field(ge=0, le=1)  # noqa: UP045 - pandera

    class Config:
        strict = True
        coerce = True


class AudioPrints(pa.DataFrameModel):
    """Fingerprints of the clips of an audio shard (:mod:`crossemo.audio.fingerprint`), one row
    per row of the shard (``results/audio/{corpus}/{shard}.prints.parquet``)."""

    utt_id: Series[str] = pa.Field(unique=True)
    duration: Series[float] = pa.Field(gt=0)
    pcm_sha256: Series[str] = pa.Field(str_length=64)
    near_print: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        coerce = True


class SourceChecksums(pa.DataFrameModel):
    """SHA-256 of every source file a manifest lists (``results/manifests/{corpus}.checksums
    .parquet``, :mod:`crossemo.corpora.checksums`)."""

    path: Series[str] = pa.Field(unique=True)
    bytes: Series[int] = pa.Field(ge=0)
    sha256: Series[str] = pa.Field(str_length=64)

    class Config:
        strict = True
        coerce = True


REJECT_COLUMNS = list(Rejects.to_schema().columns)


class Leaderboard(pa.DataFrameModel):
    """One row per experiment x variant x test set of ``results/tables/leaderboard.csv``
    (rule make_leaderboard): the pooled headline measures with their intervals, beside chance.
    Measures are fractions; a lower bound that does not clear ``chance_uar`` is ``at_chance``."""

    scheme: Series[str]
    test_set: Series[str]  # a test corpus, or the corpora of an overall row joined with " + "
    experiment: Series[str]
    run: Series[str]  # the variant (folds pooled); "main" for an experiment's only variant
    protocol: Series[str]
    train: Series[str]
    n_classes: Series[int] = pa.Field(ge=2)
    chance_uar: Series[float] = pa.Field(gt=0, le=1)
    n_runs: Series[int] = pa.Field(ge=1)
    n_utts: Series[int] = pa.Field(ge=1)
    n_groups: Series[float] = pa.Field(nullable=True, ge=1)  # clusters; NaN: utterance unit
    interval_unit: Series[str] = pa.Field(isin=["cluster", "utterance"])
    level: Series[float] = pa.Field(gt=0, lt=1)
    uar: Series[float] = pa.Field(ge=0, le=1)
    uar_ci_low: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    uar_ci_high: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    wa: Series[float] = pa.Field(ge=0, le=1)
    wa_ci_low: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    wa_ci_high: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    macro_f1: Series[float] = pa.Field(ge=0, le=1)
    macro_f1_ci_low: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    macro_f1_ci_high: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    uar_fold_mean: Series[float] = pa.Field(ge=0, le=1)
    uar_fold_std: Series[float] = pa.Field(nullable=True, ge=0)
    #: repeats over seeds (``seeds:``): the measures are the mean of n_seeds seeds' pooled values,
    #: uar_seed_std their UAR's sample std (NaN for one seed), the intervals the seeds' hull
    n_seeds: Series[int] = pa.Field(ge=1)
    uar_seed_std: Series[float] = pa.Field(nullable=True, ge=0)
    at_chance: Series[bool]
    flag: Series[str] = pa.Field(isin=["", "at chance", "no interval"])
    #: experiments with stress tests (``stress:``): the stressed condition of lowest UAR in this
    #: row's scope and that UAR with its interval (results/stress/metrics_{experiment}.csv);
    #: empty for the others
    worst_condition: Series[str] = pa.Field(nullable=True)
    worst_condition_uar: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    worst_condition_uar_ci_low: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    worst_condition_uar_ci_high: Series[float] = pa.Field(nullable=True, ge=0, le=1)

    class Config:
        strict = True
        ordered = True
        coerce = True

    @pa.dataframe_check
    def interval_order(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index)
        for m in ("uar", "wa", "macro_f1"):
            low, high = df[f"{m}_ci_low"], df[f"{m}_ci_high"]
            ok &= low.isna() | high.isna() | (low <= high)
        return ok


LEADERBOARD_COLUMNS = list(Leaderboard.to_schema().columns)


def empty_rejects() -> pd.DataFrame:
    """A rejects table with no rows and the right columns."""
    return Rejects.validate(pd.DataFrame({c: pd.Series(dtype=str) for c in REJECT_COLUMNS}))


def write_table(
    df: pd.DataFrame,
    path: str | Path,
    schema: type[pa.DataFrameModel],
    metadata: dict[bytes, bytes] | None = None,
) -> pd.DataFrame:
    """Validate ``df`` against ``schema`` and write it as Parquet (parents created), with
    ``metadata`` added to the file's key-value metadata (e.g. a manifest's provenance)."""
    import pyarrow
    import pyarrow.parquet as pq

    valid = schema.validate(df.reset_index(drop=True), lazy=True)
    table = pyarrow.Table.from_pandas(valid, preserve_index=False)  # what to_parquet writes
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **(metadata or {})})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return valid


def read_table(path: str | Path, schema: type[pa.DataFrameModel] | None = None) -> pd.DataFrame:
    """Read a Parquet table, validating it when ``schema`` is given."""
    df = pd.read_parquet(path)
    return schema.validate(df, lazy=True) if schema is not None else df
