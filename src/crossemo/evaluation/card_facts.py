"""What a model card says, read from the files evaluation and the split stage wrote: each run's
scores per test corpus with their intervals (``results/metrics/{experiment}.runs.json``), its
variant's calibration and subgroup gaps, the split audit's leak counts, and the run folder's
own files (family, Whisper input). :mod:`crossemo.evaluation.cards` renders them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crossemo.core.names import parse_run
from crossemo.corpora.licences import Licence, licence_of

#: the card's measures: key in the metrics files -> name on the card
MEASURES = {"uar": "UAR", "wa": "WA", "macro_f1": "macro-F1"}
#: audit columns that count test rows training touched (0 on every row of a clean split)
AUDIT_LEAK_COLUMNS = {
    "sentence_seen": "test utterances whose sentence a training utterance of the corpus reads",
    "shared_groups": "test utterances whose group also trains (allowed only where declared)",
    "shared_recordings": "test utterances whose recording is duplicated in training",
}
#: families whose folder is a ``transformers`` audio classifier (pipeline-loadable)
HF_AUDIO_FAMILIES = ("finetune", "block_expansion")


@dataclass(frozen=True)
class Score:
    """One measure on one test corpus: value and interval."""

    value: float
    low: float | None
    high: float | None


@dataclass
class CorpusResult:
    """A run's scores on one test corpus (``overall``: every test utterance together)."""

    corpus: str
    n: int
    n_clusters: int | None
    scores: dict[str, Score]


@dataclass
class RunFacts:
    """Everything a run's card states."""

    experiment: str
    run: str
    family: str
    classes: list[str]
    results: list[CorpusResult]
    interval: dict[str, Any] = field(default_factory=dict)
    calibration: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    whisper_input: str | None = None  #: cropped/packed for a fine-tuned Whisper

    @property
    def variant(self) -> str:
        return parse_run(self.run)[1]

    @property
    def hf_audio(self) -> bool:
        return self.family in HF_AUDIO_FAMILIES


@dataclass(frozen=True)
class CorpusInfo:
    """A corpus of the experiment: its adapter, whether the demo generated it, its licence."""

    name: str
    adapter: str
    synthetic: bool
    roles: tuple[str, ...]

    @property
    def licence(self) -> Licence:
        return licence_of(self.adapter)


def corpus_results(entry: Mapping[str, Any]) -> list[CorpusResult]:
    """Per test corpus (sorted), then ``overall``, the scores of one run of ``runs.json``."""
    scopes = [*sorted(entry.get("per_corpus") or {}), "overall"]
    out = []
    for scope in scopes:
        res = entry["overall"] if scope == "overall" else entry["per_corpus"][scope]
        ci = res.get("ci") or {}
        scores = {m: Score(float(res[m]), *(ci.get(m) or (None, None)))
                  for m in MEASURES if m in res}  # fmt: skip
        out.append(CorpusResult(scope, int(res.get("n", 0)), res.get("n_clusters"), scores))
    return out


def read_runs(path: str | Path) -> dict[str, dict[str, Any]]:
    """Run name -> its entry of ``results/metrics/{experiment}.runs.json``."""
    return {entry["run"]: entry for entry in json.loads(Path(path).read_text())}


def variant_rows(path: str | Path | None, variant: str) -> pd.DataFrame:
    """The rows of a per-variant table (calibration, subgroups) for ``variant``; empty when
    the table is absent or says nothing of it."""
    if path is None or not Path(path).is_file():
        return pd.DataFrame()
    table = pd.read_csv(path, keep_default_na=False, dtype={"variant": str})
    if table.empty or "variant" not in table:
        return pd.DataFrame()
    return table[table["variant"] == variant].reset_index(drop=True)


def calibration_rows(path: str | Path | None, variant: str) -> list[dict[str, Any]]:
    """Per test corpus and method (raw, temperature, prior): ECE, Brier, n and the note."""
    rows = variant_rows(path, variant)
    keep = [c for c in ("scope", "method", "n", "ece", "brier", "note") if c in rows]
    return rows[keep].to_dict("records") if len(rows) else []


def gap_rows(path: str | Path | None, variant: str) -> list[dict[str, Any]]:
    """The subgroup table's "largest gap" rows (per test corpus and attribute) of ``variant``."""
    rows = variant_rows(path, variant)
    if rows.empty:
        return []
    gaps = rows[rows["value"].astype(str).str.startswith("largest gap")]
    keep = [c for c in ("scope", "attribute", "value", "n", "uar", "uar_ci_low", "uar_ci_high")
            if c in gaps]  # fmt: skip
    return gaps[keep].to_dict("records")


def audit_leaks(path: str | Path | None) -> dict[str, int] | None:
    """Per :data:`AUDIT_LEAK_COLUMNS` column, the test rows it counts over all folds; None
    without an audit."""
    if path is None or not Path(path).is_file():
        return None
    audit = pd.read_csv(path, keep_default_na=False)
    test = audit[audit["split"] == "test"] if "split" in audit else audit
    return {c: int(pd.to_numeric(test[c], errors="coerce").fillna(0).sum())
            for c in AUDIT_LEAK_COLUMNS if c in test}  # fmt: skip


def whisper_input(folder: str | Path) -> str | None:
    """``cropped``/``packed`` when ``folder`` holds a Whisper classifier crossemo fine-tuned."""
    from crossemo.features.upstreams.whisper.inputs import INPUT_ATTRIBUTE

    config = Path(folder) / "config.json"
    try:
        data = json.loads(config.read_text()) if config.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return None
    return data.get(INPUT_ATTRIBUTE) if data.get("model_type") == "whisper" else None


def run_facts(experiment: str, run: str, family: str, entry: Mapping[str, Any],
              tables: Mapping[str, str | Path | None], folder: str | Path) -> RunFacts:  # fmt: skip
    """The facts of one run: its ``runs.json`` ``entry``, its variant's rows of ``tables``
    (``calibration``, ``subgroups``) and its model ``folder``'s files."""
    variant = parse_run(run)[1]
    return RunFacts(
        experiment, run, family, list(entry.get("classes") or []), corpus_results(entry),
        dict(entry.get("interval") or {}),
        calibration_rows(tables.get("calibration"), variant),
        gap_rows(tables.get("subgroups"), variant), whisper_input(folder),
    )  # fmt: skip


def corpus_infos(corpora: Mapping[str, Mapping[str, Any]], train: Sequence[str],
                 test: Sequence[str]) -> list[CorpusInfo]:  # fmt: skip
    """The experiment's corpora (training first) with adapter, demo flag and roles."""
    names = list(dict.fromkeys([*train, *test]))
    out = []
    for name in names:
        roles = tuple(r for r, group in (("train", train), ("test", test)) if name in group)
        entry = corpora.get(name) or {}
        out.append(CorpusInfo(name, str(entry.get("adapter", name)),
                              bool(entry.get("synthetic")), roles))  # fmt: skip
    return out
