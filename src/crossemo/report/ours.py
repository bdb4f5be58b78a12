"""Our side of a paper table: the value, spread and 95 % interval of one measure of one source.

A paper binding (``paper:`` of an experiment, see :mod:`crossemo.report.tables`) names a
**source** of our numbers and, per reference column, a **measure** written
``name[class]@corpus`` (class and corpus optional):

* ``metrics`` (default) -- the experiment's evaluated runs (``results/metrics/{exp}.runs.json``).
  Scalars ``uar wa ua macro_f1 weighted_f1``; per class ``precision recall f1 support`` (with a
  ``[class]`` or a ``class_column``); averages ``weighted_precision weighted_recall
  macro_precision macro_recall`` (weighted by true support; macro over the classes seen in truth
  or predictions, scikit-learn's ``average="macro"``; ``uar`` averages recall over the classes
  present in truth). Everything is computed from the runs' confusion matrices.
* ``lr_cv`` -- the experiment's learning-rate CV table (``results/tables/{exp}_lr_cv.csv``,
  strEmo Table 3): ``K1 .. Kk`` (one CV fold), ``avg``, ``std``.
* ``corpus`` (manifests + audio shards: every ingested utterance, before any label scheme),
  ``labels`` (the experiment's labelled tables), ``split`` (its split table, one fold) and
  ``view`` (its training view of one fold: the training split after balancing, augmented
  copies included) -- counts: ``n`` (utterances; ``n[class]`` one class), ``speakers``,
  ``groups``, ``emotions`` (distinct corpus emotions), ``avg_duration`` (seconds; source
  audio before trimming for ``corpus``, preprocessed audio for ``labels``).

95 % intervals: one run -- the evaluation's interval (``ci`` of the run JSON: every scalar,
average and per-class measure, a bootstrap over leakage groups unless configured otherwise;
``ci_method`` says which unit was resampled), else (older run files) a percentile bootstrap of
the run's confusion matrix (resampling utterances is resampling confusion cells,
multinomially); several runs (folds) -- a t interval
over the runs, mean ± t(0.975, n-1)·s/√n, clipped to the metric's range [0, 1]. Counts have
no interval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossemo.core.names import FINAL, lr_cv_run, parse_run, run_seed, split_seed
from crossemo.evaluation.base import read_run_metrics
from crossemo.evaluation.metrics import (
    AVERAGES,
    CV_METRICS,
    PER_CLASS,
    SCALARS,
    confusion_measure,
    interval_key,
)

SOURCES = ("metrics", "lr_cv", "corpus", "labels", "split", "view")
COUNT_SOURCES = ("corpus", "labels", "split", "view")
METRIC_NAMES = SCALARS + PER_CLASS + AVERAGES
COUNT_NAMES = ("n", "speakers", "groups", "emotions", "avg_duration")
#: a summary row of a per-class table (``summary_rows``) -> how its cells average the classes
SUMMARIES = {
    "weighted": {"precision": "weighted_precision", "recall": "weighted_recall",
                 "f1": "weighted_f1", "support": "n"},
    "macro": {"precision": "macro_precision", "recall": "macro_recall", "f1": "macro_f1"},
    "total": {"support": "n", "n": "n"},
}  # fmt: skip

_SPEC = re.compile(
    r"^(?P<name>[A-Za-z][A-Za-z0-9_]*)(?:\[(?P<cls>[^\]]+)\])?(?:@(?P<scope>[\w-]+))?$"
)


@dataclass(frozen=True)
class Measure:
    """A parsed measure spec ``name[class]@scope``."""

    name: str
    cls: str | None = None
    scope: str | None = None

    @classmethod
    def parse(cls, spec: str) -> Measure:
        m = _SPEC.match(str(spec))
        if not m:
            raise ValueError(f"bad measure {spec!r}: write name, name[class] or name@corpus")
        return cls(m["name"], m["cls"], m["scope"])


@dataclass(frozen=True)
class Cell:
    """What one reference cell asks of a source (``None``: not a key of the table)."""

    scope: str = "overall"
    variant: str | None = None
    split: str | None = None
    cls: str | None = None
    summary: str | None = None
    lr: float | None = None


@dataclass(frozen=True)
class Stat:
    """Our number for a cell (fractions as evaluated; the table applies the paper's scale)."""

    value: float
    std: float = math.nan
    n_runs: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    method: str = "n/a"

    def scaled(self, scale: float) -> Stat:
        return Stat(self.value * scale, self.std * scale, self.n_runs, self.lo * scale,
                    self.hi * scale, self.method)  # fmt: skip


def check_measure(source: str, m: Measure) -> None:
    """Fail early on a measure its source cannot produce."""
    if source == "metrics":
        ok = m.name in METRIC_NAMES
        if ok and m.cls is not None and m.name not in PER_CLASS:
            raise ValueError(f"{m.name} is not a per-class measure; [class] needs {PER_CLASS}")
    elif source == "lr_cv":
        ok = re.fullmatch(r"K\d+|avg|std", m.name) is not None
    else:
        ok = m.name in COUNT_NAMES
    if not ok:
        known = {"metrics": METRIC_NAMES, "lr_cv": ("K1", "K2", "...", "avg", "std")}
        raise ValueError(
            f"source {source} has no measure {m.name!r}; use {known.get(source, COUNT_NAMES)}"
        )


# ---------------------------------------------------------------- intervals
def t_interval(values, bounds: tuple[float, float] | None = None
               ) -> tuple[float, float, float, float]:  # fmt: skip
    """Mean, sample std and the 95 % t interval of ``values`` (NaNs ignored), clipped to
    ``bounds`` (a metric's range: a t interval over a few folds can pass 0 or 1)."""
    from scipy import stats

    v = np.asarray([x for x in values if not np.isnan(x)], dtype=float)
    if len(v) == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if len(v) < 2:
        return mean, math.nan, math.nan, math.nan
    std = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, len(v) - 1)) * std / math.sqrt(len(v))
    lo, hi = mean - half, mean + half
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return mean, std, lo, hi


