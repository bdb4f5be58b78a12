"""The predictions contract: one validated atomic writer, one label-map format (the older classic
form still read), one reader of a scheme's classes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandera.errors
import pytest

from crossemo.models.predictions import (
    LABEL_MAP_FILE,
    Predictions,
    predictions_frame,
    read_label_map,
    scheme_classes,
    write_label_map,
    write_predictions,
)

CLASSES = ["negative", "neutral", "positive"]


def test_a_frame_meets_the_contract_and_an_empty_one_too(tmp_path):
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]], dtype=np.float32)
    frame = predictions_frame(["a", "b"], ["c1", "c2"], np.array([1, 0]), probs, CLASSES)
    assert list(frame["pred"]) == ["neutral", "negative"]
    assert list(frame.columns) == ["utt_id", "corpus", "label", "pred",
                                   *(f"prob_{c}" for c in CLASSES)]  # fmt: skip
    written = write_predictions(frame, tmp_path / "p.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "p.parquet"), written)
    # a split without rows (no dev) is header-only, with float probability columns
    empty = predictions_frame([], [], np.zeros(0, dtype=int), np.zeros((0, 3)), CLASSES)
    Predictions.validate(empty)
    write_predictions(empty, tmp_path / "dev.parquet")
    assert pd.read_parquet(tmp_path / "dev.parquet")["prob_neutral"].dtype == np.float64


def test_the_writer_refuses_a_broken_table_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "p.parquet"
    good = predictions_frame(["a"], ["c"], np.array([0]), np.array([[1.0, 0, 0]]), CLASSES)
    write_predictions(good, path)
    before = path.read_bytes()
    for broken in (
        good.drop(columns=["prob_negative", "prob_neutral", "prob_positive"]),
        pd.concat([good, good]),
    ):  # fmt: skip  (no probabilities; a repeated utt_id)
        with pytest.raises(pandera.errors.SchemaError):
            write_predictions(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.parquet"]  # no temporary file left


def test_one_label_map_format_and_the_older_ones_read(tmp_path):
    write_label_map(tmp_path, CLASSES)
    data = json.loads((tmp_path / LABEL_MAP_FILE).read_text())
    assert data == {"classes": CLASSES, "label2id": {c: i for i, c in enumerate(CLASSES)}}
    assert read_label_map(tmp_path) == CLASSES
    old = tmp_path / "old"
    old.mkdir()
    (old / LABEL_MAP_FILE).write_text(json.dumps({"positive": 2, "negative": 0, "neutral": 1}))
    assert read_label_map(old) == CLASSES  # the classic runs' former {class: index}
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"id2label": {"1": "b", "0": "a"}}))
    assert read_label_map(hf) == ["a", "b"]
    assert read_label_map(tmp_path / "nothing") is None
    (old / LABEL_MAP_FILE).write_text(json.dumps({"a": 0, "b": 2}))
    with pytest.raises(ValueError, match="not 0..1"):
        read_label_map(old)


def test_a_scheme_s_classes_in_label_order(tmp_path):
    scheme = tmp_path / "basic4.yaml"
    scheme.write_text("name: basic4\nclasses: [neutral, happy, sad, angry]\nmapping: {}\n")
    assert scheme_classes(scheme) == ["neutral", "happy", "sad", "angry"]
    (tmp_path / "m.yaml").write_text("classes: {b: 1, a: 2}\n")
    assert scheme_classes(tmp_path / "m.yaml") == ["b", "a"]
    assert scheme_classes(None, fallback=["b", "a", "b"]) == ["a", "b"]
    with pytest.raises(ValueError, match="no classes"):
        scheme_classes(tmp_path / "missing.yaml")
