"""``crossemo export``: an experiment's labelled utterances, per fold and split, in the formats
other SER tools read (:data:`FORMATS`), from a workflow results directory.

Under ``OUT/<experiment>/``: ``hf/<fold>/`` (Hugging Face ``datasets``), ``audformat/``
(one database, every fold's splits), ``lhotse/<fold>/``, ``emobox/`` (EmoBox's JSONL) and
``csv/<experiment>.csv``; the formats that point at audio files share ``wav/<utt_id>.wav``
(16-bit WAVs of the shards' samples, written once). Each format is one module with a
``write(data, out_dir) -> paths`` function; the registry below is the one list of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

#: format name -> its writer, ``module:function`` of this package (the CLI's ``--format``
#: choices, in this order; imported when used, so the CLI's parser stays light)
FORMATS: dict[str, str] = {
    "hf": "hf:write",
    "audformat": "audformat_db:write",
    "lhotse": "lhotse_manifests:write",
    "emobox": "emobox:write",
    "csv": "emobox:write_csv_table",
}


def writer(name: str) -> Callable:
    """The writer of format ``name``: ``write(data, out_dir) -> paths written``."""
    if name not in FORMATS:
        raise ValueError(f"unknown export format {name!r}; choose from {', '.join(FORMATS)}")
    module, function = FORMATS[name].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)


def export(config_file: str | Path, results_dir: str | Path, out_dir: str | Path,
           experiments: Iterable[str] = (), formats: Iterable[str] = tuple(FORMATS),
           ) -> dict[str, dict[str, list[Path]]]:  # fmt: skip
    """Export ``experiments`` of ``config_file`` (all with a split table in ``results_dir`` when
    none is named) in ``formats`` under ``out_dir/<experiment>/``; experiment -> format -> the
    files and folders written."""
    from crossemo.export.source import choose, load, read_experiments

    writers = {f: writer(f) for f in dict.fromkeys(formats)}
    config, scheme_dir = read_experiments(config_file)
    results_dir = Path(results_dir)
    written: dict[str, dict[str, list[Path]]] = {}
    for name in choose(config, list(experiments), results_dir):
        data = load(name, config[name], scheme_dir, results_dir)
        target = Path(out_dir) / name
        written[name] = {f: write(data, target) for f, write in writers.items()}
    return written


__all__ = ["FORMATS", "export", "writer"]
