"""Generic CSV adapter: label maps, segments, extra columns and every reject reason."""

from __future__ import annotations

import pandas as pd
import pytest
from audio_quirks import counts, write

from crossemo.cli import main
from crossemo.corpora import ingest
from crossemo.corpora.generic_csv import parse_label_map

SHEET = """path,label,speaker,start,end,text,gender,group,age
audio/a.wav,ang,s1,,,hello there,F,g1,30
audio/b.wav,happiness,s2,,,,m,,40
audio/c.wav,neu,s1,0.0,0.5,,,,
audio/c.wav,neu,s1,0.5,1.0,,,,
audio/missing.wav,ang,s1,,,,,,
audio/a.wav,weird,s1,,,,,,
audio/c.wav,neu,s1,1.0,0.5,,,,
audio/b.wav,,s2,,,,,,
audio/b.wav,neu,,,,,,,
"""


@pytest.fixture
def sheet_root(tmp_path):
    root = tmp_path / "mycorpus"
    write(root / "audio" / "a.wav", 0.2)
    write(root / "audio" / "b.wav", 0.2)
    write(root / "audio" / "c.wav", 1.0)
    (root / "labels.csv").write_text(SHEET)
    return root


MAPS = ["ang=anger, neu=neutral", {"ang": "anger", "neu": "neutral"}]


@pytest.mark.parametrize("label_map", MAPS)
def test_generic_csv(sheet_root, label_map):
    manifest, rejects = ingest("csv", sheet_root, "mine", label_map=label_map)
    assert counts(manifest["emotion"]) == {"anger": 1, "happiness": 1, "neutral": 2}
    assert counts(manifest["speaker"]) == {"mine/s1": 3, "mine/s2": 1}
    rows = manifest.set_index("utt_id")
    assert list(rows.index) == ["mine/audio/a", "mine/audio/b", "mine/audio/c#0.000-0.500",
                                "mine/audio/c#0.500-1.000"]  # fmt: skip
    a = rows.loc["mine/audio/a"]
    assert (a.raw_label, a.gender, a.group, a.text, a.age) == (
        "ang", "female", "mine/g1", "hello there", "30",
    )  # fmt: skip
    assert rows.loc["mine/audio/b", "group"] == "mine/s2"  # default group: the speaker
    assert rows.loc["mine/audio/b", "gender"] == "male"
    assert rows.loc["mine/audio/c#0.500-1.000", "duration"] == pytest.approx(0.5)
    assert sorted(rejects.reason) == [
        "empty_segment", "missing_file", "no_label", "no_speaker", "unknown_label",
    ]  # fmt: skip


def test_generic_csv_without_map_rejects_corpus_codes(sheet_root):
    manifest, rejects = ingest("csv", sheet_root, "mine")
    assert list(manifest.emotion) == ["happiness"]
    assert counts(rejects.reason) == {"unknown_label": 6, "missing_file": 1, "no_label": 1}


def test_generic_csv_options(sheet_root, tmp_path):
    with pytest.raises(ValueError, match="not emotions"):
        parse_label_map("ang=angry")
    with pytest.raises(ValueError, match="label=emotion"):
        parse_label_map("ang")
    with pytest.raises(FileNotFoundError):
        ingest("csv", sheet_root, "mine", csv="nope.csv")
    (sheet_root / "bad.csv").write_text("file,emotion\na.wav,anger\n")
    with pytest.raises(ValueError, match="missing columns"):
        ingest("csv", sheet_root, "mine", csv="bad.csv")
    absolute = tmp_path / "sheet.csv"
    absolute.write_text(f"path,label,speaker\n{sheet_root / 'audio' / 'a.wav'},anger,x\n")
    manifest, _ = ingest("csv", sheet_root, "mine", csv=str(absolute))
    assert list(manifest.emotion) == ["anger"]


