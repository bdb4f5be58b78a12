"""Hugging Face ``datasets`` export: per fold a ``DatasetDict`` (train/dev/test) saved with
``save_to_disk`` (``hf/<fold>/``), read back with ``datasets.load_from_disk``.

Columns: ``utt_id``, ``audio`` (``datasets.Audio(sampling_rate=16000)``: 16-bit WAV bytes of the
shard's samples, which ``datasets`` decodes when torchcodec is installed; without it,
``cast_column("audio", Audio(decode=False))`` gives the bytes for soundfile), ``emotion``
(``ClassLabel`` of the scheme's classes, in scheme order), ``speaker``, ``corpus``, ``gender``
(``unknown`` where the corpus does not say) and ``duration`` (seconds).

The experiment's audio is held in memory as WAV bytes while its folds are written (2 bytes per
sample: ~115 MB per hour of speech), and each fold's folder holds its own copy of it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossemo.export.source import ExperimentData, fold_label, wav_bytes, wav_name

FOLDER = "hf"
#: the sampling rate the ``audio`` column declares (the shards' rate)
SAMPLING_RATE = 16000


def features(classes: list[str]):
    """The ``datasets.Features`` of an exported split."""
    import datasets

    text = datasets.Value("string")
    return datasets.Features(
        {
            "utt_id": text,
            "audio": datasets.Audio(sampling_rate=SAMPLING_RATE),
            "emotion": datasets.ClassLabel(names=list(classes)),
            "speaker": text,
            "corpus": text,
            "gender": text,
            "duration": datasets.Value("float64"),
        }
    )


def write(data: ExperimentData, out_dir: Path) -> list[Path]:
    """Write one ``DatasetDict`` folder per fold under ``out_dir/hf``; returns the folders."""
    import datasets

    datasets.disable_progress_bars()  # one bar per split and fold; the CLI says what it wrote
    feats = features(data.classes)
    audio = {u: wav_bytes(s, r) for u, s, r in data.audio()}
    data.require_audio(audio)
    written = []
    for k in data.folds():
        splits = {s: _split(rows, audio, feats, data.classes) for s, rows in data.fold(k).items()}
        folder = out_dir / FOLDER / fold_label(k)
        datasets.DatasetDict(splits).save_to_disk(str(folder))
        written.append(folder)
    return written


def _split(rows: pd.DataFrame, audio: dict[str, bytes], feats, classes: list[str]):
    """One split's ``datasets.Dataset``, its Arrow table built directly: ``datasets`` encodes
    audio arrays only through torchcodec, while WAV bytes need no encoder."""
    import datasets
    import pyarrow as pa

    index = {c: i for i, c in enumerate(classes)}
    columns = {
        "utt_id": rows["utt_id"].tolist(),
        "audio": [{"bytes": audio[u], "path": wav_name(u)} for u in rows["utt_id"]],
        "emotion": [index[label] for label in rows["label"]],
        "speaker": rows["speaker"].tolist(),
        "corpus": rows["corpus"].tolist(),
        "gender": rows["gender"].tolist(),
        "duration": rows["duration"].astype(float).tolist(),
    }
    table = pa.table(columns, schema=feats.arrow_schema)
    return datasets.Dataset(table, info=datasets.DatasetInfo(features=feats))
