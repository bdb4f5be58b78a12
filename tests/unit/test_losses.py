"""The console's account of rejected inputs (crossemo.core.losses)."""

from __future__ import annotations

import pandas as pd

from crossemo.core.losses import loss_summary, print_losses
from crossemo.core.schemas import Rejects, write_table


def _rejects(path, corpus: str, stage: str, reasons: list[str]) -> None:
    rows = pd.DataFrame({"corpus": corpus, "stage": stage, "path": "x.wav",
                         "utt_id": [f"{corpus}/{i}" for i in range(len(reasons))],
                         "reason": reasons, "detail": ""})  # fmt: skip
    write_table(rows, path, Rejects)


def test_rejects_of_every_stage_are_counted_by_corpus_stage_and_reason(tmp_path):
    _rejects(tmp_path / "manifests/tess.rejects.parquet", "tess", "ingest",
             ["not_audio", "not_audio", "unreadable"])  # fmt: skip
    _rejects(tmp_path / "audio/tess/0000.rejects.parquet", "tess", "preprocess", ["silent"])
    _rejects(tmp_path / "audio/tess/0001.rejects.parquet", "tess", "preprocess", ["silent"])
    _rejects(tmp_path / "manifests/savee.rejects.parquet", "savee", "ingest", [])
    summary = loss_summary(tmp_path)
    assert summary.splitlines() == [
        f"crossemo: 5 inputs rejected (one row each, with its reason, in {tmp_path}/manifests/"
        f"*.rejects.parquet and {tmp_path}/audio/*/*.rejects.parquet):",
        "  tess ingest: 2 not_audio",
        "  tess ingest: 1 unreadable",
        "  tess preprocess: 2 silent",
    ]


def test_nothing_rejected_prints_nothing(tmp_path, capsys):
    _rejects(tmp_path / "manifests/tess.rejects.parquet", "tess", "ingest", [])
    assert loss_summary(tmp_path) is None
    print_losses(tmp_path)
    assert capsys.readouterr().err == ""


def test_input_text_in_the_summary_cannot_drive_the_terminal(tmp_path, capsys):
    _rejects(tmp_path / "manifests/x.rejects.parquet", "x\x1b[2J", "ingest", ["bad\x07"])
    print_losses(tmp_path)
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[2J" in err


def test_a_file_that_is_not_a_table_is_passed_over(tmp_path):
    """`snakemake --touch` leaves empty stand-ins: the summary must never fail the run."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests/a.rejects.parquet").write_bytes(b"\n")
    _rejects(tmp_path / "manifests/b.rejects.parquet", "b", "ingest", ["not_audio"])
    assert loss_summary(tmp_path).splitlines()[1:] == ["  b ingest: 1 not_audio"]