def test_cli_ingest_csv_with_options(sheet_root, tmp_path, capsys):
    out = tmp_path / "mine.parquet"
    argv = ["ingest", "mine", str(sheet_root), "--adapter", "csv", "-o", str(out), "--option",
            "csv=labels.csv", "--option", "label_map=ang=anger,neu=neutral"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "mine: 4 utterances, 5 rejected" in printed and "  neutral: 2" in printed
    assert "  mine/s1: 3" in printed and "  unknown_label: 1" in printed
    assert len(pd.read_parquet(tmp_path / "mine.rejects.parquet")) == 5


TIMES = """path,label,speaker,start,end
clip.wav,anger,s1,0,inf
clip.wav,anger,s1,0,1e309
clip.wav,anger,s1,nan,1.0
clip.wav,anger,s1,0.5,NaN
clip.wav,anger,s1,-1,1.0
clip.wav,anger,s1,1.0,1.0
clip.wav,anger,s1,0,99.5
clip.wav,anger,s1,1.6,2.0
clip.wav,anger,s1,0,\u0661.\u0665
clip.wav,anger,s1,0.2,0.7
clip.wav,anger,s1,1.0,1.52
"""


def test_generic_csv_times_that_cannot_be_right_are_rejects_with_their_reasons(tmp_path):
    root = tmp_path / "times"
    write(root / "clip.wav", 1.5)
    (root / "labels.csv").write_text(TIMES, encoding="utf-8")
    manifest, rejects = ingest("csv", root, "t")
    assert sorted(zip(rejects.utt_id.fillna("-"), rejects.reason, strict=True)) == [
        ("-", "bad_time"),
        ("t/clip#-1.000-1.000", "negative_time"),
        ("t/clip#0.000-99.500", "end_beyond_file"),
        ("t/clip#0.000-inf", "non_finite_time"),
        ("t/clip#0.000-inf", "non_finite_time"),
        ("t/clip#0.500-nan", "non_finite_time"),
        ("t/clip#1.000-1.000", "empty_segment"),
        ("t/clip#1.600-2.000", "segment_out_of_range"),
        ("t/clip#nan-1.000", "non_finite_time"),
    ]
    rows = manifest.set_index("utt_id")
    assert list(rows.index) == ["t/clip#0.200-0.700", "t/clip#1.000-1.520"]
    assert rows["duration"].tolist() == pytest.approx([0.5, 0.5])  # 1.52 within tolerance: cut
    assert rows.loc["t/clip#1.000-1.520", "end"] == pytest.approx(1.5)


def test_sheet_paths_outside_the_corpus_root_are_rejects_unless_allowed(tmp_path):
    root = tmp_path / "corpus"
    write(root / "audio" / "a.wav", 0.2)
    write(root / "audio" / "b.wav", 0.2)
    outside = write(tmp_path / "elsewhere" / "x.wav", 0.2)
    (root / "labels.csv").write_text(
        "path,label,speaker\n"
        "audio/a.wav,anger,s1\n"
        f"{root / 'audio' / 'b.wav'},anger,s1\n"
        "../elsewhere/x.wav,anger,s2\n"
        f"{outside},anger,s2\n"
        "audio/../../elsewhere/x.wav,anger,s3\n"
    )
    manifest, rejects = ingest("csv", root, "mine")
    assert list(manifest.speaker) == ["mine/s1", "mine/s1"]
    assert rejects.reason.tolist() == ["outside_root"] * 3
    assert all("allow_outside_root" in d for d in rejects.detail)
    manifest, rejects = ingest("csv", root, "mine", allow_outside_root=True)
    assert len(manifest) == 5 and rejects.empty


def test_allow_outside_root_is_in_the_config_schema():
    import yaml

    from crossemo.core.configuration import CONFIG_SCHEMA

    schema = yaml.safe_load(CONFIG_SCHEMA.read_text())
    options = schema["properties"]["corpora"]["additionalProperties"]["properties"]["options"]
    assert options["properties"]["allow_outside_root"]["type"] == "boolean"
    # no schema default: validation would write it into every adapter's options (off: absent)
    assert "default" not in options["properties"]["allow_outside_root"]


def test_a_sheet_row_naming_a_fifo_or_folder_is_a_not_regular_file_reject(tmp_path):
    import os

    root = tmp_path / "corpus"
    write(root / "a.wav", 0.2)
    os.mkfifo(root / "pipe.wav")
    (root / "folder.wav").mkdir()
    (root / "labels.csv").write_text(
        "path,label,speaker\na.wav,anger,s1\npipe.wav,anger,s1\nfolder.wav,anger,s1\n"
    )
    manifest, rejects = ingest("csv", root, "mine")
    assert list(manifest.utt_id) == ["mine/a"]
    details = dict(zip(rejects.utt_id, zip(rejects.reason, rejects.detail, strict=True),
                       strict=True))  # fmt: skip
    assert details["mine/pipe"][0] == details["mine/folder"][0] == "not_regular_file"
    assert "FIFO" in details["mine/pipe"][1] and "directory" in details["mine/folder"][1]