def bootstrap_confusion(matrix, name: str, index: int | None, n_boot: int, seed: int
                        ) -> tuple[float, float]:  # fmt: skip
    """Percentile 95 % interval of ``name`` over ``n_boot`` resamples of the utterances."""
    matrix = np.asarray(matrix, dtype=np.int64)
    n = int(matrix.sum())
    if n == 0 or n_boot <= 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, matrix.ravel() / n, size=n_boot).reshape(n_boot, *matrix.shape)
    values = confusion_measure(draws, name, index)
    return float(np.nanpercentile(values, 2.5)), float(np.nanpercentile(values, 97.5))


def run_interval(part: Mapping, name: str, run: Mapping) -> tuple[float, float, str] | None:
    """The evaluation's interval of measure ``name`` in one scope ``part`` of a run, and how it
    was drawn (``cluster bootstrap``: whole leakage groups; ``utterance bootstrap``)."""
    ci = (part.get("ci") or {}).get(interval_key(name))
    if ci is None or np.isnan(ci[0]):
        return None
    unit = (run.get("interval") or {}).get("unit", "utterance")
    return float(ci[0]), float(ci[1]), f"{unit} bootstrap"


# ---------------------------------------------------------------- metrics
class MetricsSource:
    """The evaluated runs of one experiment (run JSON dicts), by variant; the repeats of an
    experiment with ``seeds:`` are one variant (its seed part taken off), and a cell is the
    mean over the seeds of each seed's value (the mean of its folds), with a t interval over
    the seeds (:attr:`seeds` lists them)."""

    kind = "metrics"

    def __init__(self, results: Iterable[Mapping], n_boot: int = 1000, seed: int = 0):
        self.n_boot, self.seed = int(n_boot), int(seed)
        self.runs: dict[str, list[Mapping]] = {}
        self.seeds: dict[str, list[int]] = {}
        for res in sorted(results, key=lambda r: str(r["run"])):
            variant, repeat = split_seed(parse_run(str(res["run"]))[1])
            self.runs.setdefault(variant, []).append(res)
            if repeat is not None:
                self.seeds[variant] = sorted({*self.seeds.get(variant, []), repeat})

    @classmethod
    def from_files(cls, paths, n_boot: int = 1000, seed: int = 0) -> MetricsSource:
        return cls(read_run_metrics(paths), n_boot, seed)

    def default_variant(self) -> str:
        """``final`` (LR-CV experiments), else the one variant there is."""
        if FINAL in self.runs:
            return FINAL
        if len(self.runs) == 1:
            return next(iter(self.runs))
        raise ValueError(f"runs of several variants {sorted(self.runs)}: set the binding's "
                         "`variant` or `variant_column`")  # fmt: skip

    def get(self, cell: Cell, m: Measure) -> Stat | None:
        variant = self.default_variant() if cell.variant is None else cell.variant
        entries, entries_runs = [], []
        for res in self.runs.get(variant, []):
            part = res["overall"] if cell.scope == "overall" else res["per_corpus"].get(cell.scope)
            if part is not None:
                entries.append(part)
                entries_runs.append(res)
        if not entries:
            return None
        name, cls = m.name, m.cls or cell.cls
        if cell.summary is not None:
            if name not in SUMMARIES[cell.summary]:
                raise ValueError(f"no {cell.summary} summary of {name}")
            name = SUMMARIES[cell.summary][name]
        values, indices = [], []
        for part in entries:
            labels = list(part["confusion"]["labels"])
            index = None
            if name in PER_CLASS:
                if cls is None:
                    raise ValueError(f"{name} is per class: add [class] or a class_column")
                if cls not in labels:
                    if m.cls is not None:  # written in the binding: a typo, say so
                        raise ValueError(f"{m.name}[{m.cls}]: no class {m.cls!r} in {labels}")
                    return None  # a class row the paper has and we do not
                index = labels.index(cls)
            indices.append(index)
            matrix = np.asarray(part["confusion"]["matrix"], dtype=float)
            values.append(float(confusion_measure(matrix[None], name, index)[0]))
        if name in ("support", "n"):  # counts: no interval
            mean, std, _, _ = t_interval(values)
            return Stat(mean, std, len(values))
        if variant in self.seeds:  # repeats: each seed's mean over its folds, then over seeds
            means = seed_means(values, [run_seed(str(r["run"])) for r in entries_runs])
            mean, std, lo, hi = t_interval(means, bounds=(0.0, 1.0))
            return Stat(mean, std, len(means), lo, hi, f"t over {len(means)} seeds (mean)")
        if len(entries) > 1:
            mean, std, lo, hi = t_interval(values, bounds=(0.0, 1.0))
            return Stat(mean, std, len(values), lo, hi, "t over runs")
        part, value = entries[0], values[0]
        ci_name = name if indices[0] is None else f"{name}[{cls}]"
        found = run_interval(part, ci_name, entries_runs[0])
        if found is not None:
            return Stat(value, math.nan, 1, *found)
        lo, hi = bootstrap_confusion(part["confusion"]["matrix"], name, indices[0],
                                     self.n_boot, self.seed)  # fmt: skip
        method = "n/a" if np.isnan(lo) else "utterance bootstrap"
        return Stat(value, math.nan, 1, lo, hi, method)


