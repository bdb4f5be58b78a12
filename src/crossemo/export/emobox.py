"""EmoBox's manifests (``emobox/``, JSONL as EmoBox's ``data/<corpus>/`` holds them) and one
plain CSV of every fold (``csv/<experiment>.csv``), read back with ``json`` or pandas.

EmoBox's layout, with the experiment in the corpus's place: ``<experiment>.jsonl`` lists every
utterance once, ``label_map.json`` maps each ``emo`` to its class (the scheme's names, so the
identity), and ``fold_<k>/<experiment>_<split>_fold_<k>.jsonl`` each fold's splits (numbered
from 1 like EmoBox's; fold 1 is the workflow's ``fold0``; EmoBox has no dev split, the export
writes one where the experiment has it). An entry has EmoBox's fields (``key``: the utt_id,
``dataset``: the corpus, ``wav``, ``type``, ``sample_rate``, ``num_frame``, ``task``,
``length`` in seconds, ``emo``, ``channel``) plus ``speaker`` and ``gender``; ``wav`` is the
WAV the export writes, relative to the experiment's export folder (EmoBox's are relative to its
download root). The CSV has the same fields and ``fold`` and ``split``, a row per utterance
and fold.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from crossemo.core.safe_text import write_csv
from crossemo.export.source import WAV_DIR, ExperimentData, Wav, wav_name

FOLDER = "emobox"
CSV_FOLDER = "csv"
FOLD_FILE = "fold_{n}/{experiment}_{split}_fold_{n}.jsonl"
FIELDS = ["key", "dataset", "wav", "type", "sample_rate", "num_frame", "task", "length", "emo",
          "channel", "speaker", "gender"]  # fmt: skip


def entries(rows: pd.DataFrame, wavs: dict[str, Wav]) -> list[dict]:
    """EmoBox entries of ``rows`` (:data:`FIELDS`)."""
    out = []
    for row in rows.itertuples(index=False):
        wav = wavs[row.utt_id]
        out.append({"key": row.utt_id, "dataset": row.corpus,
                    "wav": f"{WAV_DIR}/{wav_name(row.utt_id)}", "type": "raw",
                    "sample_rate": wav.sample_rate, "num_frame": wav.frames, "task": "category",
                    "length": wav.frames / wav.sample_rate, "emo": row.label, "channel": 1,
                    "speaker": row.speaker, "gender": row.gender})  # fmt: skip
    return out


def _jsonl(path: Path, items: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def write(data: ExperimentData, out_dir: Path) -> list[Path]:
    """Write EmoBox's JSONL files (and the WAVs they name) under ``out_dir/emobox``."""
    wavs = data.wavs(out_dir)
    folder = out_dir / FOLDER
    written = [_jsonl(folder / f"{data.experiment}.jsonl", entries(data.utterances(), wavs))]
    label_map = folder / "label_map.json"
    label_map.write_text(json.dumps({c: c for c in data.classes}, indent=1) + "\n")
    for k in data.folds():
        for split, rows in data.fold(k).items():
            name = FOLD_FILE.format(n=k + 1, experiment=data.experiment, split=split)
            written.append(_jsonl(folder / name, entries(rows, wavs)))
    return [*written, label_map]


def write_csv_table(data: ExperimentData, out_dir: Path) -> list[Path]:
    """Write ``csv/<experiment>.csv``: EmoBox's fields with ``fold`` and ``split``."""
    wavs = data.wavs(out_dir)
    table = pd.DataFrame(entries(data.table, wavs), columns=FIELDS)
    table.insert(1, "fold", data.table["fold"].to_numpy())
    table.insert(2, "split", data.table["split"].to_numpy())
    path = out_dir / CSV_FOLDER / f"{data.experiment}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, path, index=False)
    return [path]
