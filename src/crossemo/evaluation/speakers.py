"""UAR per test speaker of every test corpus of an experiment (rule evaluate_experiment): a
table and a figure of the speakers sorted by UAR, worst and best named, chance drawn.

A speaker's interval is a percentile bootstrap over that speaker's own utterances
(:func:`crossemo.evaluation.intervals.resample_sums`, the evaluation's seed and level); a
speaker with fewer than ``min_n`` test utterances gets none (column ``interval``: ``none (n <
min_n)``). ``chance`` is :func:`crossemo.evaluation.runs.chance_uar` of the speaker's own truth
(1/k of the classes the speaker shows); ``under_chance`` flags a UAR below it. Speakers come
from the split table (``speaker``); one block per :func:`evaluation_units` unit (``variant``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.safe_text import write_csv
from crossemo.evaluation.base import (
    by_test_corpus,
    classes_of,
    evaluation_units,
    read_predictions,
)
from crossemo.evaluation.intervals import (
    IntervalSpec,
    cluster_confusions,
    percentile_interval,
    resample_sums,
)
from crossemo.evaluation.metrics import class_indices, confusion, named_measure
from crossemo.evaluation.runs import chance_uar

#: columns of the per-speaker table, in order
COLUMNS = ("experiment", "variant", "corpus", "speaker", "n", "uar", "uar_ci_low", "uar_ci_high",
           "interval", "chance", "under_chance")  # fmt: skip
BOOTSTRAP = "utterance bootstrap"


def no_interval(min_n: int) -> str:
    """The ``interval`` entry of a speaker too small for one."""
    return f"none (n < {min_n})"


def speaker_uar(labels: pd.Series, preds: pd.Series, classes: list[str], spec: IntervalSpec,
                min_n: int) -> dict:  # fmt: skip
    """n, UAR, its utterance-bootstrap interval (NaN below ``min_n`` utterances or without
    resamples), chance and the under-chance flag of one speaker's predictions."""
    n, k = len(labels), len(classes)
    matrix = confusion(labels, preds, classes)
    uar = float(named_measure(matrix, "uar", classes))
    chance = chance_uar({"confusion": {"matrix": matrix}})
    low = high = math.nan
    interval = no_interval(min_n)
    if n >= min_n and spec.resamples > 0:
        t, p = class_indices(labels, classes), class_indices(preds, classes)
        counts = cluster_confusions(t, p, np.arange(n), n, k)
        draws = resample_sums(counts, np.zeros(n), spec.resamples, spec.seed)
        low, high = percentile_interval(named_measure(draws, "uar", classes), spec.level)
        interval = BOOTSTRAP
    return {"n": n, "uar": uar, "uar_ci_low": low, "uar_ci_high": high, "interval": interval,
            "chance": chance, "under_chance": bool(uar < chance - 1e-12)}  # fmt: skip


def speaker_table(predictions: pd.DataFrame, speakers: pd.Series, spec: IntervalSpec,
                  min_n: int) -> pd.DataFrame:  # fmt: skip
    """One row per (test corpus, speaker) of a predictions table; ``speakers``: utt_id ->
    speaker. ValueError naming utterances without a speaker."""
    classes = classes_of(predictions)
    speaker = predictions["utt_id"].map(speakers)
    if speaker.isna().any():
        missing = predictions.loc[speaker.isna(), "utt_id"].head(3).tolist()
        raise ValueError(f"{int(speaker.isna().sum())} predicted utterances have no speaker in "
                         f"the split table, e.g. {missing}: rebuild the split")  # fmt: skip
    rows = []
    for corpus, part in by_test_corpus(predictions.assign(speaker=speaker)):
        for name, sub in part.groupby("speaker", sort=True):
            m = speaker_uar(sub["label"], sub["pred"], classes, spec, min_n)
            rows.append({"corpus": corpus, "speaker": str(name)} | m)
    return pd.DataFrame(rows)


def split_speakers(path: str | Path) -> pd.Series:
    """utt_id -> speaker of a split table (one row per utterance and fold)."""
    table = pd.read_parquet(path, columns=["utt_id", "speaker"]).drop_duplicates("utt_id")
    return table.set_index("utt_id")["speaker"]


def speakers_files(predictions: Mapping[str, str | Path], split: str | Path,
                   output: str | Path, figure: str | Path, experiment: str,
                   interval: Mapping | None = None, min_n: int = 10) -> pd.DataFrame:  # fmt: skip
    """Every run's predictions and the split table -> ``results/tables/speakers_{experiment}.csv``
    (:data:`COLUMNS`) and its figure (:func:`crossemo.evaluation.speaker_figure.plot_speakers`)."""
    from crossemo.evaluation.speaker_figure import plot_speakers

    spec = IntervalSpec.from_config(interval)
    speakers = split_speakers(split)
    tables = read_predictions(predictions)
    blocks = []
    for unit, runs in evaluation_units(tables).items():
        table = pd.concat([tables[r] for r in runs], ignore_index=True)
        block = speaker_table(table, speakers, spec, min_n)
        blocks.append(block.assign(experiment=experiment, variant=unit))
    out = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    out = out.reindex(columns=list(COLUMNS))
    with atomic_path(output) as tmp:
        write_csv(out, tmp, index=False, float_format="%.6g")
    plot_speakers(out, figure, experiment)
    return out
