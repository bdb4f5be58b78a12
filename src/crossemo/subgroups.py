"""Metrics per speaker subgroup (gender; StrEmo's ethnicity, accent, age), with clustered
intervals and the largest gap between the subgroups of each attribute.

Subgroup attributes come from the manifests (``gender`` in every corpus; the StrEmo sheet's
``ethnicity accent age`` where present); unknown values are left out, and an attribute with
fewer than two known values in a corpus has no gap there.
"""

from __future__ import annotations

import pandas as pd

from crossemo.evaluate import classes_of, cluster_keys, metrics
from crossemo.metrics import IntervalSpec

ATTRIBUTES = ("gender", "ethnicity", "accent", "age")
MEASURES = ("uar", "wa", "macro_f1", "weighted_f1")
UNKNOWN = {"", "unknown", "nan", "none"}


def subgroup_table(predictions: pd.DataFrame, attributes: pd.DataFrame, spec: IntervalSpec,
                   groups: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """One row per (test corpus, attribute, value) with each measure and its interval, and a
    ``largest gap`` row per (corpus, attribute): best minus worst value of each measure."""
    classes = classes_of(predictions)
    frame = predictions.assign(cluster=cluster_keys(predictions, spec.unit, groups))
    frame = frame.merge(attributes, on="utt_id", how="left", suffixes=("", "_manifest"))
    rows = []
    for corpus, part in frame.groupby("corpus", sort=True):
        for attribute in (a for a in ATTRIBUTES if a in part.columns):
            values = part[attribute].astype(str).str.strip()
            known = part[~values.str.lower().isin(UNKNOWN)]
            found = []
            for value, sub in known.groupby(values[known.index], sort=True):
                m = metrics(sub["label"], sub["pred"], classes, spec, sub["cluster"], sub["corpus"])
                row = {"scope": corpus, "attribute": attribute, "value": value, "n": m["n"],
                       "n_clusters": m["n_clusters"], "interval_unit": spec.unit}  # fmt: skip
                for name in MEASURES:
                    lo, hi = m["ci"].get(name, (float("nan"), float("nan")))
                    row |= {name: m[name], f"{name}_ci_low": lo, f"{name}_ci_high": hi}
                found.append(row)
            rows += found
            if len(found) > 1:
                rows.append(_gap(found))
    return pd.DataFrame(rows)


def _gap(found: list[dict]) -> dict:
    """Best minus worst subgroup of each measure (which ones, in ``value``: by UAR)."""
    best = max(found, key=lambda r: r["uar"])
    worst = min(found, key=lambda r: r["uar"])
    row = {k: found[0][k] for k in ("scope", "attribute", "interval_unit")}
    row |= {"value": f"largest gap ({best['value']} - {worst['value']})",
            "n": sum(r["n"] for r in found)}  # fmt: skip
    for name in MEASURES:
        values = [r[name] for r in found]
        row[name] = max(values) - min(values)
    return row
