"""UAR per test speaker: values by hand, intervals only for speakers large enough, the table's
blocks cover every test utterance once, and the figure is written."""

import math

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.intervals import IntervalSpec
from crossemo.evaluation.speakers import (
    BOOTSTRAP,
    no_interval,
    speaker_table,
    speakers_files,
)

SPEC = IntervalSpec(unit="utterance", resamples=200, level=0.95, seed=0)


def _predictions() -> tuple[pd.DataFrame, pd.Series]:
    # speaker a (corpus x): 12 utterances, 6 "p" (4 right) and 6 "n" (3 right): UAR (4/6+3/6)/2
    # speaker b (corpus x): 3 utterances, all "p", one right: UAR 1/3, chance 1 (one class)
    # speaker c (corpus y): 4 utterances, 2 "p" both wrong, 2 "n" both right: UAR 1/2
    label = ["p"] * 6 + ["n"] * 6 + ["p"] * 3 + ["p", "p", "n", "n"]
    pred = (["p"] * 4 + ["n"] * 2 + ["n"] * 3 + ["p"] * 3 + ["p", "n", "n"]
            + ["n", "n", "n", "n"])  # fmt: skip
    speaker = ["a"] * 12 + ["b"] * 3 + ["c"] * 4
    corpus = ["x"] * 15 + ["y"] * 4
    utt = [f"u{i}" for i in range(len(label))]
    table = pd.DataFrame({"utt_id": utt, "corpus": corpus, "label": label, "pred": pred})
    return table, pd.Series(speaker, index=utt)


def test_speaker_uar_matches_a_hand_computation():
    table, speakers = _predictions()
    out = speaker_table(table, speakers, SPEC, min_n=10).set_index("speaker")
    assert out.loc["a", "uar"] == pytest.approx((4 / 6 + 3 / 6) / 2)
    assert out.loc["b", "uar"] == pytest.approx(1 / 3)
    assert out.loc["c", "uar"] == pytest.approx(0.5)
    assert list(out["n"]) == [12, 3, 4]
    assert list(out["corpus"]) == ["x", "x", "y"]
    # chance of each speaker's own classes; b is under its chance (one class: chance 1)
    assert list(out["chance"]) == [0.5, 1.0, 0.5]
    assert list(out["under_chance"]) == [False, True, False]


def test_only_speakers_with_enough_utterances_get_an_interval():
    table, speakers = _predictions()
    out = speaker_table(table, speakers, SPEC, min_n=10).set_index("speaker")
    a = out.loc["a"]
    assert a["interval"] == BOOTSTRAP
    assert a["uar_ci_low"] < a["uar"] < a["uar_ci_high"]
    for small in ("b", "c"):
        assert out.loc[small, "interval"] == no_interval(10)
        assert math.isnan(out.loc[small, "uar_ci_low"])


def test_an_utterance_without_a_speaker_is_an_error():
    table, speakers = _predictions()
    with pytest.raises(ValueError, match="no speaker in the split table"):
        speaker_table(table, speakers.drop("u0"), SPEC, min_n=10)


def test_files_cover_every_test_utterance_of_each_variant(tmp_path):
    table, speakers = _predictions()
    split = pd.DataFrame({"utt_id": speakers.index, "speaker": speakers.to_numpy()})
    split.to_parquet(tmp_path / "split.parquet")
    paths = {}
    for run, rows in {"fold0": slice(0, 10), "fold1": slice(10, None)}.items():
        paths[run] = tmp_path / f"{run}.parquet"
        table.iloc[rows].to_parquet(paths[run])
    out = speakers_files(paths, tmp_path / "split.parquet", tmp_path / "s.csv",
                         tmp_path / "s.png", "exp", {"resamples": 50})  # fmt: skip
    assert set(out["variant"]) == {""}  # the folds pooled: one variant
    assert out["n"].sum() == len(table)
    assert out.groupby("speaker")["n"].sum().to_dict() == {"a": 12, "b": 3, "c": 4}
    assert pd.read_csv(tmp_path / "s.csv")["uar"].to_numpy() == pytest.approx(out["uar"])
    assert (tmp_path / "s.png").stat().st_size > 0
    assert np.all(out["experiment"] == "exp")
