"""The corpus matrix table and heatmap, from synthetic predictions scored by the evaluation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crossemo.core.names import matrix_sources
from crossemo.evaluation.runs import evaluate_experiment
from crossemo.report.corpus_matrix import corpus_matrix_files, matrix_table

CORPORA = ["a", "b", "c"]


def _predictions(corpus: str, accuracy: float, seed: int) -> pd.DataFrame:
    """6 speakers x 10 utterances of ``corpus``, right on ``accuracy`` of them overall (speakers
    0.2 above and below it, unless perfect; labels alternate x y, so UAR is close to it)."""
    rng = np.random.default_rng(seed)
    rows = []
    spread = [-0.2, -0.1, 0.0, 0.0, 0.1, 0.2] if accuracy < 1 else [0.0] * 6
    for s in range(6):
        right = rng.permutation(10) < round((accuracy + spread[s]) * 10)
        for i in range(10):
            label = "xy"[i % 2]
            rows.append((f"{corpus}_{s}_{i}", corpus, label, label if right[i] else "yx"[i % 2],
                         f"{corpus}/s{s}"))  # fmt: skip
    return pd.DataFrame(rows, columns=["utt_id", "corpus", "label", "pred", "group"])


@pytest.fixture
def scored(tmp_path):
    """Run metrics of a 3-corpus matrix with LOCO; a -> b planted perfect, a -> c at 0.5."""
    accuracy = {("a", "b"): 1.0, ("a", "c"): 0.5}
    paths, groups = {}, []
    for fold, source in enumerate(matrix_sources(CORPORA, include_loco=True)):
        parts = [_predictions(t, accuracy.get((source[0], t), 0.7), fold)
                 for t in CORPORA if t not in source]  # fmt: skip
        table = pd.concat(parts, ignore_index=True)
        groups.append(table[["utt_id", "group"]])
        probs = {f"prob_{c}": (table["pred"] == c).astype(float) for c in "xy"}
        paths[f"fold{fold}"] = tmp_path / f"fold{fold}.parquet"
        table.drop(columns="group").assign(**probs).to_parquet(paths[f"fold{fold}"])
    pd.concat(groups).drop_duplicates("utt_id").to_parquet(tmp_path / "split.parquet")
    evaluate_experiment(paths, tmp_path / "runs.json", tmp_path / "m.csv", "mx",
                        {"resamples": 200}, tmp_path / "split.parquet")  # fmt: skip
    return tmp_path


def test_each_cell_is_a_source_scored_on_a_corpus_it_did_not_train_on(scored):
    table = corpus_matrix_files(scored / "runs.json", scored / "t.csv", scored / "f.png", "mx",
                                {"train": CORPORA, "include_loco": True})  # fmt: skip
    cells = table.set_index(["train", "test"])
    assert len(table) == 3 * 2 + 3  # each single source x 2 others, each LOCO x its left-out one
    assert cells.loc[("a", "b"), "uar"] == 1.0
    assert cells.loc[("a", "c"), "uar"] == pytest.approx(0.5, abs=0.05)
    low, high = cells.loc[("a", "c"), ["uar_ci_low", "uar_ci_high"]]
    assert low < cells.loc[("a", "c"), "uar"] < high and high - low > 0.1  # speakers differ
    assert cells.loc[("a", "c"), "n_clusters"] == 6  # speakers, not utterances
    loco = table[table["loco"]]
    assert sorted(zip(loco["train"], loco["test"], strict=True)) == [
        ("all but a", "a"), ("all but b", "b"), ("all but c", "c")]  # fmt: skip
    assert not ((table["train"] == table["test"]).any())  # no diagonal: transfer only
    assert (scored / "f.png").stat().st_size > 1000
    assert pd.read_csv(scored / "t.csv")["uar"].notna().all()


def test_a_run_that_tested_a_corpus_it_trained_on_is_refused(scored):
    results = json.loads((scored / "runs.json").read_text())
    with pytest.raises(ValueError, match="trained on"):
        matrix_table(results, ["b", "a", "c"], include_loco=True)  # fold0 is then source b