def seed_means(values: Sequence[float], seeds: Sequence[int | None]) -> list[float]:
    """The mean of each seed's ``values`` (its folds' runs), in seed order."""
    by_seed: dict[int | None, list[float]] = {}
    for value, s in zip(values, seeds, strict=True):
        by_seed.setdefault(s, []).append(value)
    order = sorted(by_seed, key=lambda s: -1 if s is None else s)
    return [float(np.mean(by_seed[s])) for s in order]


# ---------------------------------------------------------------- LR cross-validation
class LrCvSource:
    """An LR-CV table (rows: LR; K1..Kk, avg, std, metric) and its CV runs' metrics."""

    kind = "lr_cv"

    def __init__(self, table: pd.DataFrame, cv_results: Iterable[Mapping] = (),
                 n_boot: int = 1000, seed: int = 0):  # fmt: skip
        self.table = table.copy()
        self.table["_lr"] = self.table["lr"].astype(float)
        self.runs = {str(r["run"]): r for r in cv_results}
        self.n_boot, self.seed = int(n_boot), int(seed)

    @classmethod
    def from_files(cls, table, metric_paths=(), n_boot: int = 1000, seed: int = 0) -> LrCvSource:
        results = read_run_metrics(metric_paths)
        return cls(pd.read_csv(table, dtype={"lr": str}), results, n_boot, seed)

    def default_variant(self) -> None:
        return None

    def get(self, cell: Cell, m: Measure) -> Stat | None:
        if cell.lr is None:
            raise ValueError("an lr_cv binding needs an lr_column")
        rows = self.table[np.isclose(self.table["_lr"], cell.lr, rtol=1e-9, atol=0)]
        if rows.empty or m.name not in rows.columns:
            return None
        row = rows.iloc[0]
        folds = [c for c in self.table.columns if re.fullmatch(r"K\d+", c)]
        if m.name == "avg":
            mean, std, lo, hi = t_interval([float(row[c]) for c in folds], bounds=(0.0, 1.0))
            return Stat(float(row["avg"]), std, len(folds), lo, hi, "t over folds")
        if m.name == "std":
            return Stat(float(row["std"]))
        value = float(row[m.name])
        if np.isnan(value):
            return None
        metric = CV_METRICS.get(str(row.get("metric", "")))
        res = self.runs.get(lr_cv_run(int(m.name[1:]) - 1, float(cell.lr)))
        if metric is None or res is None:
            return Stat(value, n_runs=1)
        found = run_interval(res["overall"], metric, res)
        if found is not None:
            return Stat(value, math.nan, 1, *found)
        lo, hi = bootstrap_confusion(res["overall"]["confusion"]["matrix"], metric, None,
                                     self.n_boot, self.seed)  # fmt: skip
        method = "n/a" if np.isnan(lo) else "utterance bootstrap"
        return Stat(value, math.nan, 1, lo, hi, method)


