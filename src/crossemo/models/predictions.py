"""The predictions contract every model family keeps, and the label map beside every model.

- :class:`Predictions`: ``results/predictions/{experiment}/{run}.parquet`` (and ``.dev.parquet``):
  ``utt_id corpus label pred prob_<class>...``, one float column per class in the label scheme's
  order. :func:`predictions_frame` builds it from class probabilities; :func:`write_predictions`
  is the one writer (validated, atomic: a reader never sees half a file).
- the label map ``label_map.json`` of a model folder: ``{"classes": [...], "label2id": {...}}``
  (:func:`write_label_map`); :func:`read_label_map` also reads the older classic form
  ``{class: index}`` and, for Hugging Face folders without one, ``config.json``'s ``id2label``.
- :func:`scheme_classes`: the classes of a label scheme file in label order, the one reader the
  training entry points use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.atomic import atomic_path

#: file name of a model folder's label map
LABEL_MAP_FILE = "label_map.json"
#: prefix of the probability columns (``prob_<class>``)
PROB_PREFIX = "prob_"


class Predictions(pa.DataFrameModel):
    """``results/predictions/{experiment}/{run}.parquet`` (every model family writes this)."""

    utt_id: Series[str] = pa.Field(unique=True)
    corpus: Series[str]
    label: Series[str]
    pred: Series[str]

    class Config:
        strict = False  # + prob_<class> float columns, one per class in label order
        coerce = True

    @pa.dataframe_check
    def has_probabilities(cls, df: pd.DataFrame) -> bool:
        probs = [c for c in df.columns if c.startswith(PROB_PREFIX)]
        return bool(probs) and all(np.issubdtype(df[c].dtype, np.floating) for c in probs)


def prob_columns(classes: Sequence[str]) -> list[str]:
    """``prob_<class>`` of each class, in label order."""
    return [f"{PROB_PREFIX}{c}" for c in classes]


def predictions_frame(utt_ids: Sequence[str], corpora: Sequence[str], labels: np.ndarray,
                      probs: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    """The contract's table from class indices ``labels`` (-1: none) and probabilities
    ``[n, classes]``; ``pred`` is the most probable class."""
    probs = np.asarray(probs, dtype=np.float64).reshape(len(utt_ids), len(classes))
    frame = pd.DataFrame({
        "utt_id": list(utt_ids),
        "corpus": list(corpora),
        "label": [classes[i] if i >= 0 else None for i in labels],
        "pred": [classes[i] for i in probs.argmax(1)] if len(probs) else [],
    })  # fmt: skip
    for k, column in enumerate(prob_columns(classes)):
        frame[column] = probs[:, k]
    return frame


def write_predictions(table: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Validate ``table`` (:class:`Predictions`) and write it to ``path`` atomically; returns
    the validated table."""
    valid = Predictions.validate(table)
    with atomic_path(path) as tmp:
        valid.to_parquet(tmp, index=False)
    return valid


# ---- label maps --------------------------------------------------------------------------------
def label_map(classes: Sequence[str]) -> dict:
    """The label map of ``classes``: ``{"classes": [...], "label2id": {class: index}}``."""
    classes = [str(c) for c in classes]
    return {"classes": classes, "label2id": {c: i for i, c in enumerate(classes)}}


def write_label_map(path: str | Path, classes: Sequence[str]) -> Path:
    """Write :func:`label_map` to ``path`` (a folder: its ``label_map.json``)."""
    path = Path(path)
    if path.is_dir():
        path = path / LABEL_MAP_FILE
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(label_map(classes), indent=2) + "\n")
    return path


def classes_of_label_map(data: object) -> list[str]:
    """Classes in label order from a label map's data: ``{"classes": [...], ...}`` or the older
    ``{class: index}``; ValueError for anything else."""
    if isinstance(data, Mapping) and isinstance(data.get("classes"), list):
        return [str(c) for c in data["classes"]]
    if (
        isinstance(data, Mapping)
        and data
        and all(isinstance(v, int) and not isinstance(v, bool) for v in data.values())
    ):
        order = sorted(data.items(), key=lambda kv: kv[1])
        if [i for _, i in order] != list(range(len(order))):
            raise ValueError(f"label map indices are not 0..{len(order) - 1}: {dict(data)}")
        return [str(c) for c, _ in order]
    raise ValueError("not a label map: expected {classes: [...], label2id: {...}}")


def read_label_map(path: str | Path) -> list[str] | None:
    """Classes of a model folder (or of a ``label_map.json``): its label map in either form,
    else a Hugging Face ``config.json``'s ``id2label``; None when the folder has neither."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    file = path if not path.is_dir() else path / LABEL_MAP_FILE
    if file.is_file():
        try:
            return classes_of_label_map(json.loads(file.read_text()))
        except (ValueError, json.JSONDecodeError) as err:
            raise ValueError(f"{file}: {err}") from None
    config = folder / "config.json"
    if config.is_file():
        id2label = json.loads(config.read_text()).get("id2label") or {}
        return [str(id2label[k]) for k in sorted(id2label, key=int)] or None
    return None


# ---- label schemes -----------------------------------------------------------------------------
def scheme_classes(path: str | Path | None, fallback: Sequence[str] = ()) -> list[str]:
    """Class names in label order from a label scheme file (``classes:``, a list or a mapping);
    without a file, the sorted distinct ``fallback`` labels (ValueError when there are none)."""
    if path and Path(path).exists():
        from crossemo.core.configuration import read_yaml

        data = read_yaml(path, "label scheme")
        classes = data.get("classes") if isinstance(data, Mapping) else None
        if isinstance(classes, Mapping):
            classes = list(classes)
        if classes:
            return [str(c) for c in classes]
    if not fallback:
        raise ValueError(f"no classes: {path} missing or without `classes:`")
    return sorted({str(c) for c in fallback})
