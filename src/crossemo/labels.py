"""Label schemes: map the corpus-neutral ``emotion`` of a manifest onto an experiment's classes.

A scheme (``config/label_schemes/{scheme}.yaml``) lists its classes in label order, maps names of
:data:`crossemo.corpora.base.EMOTIONS` onto them and may override the mapping per corpus (an
override to ``null`` drops that emotion for that corpus only). Anything without a mapping is
dropped, never guessed. :func:`apply_scheme` turns one corpus's manifest into the labelled table
(``results/labels/{scheme}/{corpus}.parquet``) and a dropped table that gives every lost
utterance its reason, so the conservation table can account for each one:

* ``not_preprocessed`` -- not in any audio shard (``detail``: the preprocess reject reason, or
  ``missing_from_shards`` when no reject explains it);
* ``filtered`` -- removed by the corpus's filter table (``detail``: the filter's reason);
* ``unmapped_by_scheme`` -- the scheme has no class for its emotion (``detail``: the emotion).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.configuration import json_schema, read_yaml
from crossemo.core.schemas import GENDERS, read_table, write_table
from crossemo.corpora.base import EMOTIONS

log = logging.getLogger(__name__)

DROP_REASONS = ("not_preprocessed", "filtered", "unmapped_by_scheme")
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "workflow/schemas/label_scheme.schema.yaml"


class Labelled(pa.DataFrameModel):
    """One row per usable utterance of a corpus under a scheme."""

    utt_id: Series[str] = pa.Field(unique=True)
    corpus: Series[str]
    speaker: Series[str]
    gender: Series[str] = pa.Field(isin=GENDERS)
    group: Series[str]
    emotion: Series[str]
    label: Series[str]
    duration: Series[float] = pa.Field(gt=0)
    audio_shard: Series[str]  # the Parquet shard that holds the samples

    class Config:
        strict = True
        coerce = True


class Dropped(pa.DataFrameModel):
    """Utterances of the manifest that did not make it into the labelled table, with reasons."""

    utt_id: Series[str] = pa.Field(unique=True)
    corpus: Series[str]
    speaker: Series[str]
    group: Series[str]
    emotion: Series[str]
    reason: Series[str] = pa.Field(isin=list(DROP_REASONS))
    detail: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True


LABELLED_COLUMNS = list(Labelled.to_schema().columns)
DROPPED_COLUMNS = list(Dropped.to_schema().columns)


class SchemeError(ValueError):
    """A label scheme file that is inconsistent (unknown emotion, target not a class ...)."""


@dataclass(frozen=True)
class LabelScheme:
    """Classes in label order, the emotion -> class mapping and per-corpus overrides."""

    name: str
    classes: tuple[str, ...]
    mapping: dict[str, str]
    overrides: dict[str, dict[str, str | None]] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        problems = []
        known = set(EMOTIONS)
        if len(set(self.classes)) != len(self.classes) or len(self.classes) < 2:
            problems.append(f"classes must be 2+ distinct names, got {list(self.classes)}")
        tables = [("mapping", self.mapping)] + [
            (f"overrides.{c}", m) for c, m in self.overrides.items()
        ]
        for where, table in tables:
            for emotion, target in table.items():
                if emotion not in known:
                    problems.append(f"{where}: {emotion!r} is not an EMOTIONS name")
                if target is not None and target not in self.classes:
                    problems.append(f"{where}: {emotion!r} -> {target!r} is not a class")
        for emotion in self.drop:
            if emotion not in known:
                problems.append(f"drop: {emotion!r} is not an EMOTIONS name")
            if emotion in self.mapping:
                problems.append(f"drop: {emotion!r} is also mapped")
        if problems:
            raise SchemeError(f"label scheme {self.name}: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, data: dict) -> LabelScheme:
        return cls(
            name=data["name"],
            classes=tuple(data["classes"]),
            mapping=dict(data.get("mapping") or {}),
            overrides={c: dict(m or {}) for c, m in (data.get("overrides") or {}).items()},
            drop=tuple(data.get("drop") or ()),
            description=data.get("description", ""),
            source=data.get("source", ""),
        )

    def label(self, corpus: str, emotion: str) -> str | None:
        """The class of ``emotion`` in ``corpus``, or None when the scheme drops it."""
        override = self.overrides.get(corpus, {})
        if emotion in override:
            return override[emotion]
        return self.mapping.get(emotion)

    def table(self, corpus: str) -> dict[str, str | None]:
        """The full emotion -> class table of ``corpus`` (None: dropped)."""
        return {e: self.label(corpus, e) for e in EMOTIONS}


def load_scheme(path: str | Path, validate_schema: bool = True) -> LabelScheme:
    """Read and check a scheme file; its ``name`` must equal the file stem."""
    path = Path(path)
    data = read_yaml(path, "label scheme")
    if validate_schema:
        _validate_json_schema(data, path)
    scheme = LabelScheme.from_dict(data)
    if scheme.name != path.stem:
        raise SchemeError(f"{path}: name {scheme.name!r} differs from the file stem")
    return scheme


def _validate_json_schema(data: dict, path: Path) -> None:
    try:
        import jsonschema
    except ImportError:  # the conda envs do without: the workflow validated the file at parse time
        return
    schema = json_schema(SCHEMA_FILE)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=str)
    if errors:
        raise SchemeError(f"{path}: " + "; ".join(e.message for e in errors))


def apply_scheme(
    manifest: pd.DataFrame,
    scheme: LabelScheme,
    shard_meta: pd.DataFrame,
    shard_rejects: pd.DataFrame | None = None,
    filter_table: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(labelled, dropped) of one corpus; every manifest row ends up in exactly one of them.

    ``shard_meta`` has ``utt_id``, ``duration`` (after preprocessing) and ``audio_shard``;
    ``shard_rejects`` the preprocess rejects (``utt_id``, ``reason``); ``filter_table`` (corpora
    with a ``filter:``) ``utt_id``, ``keep``, ``reason`` and ``emotion`` (which overrides the
    manifest's for kept rows; utterances the filter table does not list are filtered out).
    """
    df = manifest[["utt_id", "corpus", "speaker", "gender", "group", "emotion"]].copy()
    df["reason"] = pd.Series([None] * len(df), dtype=object, index=df.index)
    df["detail"] = pd.Series([None] * len(df), dtype=object, index=df.index)

    meta = shard_meta.drop_duplicates("utt_id").set_index("utt_id")
    missing = ~df["utt_id"].isin(meta.index)
    reject_reason = {}
    if shard_rejects is not None and len(shard_rejects):
        reject_reason = shard_rejects.dropna(subset=["utt_id"]).groupby("utt_id")["reason"].first()
    df.loc[missing, "reason"] = "not_preprocessed"
    df.loc[missing, "detail"] = [
        reject_reason.get(u, "missing_from_shards") for u in df.loc[missing, "utt_id"]
    ]

    if filter_table is not None:
        filt = filter_table.drop_duplicates("utt_id").set_index("utt_id")
        open_ = df["reason"].isna()
        listed = df["utt_id"].isin(filt.index)
        unlisted = open_ & ~listed
        df.loc[unlisted, "reason"] = "filtered"
        df.loc[unlisted, "detail"] = "not_in_filter_table"
        keep = filt["keep"].astype(bool)
        rows = open_ & listed
        kept = rows & df["utt_id"].map(keep).fillna(False).astype(bool)
        removed = rows & ~kept
        df.loc[removed, "reason"] = "filtered"
        df.loc[removed, "detail"] = [
            _text(filt.at[u, "reason"], "filtered") for u in df.loc[removed, "utt_id"]
        ]
        if "emotion" in filt.columns:
            new = df.loc[kept, "utt_id"].map(filt["emotion"])
            df.loc[kept, "emotion"] = new.where(new.notna(), df.loc[kept, "emotion"])

    labels = [scheme.label(c, e) for c, e in zip(df["corpus"], df["emotion"], strict=True)]
    df["label"] = labels
    unmapped = df["reason"].isna() & df["label"].isna()
    df.loc[unmapped, "reason"] = "unmapped_by_scheme"
    df.loc[unmapped, "detail"] = df.loc[unmapped, "emotion"]

    good = df["reason"].isna()
    labelled = df.loc[good].copy()
    labelled["duration"] = labelled["utt_id"].map(meta["duration"]).astype(float)
    labelled["audio_shard"] = labelled["utt_id"].map(meta["audio_shard"]).astype(str)
    labelled = labelled[LABELLED_COLUMNS].sort_values("utt_id").reset_index(drop=True)
    dropped = df.loc[~good, DROPPED_COLUMNS].sort_values("utt_id").reset_index(drop=True)
    return Labelled.validate(labelled), Dropped.validate(dropped)


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def drop_counts(dropped: pd.DataFrame) -> pd.DataFrame:
    """Dropped rows per corpus, reason and detail (for logs and the conservation table)."""
    return (
        dropped.fillna({"detail": ""})
        .groupby(["corpus", "reason", "detail"], dropna=False)
        .size()
        .rename("count")
        .reset_index()
    )