# ---------------------------------------------------------------- counts
class CountSource:
    """Utterance counts of a table with ``corpus label`` (+ ``split speaker group emotion
    duration`` where the source has them)."""

    def __init__(self, frame: pd.DataFrame, kind: str = "labels"):
        self.frame, self.kind = frame.reset_index(drop=True), kind

    def default_variant(self) -> None:
        return None

    def get(self, cell: Cell, m: Measure) -> Stat | None:
        frame = self.frame
        scope = m.scope or cell.scope
        if scope != "overall":
            if scope not in set(frame["corpus"]):
                return None
            frame = frame[frame["corpus"] == scope]
        if cell.split is not None:
            if "split" not in frame.columns:
                raise ValueError(f"source {self.kind} has no splits (use split or view)")
            frame = frame[frame["split"] == cell.split]
        cls = m.cls or cell.cls
        if cell.summary is not None:
            if cell.summary != "total":
                raise ValueError(f"count tables sum their classes: summary_rows use total, "
                                 f"not {cell.summary}")  # fmt: skip
        elif cls is not None:
            frame = frame[frame["label"] == cls]
        column = {"speakers": "speaker", "groups": "group", "emotions": "emotion",
                  "avg_duration": "duration"}.get(m.name)  # fmt: skip
        if column is not None and column not in frame.columns:
            raise ValueError(f"source {self.kind} has no {column} (for {m.name})")
        if m.name == "n":
            value = float(len(frame))
        elif m.name == "avg_duration":
            value = float(frame[column].mean()) if len(frame) else math.nan
        else:
            value = float(frame[column].nunique())
        return Stat(value)


def _read(path, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(path, columns=columns)


def corpus_frame(manifests, shards=()) -> pd.DataFrame:
    """Manifests (every ingested utterance; ``label`` = the corpus emotion) with the source
    duration of each preprocessed one (audio shards)."""
    cols = ["utt_id", "corpus", "speaker", "group", "emotion"]
    frame = pd.concat([_read(p, cols) for p in manifests], ignore_index=True)
    frame["label"] = frame["emotion"]
    if shards:
        durations = pd.concat([_read(p, ["utt_id", "source_duration"]) for p in shards],
                              ignore_index=True)  # fmt: skip
        frame["duration"] = frame["utt_id"].map(durations.set_index("utt_id")["source_duration"])
    return frame


def labels_frame(paths) -> pd.DataFrame:
    cols = ["utt_id", "corpus", "speaker", "group", "emotion", "label", "duration"]
    return pd.concat([_read(p, cols) for p in paths], ignore_index=True)


def split_frame(path, fold: int = 0) -> pd.DataFrame:
    frame = _read(path, ["utt_id", "corpus", "group", "speaker", "label", "fold", "split"])
    return frame[frame["fold"] == fold].reset_index(drop=True)


def view_frame(path) -> pd.DataFrame:
    return _read(path, ["utt_id", "corpus", "label", "split"])


def load_source(binding: Mapping, inputs: Mapping, n_boot: int = 1000, seed: int = 0):
    """The source of one binding from its input files (``inputs``: what rules/common.smk's
    ``binding_inputs`` lists)."""
    kind = binding.get("source", "metrics")
    if kind == "metrics":
        return MetricsSource.from_files(inputs["metrics"], n_boot, seed)
    if kind == "lr_cv":
        return LrCvSource.from_files(inputs["lr_cv"][0], inputs.get("metrics", ()), n_boot, seed)
    if kind == "corpus":
        return CountSource(corpus_frame(inputs["manifests"], inputs.get("shards", ())), kind)
    if kind == "labels":
        return CountSource(labels_frame(inputs["labels"]), kind)
    if kind == "split":
        return CountSource(split_frame(inputs["split"][0], int(binding.get("fold", 0))), kind)
    if kind == "view":
        return CountSource(view_frame(inputs["view"][0]), kind)
    raise ValueError(f"unknown source {kind!r}; use {SOURCES}")
