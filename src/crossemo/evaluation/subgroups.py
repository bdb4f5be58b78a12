"""Metrics per speaker subgroup (gender; StrEmo's ethnicity, accent, age), with clustered
intervals and the largest gap between the subgroups of each attribute (rule evaluate_experiment).

Subgroup attributes come from the test corpora's manifests (``gender`` in every corpus; the
StrEmo sheet's ``ethnicity accent age`` where present); unknown values are left out, and an
attribute with fewer than two known values in a corpus has no gap there. The gap's interval
resamples the clusters once per draw and recomputes every subgroup on it (:func:`subgroup_gaps`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

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
    cluster_keys,
    percentile_interval,
    resample_sums,
    split_groups,
)
from crossemo.evaluation.metrics import SCALARS, class_indices, distinct, named_measure
from crossemo.evaluation.runs import evaluate_labels

ATTRIBUTES = ("gender", "ethnicity", "accent", "age")
#: the headline measures, UA left out (it is UAR)
SUBGROUP_MEASURES = distinct(SCALARS)
UNKNOWN = {"", "unknown", "nan", "none"}


def subgroup_table(predictions: pd.DataFrame, attributes: pd.DataFrame, spec: IntervalSpec,
                   groups: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """One row per (test corpus, attribute, value) with each measure and its interval, and a
    ``largest gap`` row per (corpus, attribute): best minus worst value of each measure, with
    the interval of that difference."""
    classes = classes_of(predictions)
    frame = predictions.assign(cluster=cluster_keys(predictions, spec.unit, groups))
    frame = frame.merge(attributes, on="utt_id", how="left", suffixes=("", "_manifest"))
    rows = []
    for corpus, part in by_test_corpus(frame):
        for attribute in (a for a in ATTRIBUTES if a in part.columns):
            values = part[attribute].astype(str).str.strip()
            keep = ~values.str.lower().isin(UNKNOWN)
            if not keep.any():  # (assigning to an empty frame would adopt the values' rows)
                continue
            known = part[keep].assign(subgroup=values[keep])
            found = []
            for value, sub in known.groupby("subgroup", sort=True):
                m = evaluate_labels(sub["label"], sub["pred"], classes, spec, sub["cluster"],
                                    sub["corpus"])  # fmt: skip
                row = {"scope": corpus, "attribute": attribute, "value": value, "n": m["n"],
                       "n_clusters": m["n_clusters"], "interval_unit": spec.unit}  # fmt: skip
                for name in SUBGROUP_MEASURES:
                    lo, hi = m["ci"].get(name, (float("nan"), float("nan")))
                    row |= {name: m[name], f"{name}_ci_low": lo, f"{name}_ci_high": hi}
                found.append(row)
            rows += found
            if len(found) > 1:
                rows.append(_gap(known, found, classes, spec))
    return pd.DataFrame(rows)


def _gap(known: pd.DataFrame, found: list[dict], classes: list[str], spec: IntervalSpec) -> dict:
    """Best minus worst subgroup of each measure, with its clustered interval (which subgroups,
    in ``value``: by UAR)."""
    cluster, clusters = pd.factorize(known["cluster"], sort=True)
    subgroup, subgroups = pd.factorize(known["subgroup"], sort=True)
    t, p = class_indices(known["label"], classes), class_indices(known["pred"], classes)
    counts = subgroup_confusions(t, p, cluster, subgroup, len(clusters), len(subgroups),
                                 len(classes))  # fmt: skip
    gaps = subgroup_gaps(counts, np.zeros(len(clusters)), SUBGROUP_MEASURES, classes, spec)
    best, worst = (subgroups[gaps["uar"][k]] for k in ("best", "worst"))
    row = {k: found[0][k] for k in ("scope", "attribute")}
    row |= {"value": f"largest gap ({best} - {worst})", "n": sum(r["n"] for r in found),
            "n_clusters": len(clusters), "interval_unit": spec.unit}  # fmt: skip
    for name in SUBGROUP_MEASURES:
        lo, hi = gaps[name]["ci"]
        row |= {name: gaps[name]["gap"], f"{name}_ci_low": lo, f"{name}_ci_high": hi}
    return row


def manifest_attributes(paths: Sequence[str | Path]) -> pd.DataFrame:
    """``utt_id`` and the :data:`ATTRIBUTES` the manifests have (a column absent from one
    corpus is unknown there)."""
    import pyarrow.parquet as pq

    parts = []
    for path in paths:
        names = pq.read_schema(path).names
        parts.append(pd.read_parquet(path, columns=["utt_id", *(a for a in ATTRIBUTES
                                                                if a in names)]))  # fmt: skip
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["utt_id"])


def subgroups_files(predictions: Mapping[str, str | Path], split: str | Path,
                    manifests: Sequence[str | Path], output: str | Path, experiment: str,
                    interval: Mapping | None = None) -> pd.DataFrame:  # fmt: skip
    """Subgroup table: every run's predictions, the split table (clusters) and the
    test corpora's manifests (attributes) -> ``results/tables/subgroups_{experiment}.csv``,
    one block per :func:`evaluation_units` unit (column ``variant``: its variant or run)."""
    spec = IntervalSpec.from_config(interval)
    groups = split_groups(split) if spec.unit == "cluster" else None
    attributes = manifest_attributes(manifests)
    tables = read_predictions(predictions)
    blocks = []
    for unit, runs in evaluation_units(tables).items():
        table = pd.concat([tables[r] for r in runs], ignore_index=True)
        block = subgroup_table(table, attributes, spec, groups)
        blocks.append(block.assign(experiment=experiment, variant=unit))
    columns = ["experiment", "variant", "scope", "attribute", "value"]
    out = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    out = out.reindex(columns=[*columns, *(c for c in out.columns if c not in columns)])
    with atomic_path(output) as tmp:
        write_csv(out, tmp, index=False, float_format="%.6g")
    return out


def subgroup_confusions(t: np.ndarray, p: np.ndarray, cluster: np.ndarray, subgroup: np.ndarray,
                        n_clusters: int, n_subgroups: int, k: int) -> np.ndarray:  # fmt: skip
    """Confusion matrix of each (cluster, subgroup) pair (n_clusters, n_subgroups, k, k) from
    class indices ``t``/``p`` and the codes of ``cluster`` and ``subgroup`` (a cluster whose
    utterances fall in several subgroups, e.g. a video with two speakers, adds to each)."""
    flat = ((np.asarray(cluster) * n_subgroups + np.asarray(subgroup)) * k + t) * k + p
    size = n_clusters * n_subgroups * k * k
    return np.bincount(flat, minlength=size).reshape(n_clusters, n_subgroups, k, k)


def subgroup_gaps(counts: np.ndarray, strata: np.ndarray, measures: Sequence[str],
                  classes: Sequence, spec: IntervalSpec) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Largest gap between subgroups of each measure, with a clustered bootstrap interval.

    ``counts`` are per-(cluster, subgroup) confusion matrices (C, S, k, k). The gap of a
    measure is its best subgroup minus its worst one (by the point estimates); each bootstrap
    draw resamples the clusters once (stratified by ``strata``), recomputes every subgroup's
    measure on it and takes the same best minus worst difference, so a gap the data cannot
    tell from zero has an interval that holds zero. Draws where the best or worst subgroup
    lost all its clusters are skipped. Returns, per measure, ``gap``, ``best``/``worst``
    (subgroup indices) and ``ci`` (``[low, high]``; NaN without resamples).
    """
    counts = np.asarray(counts)
    point = {name: named_measure(counts.sum(0), name, classes) for name in measures}
    draws = None
    if len(counts) and spec.resamples > 0:
        draws = resample_sums(counts, np.asarray(strata), spec.resamples, spec.seed)
    out = {}
    for name, values in point.items():
        with np.errstate(invalid="ignore"):
            best, worst = int(np.nanargmax(values)), int(np.nanargmin(values))
        ci = [math.nan, math.nan]
        if draws is not None:
            boot = named_measure(draws, name, classes)
            ci = percentile_interval(boot[:, best] - boot[:, worst], spec.level)
        out[name] = {"gap": float(values[best] - values[worst]), "best": best, "worst": worst,
                     "ci": ci}  # fmt: skip
    return out
