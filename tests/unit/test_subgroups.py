"""Subgroup metrics: per gender / sheet attribute, clustered, with the largest gap."""

from __future__ import annotations

import pandas as pd
import pytest

from crossemo.metrics import IntervalSpec
from crossemo.subgroups import subgroup_table


def test_subgroups_per_attribute_with_their_gap():
    rows, attrs = [], []
    for s, (gender, accent, right) in enumerate([("female", "us", 1), ("female", "uk", 1),
                                                 ("male", "us", 1), ("male", "uk", 0),
                                                 ("unknown", "us", 0)]):  # fmt: skip
        for i in range(10):
            label = "ab"[i % 2]
            rows.append((f"c_{s}_{i}", "c", label, label if right else "ba"[i % 2]))
            attrs.append((f"c_{s}_{i}", gender, accent, f"s{s}"))
    preds = pd.DataFrame(rows, columns=["utt_id", "corpus", "label", "pred"])
    meta = pd.DataFrame(attrs, columns=["utt_id", "gender", "accent", "group"])
    table = subgroup_table(preds, meta.drop(columns="group"), IntervalSpec(resamples=200),
                           meta.set_index("utt_id")["group"])  # fmt: skip
    by = table.set_index(["attribute", "value"])
    assert by.loc[("gender", "female"), "uar"] == 1.0 and by.loc[("gender", "male"), "uar"] == 0.5
    assert ("gender", "unknown") not in by.index  # unknown gender is no subgroup
    assert by.loc[("gender", "male"), "n_clusters"] == 2
    assert by.loc[("gender", "male"), "uar_ci_low"] == 0.0  # two speakers: 0 .. 1
    gap = table[(table["attribute"] == "gender") & table["value"].str.startswith("largest")]
    assert gap.iloc[0]["uar"] == pytest.approx(0.5) and "female - male" in gap.iloc[0]["value"]
    assert by.loc[("accent", "us"), "uar"] == pytest.approx(2 / 3)
