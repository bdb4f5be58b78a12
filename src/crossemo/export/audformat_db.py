"""audformat export: one ``audformat.Database`` per experiment (``audformat/``, ``db.save``),
read back with ``audformat.Database.load``.

Every fold's splits are the database's splits (``fold0.train``, ``fold0.dev``, ``fold0.test``,
...; their ``type`` is train/dev/test) and each has a filewise table ``emotion.<split>``
(columns ``emotion``, ``speaker``, ``corpus``, ``gender``). The file index points at the WAVs
the export writes beside the database (``../wav/<utt_id>.wav``, relative to the database
folder): the shards' 16 kHz samples, which is what the experiment trained on (trimmed,
resampled, denoised), and which segmented corpora (IEMOCAP turns, video clips) have as
files of their own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossemo.export.source import WAV_DIR, ExperimentData, fold_label, wav_name

FOLDER = "audformat"
#: the table of each split (``emotion.fold0.train``)
TABLE = "emotion.{split}"
#: table columns -> export table columns
COLUMNS = {"emotion": "label", "speaker": "speaker", "corpus": "corpus", "gender": "gender"}


def file_of(utt_id: str) -> str:
    """An utterance's file in the database's index (relative to the database folder)."""
    return f"../{WAV_DIR}/{wav_name(utt_id)}"


def write(data: ExperimentData, out_dir: Path) -> list[Path]:
    """Write the database (and the WAVs it indexes) under ``out_dir``; returns its folder."""
    import audformat

    data.wavs(out_dir)
    db = audformat.Database(
        data.experiment,
        source="crossemo export",
        usage=audformat.define.Usage.UNRESTRICTED,
        meta={"experiment": data.experiment, "classes": list(data.classes)},
    )
    db.schemes["emotion"] = audformat.Scheme(labels=list(data.classes))
    for name in ("speaker", "corpus", "gender"):
        db.schemes[name] = audformat.Scheme("str")
    for k in data.folds():
        for split, rows in data.fold(k).items():
            _add_split(db, f"{fold_label(k)}.{split}", split, rows)
    folder = out_dir / FOLDER
    db.save(str(folder))
    return [folder]


def _add_split(db, split_id: str, split_type: str, rows: pd.DataFrame) -> None:
    import audformat

    db.splits[split_id] = audformat.Split(type=split_type)
    index = audformat.filewise_index([file_of(u) for u in rows["utt_id"]])
    table = audformat.Table(index, split_id=split_id)
    db[TABLE.format(split=split_id)] = table
    for column, source in COLUMNS.items():
        table[column] = audformat.Column(scheme_id=column)
        table[column].set(rows[source].tolist())
