"""User-supplied CSV/spreadsheet files: errors name the file and what to do, never a bare
pandas traceback; the CLI prints them without a traceback unless -v."""

from __future__ import annotations

import pytest
from audio_quirks import write

from crossemo.cli import main
from crossemo.corpora import ingest
from crossemo.corpora.cremad import read_demographics
from crossemo.corpora.mosei import csv_segments
from crossemo.corpora.sheets import SheetError, read_csv_sheet
from crossemo.strEmo.sheet import read_sheet

HEADER = "path,label,speaker\n"


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "mine"
    write(root / "a.wav")
    return root


def test_utf8_with_a_bom_and_utf16_with_a_bom_are_read(corpus):
    (corpus / "labels.csv").write_text(HEADER + "a.wav,anger,s1\n", encoding="utf-8-sig")
    assert list(ingest("csv", corpus, "m")[0].emotion) == ["anger"]
    (corpus / "labels.csv").write_text(HEADER + "a.wav,anger,s\u00e9\n", encoding="utf-16")
    assert list(ingest("csv", corpus, "m")[0].speaker) == ["m/s\u00e9"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "label sheet {sheet} is empty; expected a header line"),
        (b"\n\n", "label sheet {sheet} is empty"),
        (HEADER.encode() + "a.wav,anger,J\u00e9r\u00f4me\n".encode("latin-1"),
         "label sheet {sheet}: not UTF-8 text (byte 0xe9 on line 2, Latin-1 or Windows-1252 "
         "perhaps); save it as UTF-8"),
        (HEADER.encode("utf-16-le"), "label sheet {sheet}: holds NUL bytes (UTF-16 without a "
         "byte-order mark"),
        (HEADER.encode() + b'a.wav,"anger,s1\n', "label sheet {sheet}: not a readable CSV file"),
    ],
    ids=["empty", "blank-lines", "latin-1", "utf-16-no-bom", "open-quote"],
)  # fmt: skip
def test_unreadable_label_sheets_name_the_file(corpus, content, message):
    sheet = corpus / "labels.csv"
    sheet.write_bytes(content)
    with pytest.raises(SheetError) as err:
        ingest("csv", corpus, "m")
    assert str(err.value).startswith(message.format(sheet=sheet))


def test_metadata_sheets_and_the_strEmo_sheet_name_the_file(tmp_path):
    latin = tmp_path / "VideoDemographics.csv"
    latin.write_bytes("ActorID,Sex\n1001,F\u00e9minin\n".encode("latin-1"))
    with pytest.raises(SheetError, match=f"CREMA-D demographics {latin}: not UTF-8 text"):
        read_demographics(latin)
    empty = tmp_path / "labels.csv"
    empty.write_bytes(b"")
    with pytest.raises(SheetError, match=f"MOSEI labels {empty} is empty"):
        list(csv_segments(empty, None))
    sheet = tmp_path / "strEmo.csv"
    sheet.write_bytes("Video_Id,Emotion\nabc,C\u00f3lera\n".encode("latin-1"))
    with pytest.raises(SheetError, match=f"StrEmo sheet {sheet}: not UTF-8 text"):
        read_sheet(sheet)
    broken = tmp_path / "strEmo.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(SheetError, match=f"StrEmo sheet {broken}: not a readable spreadsheet"):
        read_sheet(broken)
    with pytest.raises(SheetError, match="not found"):
        read_csv_sheet(tmp_path / "absent.csv")


def test_cli_errors_are_one_message_without_a_traceback_unless_verbose(corpus, tmp_path, capsys):
    (corpus / "labels.csv").write_bytes(b"")
    argv = ["ingest", "m", str(corpus), "--adapter", "csv", "-o", str(tmp_path / "m.parquet")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"crossemo ingest: error: label sheet {corpus / 'labels.csv'} is empty" in err
    assert "Traceback" not in err and "run with -v for the traceback" in err
    with pytest.raises(SheetError):
        main(["-v", *argv])


def test_cli_option_without_a_value_is_a_usage_error(corpus, tmp_path, capsys):
    argv = ["ingest", "m", str(corpus), "--adapter", "csv", "-o", str(tmp_path / "m.parquet")]
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--option", "foo"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --option: 'foo' is not KEY=VALUE; write e.g. --option csv=labels.csv" in err
    assert "dictionary update sequence" not in err


def test_cli_reports_an_empty_corpus_and_exits_non_zero(tmp_path, capsys):
    root = tmp_path / "TESS"
    write(root / "OAF_angry" / "OAF_back_angry.wav")
    assert main(["ingest", "ravdess", str(root), "-o", str(tmp_path / "r.parquet")]) == 1
    err = capsys.readouterr().err
    assert "crossemo ingest: error: ravdess: no usable utterance" in err
    assert "unparsable_name: 1 (e.g." in err and not (tmp_path / "r.parquet").exists()
