"""The strEmo paper's CMU-MOSEI filter: transcript similarity, then the emotion-score rule.

1. Both texts are normalised (lower case, punctuation dropped, the corpus's pause tokens such as
   ``sp`` removed, whitespace collapsed) and compared with ``difflib.SequenceMatcher``; a segment
   is kept when the ratio is greater than ``threshold`` (0.85: the paper's "greater than 0.85").
2. The emotion intensities decide the label
   (:func:`crossemo.corpora.mosei.valence_from_intensities`): exclusively positive or
   exclusively negative intensities above ``emotion_threshold`` (2) give positive / negative,
   all intensities 0 give neutral, anything else is dropped.

The output (``results/filters/{corpus}.parquet``) has one row per manifest utterance: ``utt_id,
keep, reason, similarity, emotion`` (+ both texts), and a step table counts what is left after
each step per label (the paper keeps 3071 segments: 298 positive, 2157 neutral, 616 negative).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.atomic import atomic_path
from crossemo.core.safe_text import write_csv

LABELS = ("positive", "neutral", "negative", "undecided")
STEPS = ("manifest", "transcribed", "similar", "emotion_rule")


class FilterTable(pa.DataFrameModel):
    """``results/filters/{corpus}.parquet``."""

    utt_id: Series[str] = pa.Field(unique=True)
    keep: Series[bool]
    reason: Series[str] = pa.Field(nullable=True)
    similarity: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    emotion: Series[str] = pa.Field(isin=list(LABELS))

    class Config:
        strict = False
        coerce = True

    @pa.dataframe_check
    def reason_iff_dropped(cls, df: pd.DataFrame) -> Series[bool]:
        return df["keep"] == df["reason"].isna()


@dataclass
class FilterSettings:
    """A corpus's ``filter:`` config entry."""

    threshold: float = 0.85
    emotion_threshold: float = 2.0
    pause_tokens: list[str] = field(default_factory=lambda: ["sp"])

    @classmethod
    def from_config(cls, cfg: Mapping | None) -> FilterSettings:
        cfg = dict(cfg or {})
        return cls(**{k: v for k, v in cfg.items() if k in cls.__dataclass_fields__})


_NON_WORD = re.compile(r"[^\w\s]+")


def normalise(text: object, pause_tokens: Iterable[str] = ("sp",)) -> str:
    """Lower case, no punctuation or accents, no pause tokens, single spaces."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("'", "")  # don't -> dont (transcripts differ in apostrophes)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    pauses = {p.lower() for p in pause_tokens}
    return " ".join(w for w in text.split() if w not in pauses)


def similarity(hypothesis: object, reference: object, pause_tokens: Iterable[str] = ("sp",)
               ) -> float:  # fmt: skip
    """``SequenceMatcher`` ratio of the normalised texts (0 when either is empty)."""
    a, b = normalise(hypothesis, pause_tokens), normalise(reference, pause_tokens)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def emotion_label(scores: Mapping[str, float], threshold: float = 2.0) -> str:
    """positive / negative / neutral / undecided from MOSEI's six intensities (the paper's rule)."""
    from crossemo.corpora.mosei import valence_from_intensities

    return valence_from_intensities(scores, threshold)


def filter_corpus(
    manifest: pd.DataFrame, transcripts: pd.DataFrame, settings: FilterSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(filter table, step counts) for a MOSEI-like manifest and its transcripts."""
    from crossemo.corpora.mosei import EMOTIONS as SCORE_COLUMNS

    missing = [c for c in SCORE_COLUMNS if c not in manifest.columns]
    if missing:
        raise ValueError(f"manifest lacks emotion intensity columns {missing}")
    heard = transcripts.set_index("utt_id")["text"].to_dict() if len(transcripts) else {}
    rows = []
    for row in manifest.itertuples(index=False):
        scores = {c: getattr(row, c) for c in SCORE_COLUMNS}
        label = emotion_label(scores, settings.emotion_threshold)
        hypothesis = heard.get(row.utt_id)
        reference = row.text if isinstance(row.text, str) else None
        sim, reason = None, None
        if hypothesis is None:
            reason = "not_transcribed"  # rejected by preprocessing, or no shard
        elif not normalise(reference, settings.pause_tokens):
            reason = "no_reference_text"
        else:
            sim = similarity(hypothesis, reference, settings.pause_tokens)
            if not sim > settings.threshold:  # the paper: "greater than 0.85"
                reason = "low_similarity"
            elif label == "undecided":
                reason = "emotion_undecided"
        rows.append({"utt_id": row.utt_id, "keep": reason is None, "reason": reason,
                     "similarity": sim, "emotion": label, "transcript": hypothesis,
                     "reference": reference})  # fmt: skip
    columns = ["utt_id", "keep", "reason", "similarity", "emotion", "transcript", "reference"]
    table = pd.DataFrame(rows, columns=columns)
    table["similarity"] = table["similarity"].astype(float)
    table = FilterTable.validate(table, lazy=True)
    return table, step_counts(table, settings)


def step_counts(table: pd.DataFrame, settings: FilterSettings) -> pd.DataFrame:
    """Utterances left after each step, per label (the emotion rule's label for every row)."""
    transcribed = table["reason"].ne("not_transcribed")
    similar = transcribed & table["similarity"].fillna(-1).gt(settings.threshold)
    masks = {"manifest": np.ones(len(table), dtype=bool), "transcribed": transcribed,
             "similar": similar, "emotion_rule": table["keep"]}  # fmt: skip
    descriptions = {
        "manifest": "segments in the manifest",
        "transcribed": "with a Whisper transcript",
        "similar": f"similarity > {settings.threshold:g}",
        "emotion_rule": f"clear-cut emotion scores (> {settings.emotion_threshold:g} or all 0)",
    }
    rows = []
    for step in STEPS:
        kept = table.loc[np.asarray(masks[step], dtype=bool), "emotion"]
        counts = kept.value_counts()
        rows.append({"step": step, "description": descriptions[step],
                     **{label: int(counts.get(label, 0)) for label in LABELS},
                     "total": int(len(kept))})  # fmt: skip
    return pd.DataFrame(rows)


def filter_files(
    manifest_path: str,
    transcript_paths: list[str],
    settings: FilterSettings,
    output: str,
    steps_csv: str,
) -> pd.DataFrame:
    """Rule filter_transcripts: read the manifest and transcripts, write both tables."""

    from crossemo.core.schemas import write_table

    manifest = pd.read_parquet(manifest_path)
    frames = [pd.read_parquet(p) for p in transcript_paths]
    transcripts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["utt_id", "text"])  # fmt: skip
    table, steps = filter_corpus(manifest, transcripts, settings)
    write_table(table, output, FilterTable)
    with atomic_path(steps_csv) as tmp:
        write_csv(steps, tmp, index=False)
    return steps