def label_corpus(
    manifest_path: str | Path,
    shard_paths: list[str | Path],
    reject_paths: list[str | Path],
    scheme_path: str | Path,
    output: str | Path,
    dropped_output: str | Path,
    filter_path: str | Path | None = None,
) -> tuple[int, int]:
    """Rule apply_label_scheme: write the labelled and dropped tables of one corpus."""
    from crossemo.audio.shards import read_shard_meta

    scheme = load_scheme(scheme_path)
    manifest = read_table(manifest_path)
    metas = []
    for path in shard_paths:
        meta = read_shard_meta([path])
        meta["audio_shard"] = str(path)
        metas.append(meta)
    shard_meta = (
        pd.concat(metas, ignore_index=True)
        if metas
        else pd.DataFrame(columns=["utt_id", "duration", "audio_shard"])
    )
    rejects = [read_table(p) for p in reject_paths]
    rejects = pd.concat(rejects, ignore_index=True) if rejects else None
    filter_table = read_table(filter_path) if filter_path else None
    labelled, dropped = apply_scheme(manifest, scheme, shard_meta, rejects, filter_table)
    write_table(labelled, output, Labelled)
    write_table(dropped, dropped_output, Dropped)
    log.info("%s under %s: %d labelled, %d dropped", Path(manifest_path).stem, scheme.name,
             len(labelled), len(dropped))  # fmt: skip
    for row in drop_counts(dropped).itertuples():
        log.info("dropped %s %s (%s): %d", row.corpus, row.reason, row.detail, row.count)
    if len(labelled):
        log.info("label counts: %s", labelled["label"].value_counts().to_dict())
    return len(labelled), len(dropped)
