"""StrEmo: sheet validation, overlap report, and the whole path (serve -> download -> clips)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf
from strEmo_media import make_media, sheet_row, write_sheet

from crossemo.core.schemas import Manifest, Rejects
from crossemo.strEmo.devserver import serve
from crossemo.strEmo.download import (
    LOCAL_MEDIA_OPTIONS,
    DownloadSettings,
    download_sheet,
    download_videos,
)
from crossemo.strEmo.sheet import overlaps, parse_time, read_sheet, segment_clips, validate_sheet

TEMPLATE = "http://127.0.0.1:{port}/{video_id}.m4a"
FAST = DownloadSettings(url_template=TEMPLATE, retries=1, backoff_s=0.0,
                        ytdlp_options=LOCAL_MEDIA_OPTIONS)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("0:01:23", 83.0), ("1:02:03", 3723.0), ("1:23", 83.0), ("12.5", 12.5), (" 7 ", 7.0),
     ("25:00:00", 90000.0), (0.5, 43200.0), (1.0416667, 90000.0), (2, 172800.0),
     (dt.time(0, 1, 2), 62.0), (dt.timedelta(seconds=90), 90.0),
     (dt.timedelta(hours=25), 90000.0), (dt.datetime(1899, 12, 30, 0, 0, 5), 5.0),
     (dt.datetime(1900, 1, 1, 1, 0), 90000.0), (dt.datetime(1904, 1, 2, 1, 0), 90000.0)],
)  # fmt: skip
def test_parse_time_formats(value, seconds):
    """Text is H:MM:SS or seconds; numbers are Excel day counts; date-times near the epoch are
    day counts too (how Excel stores 25 h under an h:mm:ss format)."""
    assert parse_time(value) == pytest.approx(seconds, abs=0.01)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "1:75",
        "-3",
        "1:2:3:4",
        float("nan"),
        -0.1,
        True,
        dt.datetime(2024, 1, 5),
        dt.timedelta(seconds=-1),
        None,
        pd.NaT,
    ],
)
def test_parse_time_rejects_malformed(value):
    with pytest.raises(ValueError):
        parse_time(value)


def _xlsx_time_rows(path: Path) -> Path:
    """A sheet written by openpyxl whose time cells hold each kind of value Excel stores."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Filename", "Clip Time From", "Clip Time To", "Video_Id", "Emotion"])
    sheet.append(["tod.wav", dt.time(0, 0, 1), dt.time(0, 0, 3), "vidHappy001", "Happiness"])
    sheet.append(["td.wav", dt.timedelta(hours=24), dt.timedelta(hours=25), "vidHappy001",
                  "Happiness"])  # fmt: skip
    sheet.append(["days.wav", 0.5, 1.0416667, "vidHappy001", "Happiness"])
    sheet.append(["hms.wav", 1.0, 1.0416667, "vidHappy001", "Happiness"])
    for cell in sheet[5][1:3]:
        cell.number_format = "h:mm:ss"  # 25 h under a time-of-day format: a date-time cell
    sheet.append(["date.wav", dt.datetime(2024, 1, 5, 0, 0, 1), dt.datetime(2024, 1, 5, 0, 0, 3),
                  "vidHappy001", "Happiness"])  # fmt: skip
    sheet.append(["text.wav", "0:00:01", "25:00:00", "vidHappy001", "Happiness"])
    book.save(path)
    return path


def test_xlsx_time_cells_are_read_as_what_they_hold(tmp_path):
    clips, rejects = validate_sheet(read_sheet(_xlsx_time_rows(tmp_path / "times.xlsx")))
    times = {c.local_id: (c.start, c.end) for c in clips.itertuples()}
    assert times["tod"] == pytest.approx((1.0, 3.0))
    assert times["td"] == pytest.approx((86400.0, 90000.0))
    assert times["days"] == pytest.approx((43200.0, 90000.0), abs=0.01)
    assert times["hms"] == pytest.approx((86400.0, 90000.0), abs=0.01)
    assert times["text"] == pytest.approx((1.0, 90000.0))
    assert [(r.local_id, r.reason) for r in rejects] == [("date", "invalid_time")]
    assert "holds the date 2024-01-05 00:00:01" in rejects[0].detail


def _rows(canary: Path) -> list[dict]:
    return [
        sheet_row("happy_1.wav", "vidHappy001", "0:00:01", "0:00:03", "Happiness "),
        sheet_row("happy_2.wav", "vidHappy001", "0:00:02", "0:00:05", "Happiness"),
        sheet_row("angry_0.wav", "vidAngry001", "0:00:01", "0:00:01", "Anger"),
        sheet_row("angry_x.wav", "vidAngry001", "0:00:04", "0:00:02", "Anger"),
        sheet_row("angry_1.wav", " vidAngry001 ", "0:02", "0:00:06", " anger", gender="F"),
        sheet_row("gone_1.wav", "vidGone0404", "0:00:01", "0:00:03", "Neutral"),
        sheet_row("evil.wav", f"$(touch {canary})", "0:00:01", "0:00:02", "Neutral"),
        sheet_row("evil2.wav", "abc;rm -rf x", "0:00:01", "0:00:02", "Neutral"),
        sheet_row("neutral_t.wav", "vidNeutr001", "0:00:01", "abc", "Neutral"),
        sheet_row("neutral_s.wav", "vidNeutr001", "0:00:01", "0:00:04", "Surprise"),
        sheet_row("neutral_1.wav", "vidNeutr001", "2", "5.5", "Neutral"),
        sheet_row("neutral_far.wav", "vidNeutr001", "0:00:07", "0:00:20", "Neutral"),
        sheet_row("happy_1.wav", "vidHappy001", "0:00:05", "0:00:06", "Happiness"),
    ]


@pytest.fixture
def corpus(tmp_path):
    canary = tmp_path / "CANARY"
    media = tmp_path / "media"
    make_media(media / "vidHappy001.m4a", 8.0, 440)
    make_media(media / "vidAngry001.m4a", 8.0, 550)
    make_media(media / "vidNeutr001.m4a", 8.0, 660)
    sheet = write_sheet(_rows(canary), tmp_path / "strEmo.xlsx")
    return sheet, media, canary


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_validate_sheet_reasons(tmp_path, suffix):
    sheet = write_sheet(_rows(tmp_path / "CANARY"), tmp_path / f"strEmo{suffix}")
    clips, rejects = validate_sheet(read_sheet(sheet))
    reasons = {r.local_id: r.reason for r in rejects}
    assert reasons == {
        "angry_0": "zero_length", "angry_x": "inverted_segment", "evil": "invalid_video_id",
        "evil2": "invalid_video_id", "neutral_t": "invalid_time", "neutral_s": "unknown_label",
        "happy_1": "duplicate_clip",
    }  # fmt: skip
    assert all(str(r.path).startswith("sheet row ") for r in rejects)
    assert set(clips["local_id"]) == {"happy_1", "happy_2", "angry_1", "gone_1", "neutral_1",
                                      "neutral_far"}  # fmt: skip
    angry = clips.set_index("local_id").loc["angry_1"]
    assert (angry.video_id, angry.emotion, angry.gender, angry.start) == (
        "vidAngry001", "anger", "female", 2.0)  # fmt: skip
    assert clips.set_index("local_id").loc["neutral_1", "end"] == 5.5


def test_overlaps_reported(tmp_path):
    clips, _ = validate_sheet(read_sheet(write_sheet(_rows(tmp_path / "c"), tmp_path / "s.csv")))
    pairs = overlaps(clips)
    assert pairs[["video_id", "clip_a", "clip_b"]].values.tolist() == [
        ["vidHappy001", "happy_1", "happy_2"]]  # fmt: skip
    assert pairs["overlap_s"].tolist() == [1.0]


def test_whole_path_against_loopback_server(tmp_path, corpus):
    sheet, media, canary = corpus
    audio_dir = tmp_path / "audio"
    status = download_sheet(sheet, audio_dir, FAST, serve_dir=media)
    by_id = status.set_index("video_id")
    assert by_id.loc["vidHappy001", "status"] == "ok"
    assert by_id.loc["vidAngry001", "status"] == "ok"
    assert by_id.loc["vidGone0404", "status"] == "unavailable"
    assert "404" in by_id.loc["vidGone0404", "reason"]
    assert not canary.exists()  # the shell-metacharacter "id" never reached anything
    assert sorted(p.name for p in audio_dir.iterdir()) == [
        "vidAngry001.wav", "vidHappy001.wav", "vidNeutr001.wav"]  # fmt: skip
    info = sf.info(audio_dir / "vidHappy001.wav")
    assert (info.samplerate, info.channels) == (16000, 1)
    assert info.duration == pytest.approx(8.0, abs=0.1)

    manifest, rejects, pairs = segment_clips(sheet, status, tmp_path / "clips", "strEmo")
    Manifest.validate(manifest)
    Rejects.validate(rejects)
    assert sorted(manifest["utt_id"]) == [
        "strEmo/angry_1", "strEmo/happy_1", "strEmo/happy_2", "strEmo/neutral_1"]  # fmt: skip
    row = manifest.set_index("utt_id").loc["strEmo/neutral_1"]
    assert row.group == "strEmo/vidNeutr001" and row.speaker == "strEmo/vidNeutr001"
    assert row.duration == pytest.approx(3.5, abs=0.02)
    assert pd.isna(row.start) and row.clip_from == 2.0 and row.clip_to == 5.5
    assert manifest.set_index("utt_id").loc["strEmo/happy_1", "overlaps_with"] == "happy_2"
    clip = sf.info(row.path)
    assert (clip.samplerate, clip.channels) == (16000, 1)
    reasons = dict(zip(rejects["utt_id"], rejects["reason"], strict=True))
    assert reasons["strEmo/gone_1"] == "video_unavailable"
    assert reasons["strEmo/neutral_far"] == "segment_out_of_range"
    assert reasons["strEmo/angry_0"] == "zero_length"
    assert reasons["strEmo/evil"] == "invalid_video_id"
    assert len(pairs) == 1
    assert not canary.exists()


def test_manifest_feeds_preprocess_unchanged(tmp_path, corpus):
    from crossemo.audio.preprocess import PreprocessSettings, preprocess_shard
    from crossemo.audio.steps import TrimSettings
    from crossemo.core.schemas import write_table

    sheet, media, _ = corpus
    status = download_sheet(sheet, tmp_path / "audio", FAST, serve_dir=media)
    manifest, _, _ = segment_clips(sheet, status, tmp_path / "clips", "strEmo")
    write_table(manifest, tmp_path / "m.parquet", Manifest)
    settings = PreprocessSettings(trim=TrimSettings(method="none"), min_duration=0.5)
    preprocess_shard(manifest_path=tmp_path / "m.parquet", shard="0000", n_shards=1,
                     settings=settings, output=tmp_path / "a.parquet",
                     rejects_output=tmp_path / "a.rejects.parquet")  # fmt: skip
    assert len(pd.read_parquet(tmp_path / "a.parquet")) == 4


def test_truncated_download_then_rerun_fetches_only_missing(tmp_path, corpus):
    _, media, _ = corpus
    audio_dir = tmp_path / "audio"
    ids = ["vidHappy001", "vidAngry001"]
    with serve(media) as server:
        server.truncate["vidAngry001.m4a"] = 4000  # every response cut after 4 kB
        status = download_videos(ids, audio_dir, FAST, {"port": server.port})
        angry = status.set_index("video_id").loc["vidAngry001"]
        assert angry.status == "network_error" and angry.attempts == 2
        assert not (audio_dir / "vidAngry001.wav").exists()  # no partial taken as finished
        assert sorted(p.name for p in audio_dir.iterdir()) == ["vidHappy001.wav"]

        server.truncate.clear()
        server.requests.clear()
        status = download_videos(ids, audio_dir, FAST, {"port": server.port})
        assert status["status"].tolist() == ["ok", "ok"]
        assert status["cached"].tolist() == [True, False]
        assert {p for _, p in server.requests} == {"/vidAngry001.m4a"}
        assert sf.info(audio_dir / "vidAngry001.wav").duration == pytest.approx(8.0, abs=0.1)


@pytest.mark.slow
def test_demo_strEmo_sheet_end_to_end(tmp_path):
    """The demo's StrEmo (xlsx + m4a media) served on loopback: every quirk row is accounted for."""
    import json

    from crossemo.demo import synthesize

    synthesize(tmp_path / "demo", seed=0, corpora=["StrEmo"])
    root = tmp_path / "demo" / "StrEmo"
    quirks = json.loads((tmp_path / "demo" / "demo_truth.json").read_text())["quirks"]["StrEmo"]
    status = download_sheet(root / "strEmo.xlsx", tmp_path / "audio", FAST,
                            serve_dir=root / "media")  # fmt: skip
    by_id = status.set_index("video_id")["status"]
    assert by_id[quirks["unavailable"]["video_id"]] == "unavailable"
    assert (by_id.drop(quirks["unavailable"]["video_id"]) == "ok").all()
    manifest, rejects, pairs = segment_clips(root / "strEmo.xlsx", status, tmp_path / "clips",
                                             "strEmo")  # fmt: skip
    table = read_sheet(root / "strEmo.csv")
    assert len(manifest) + len(rejects) == len(table)  # every row is a clip or a reject
    reasons = set(rejects["reason"])
    assert reasons == {"zero_length", "invalid_video_id", "video_unavailable"}
    assert pairs["video_id"].tolist() == [quirks["overlap"]["video_id"]]
    assert set(manifest["emotion"]) == {"anger", "happiness", "neutral"}
    assert manifest.groupby("group")["emotion"].nunique().eq(1).all()  # one emotion per video


SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*", re.ASCII)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_clip_ids_are_distinct_for_distinct_file_names(tmp_path, suffix):
    names = ["caf\u00e9_1.wav", "caf\u00e8_1.wav", "a b.wav", "a_b.wav", "happy_1.wav", "-rf.wav",
             "\u611f\u60c5.wav", "\u559c\u60c5.wav"]  # fmt: skip
    rows = [sheet_row(n, "vidHappy001", f"0:00:0{i}", f"0:00:0{i + 1}", "Happiness")
            for i, n in enumerate(names)]  # fmt: skip
    sheet = write_sheet(rows, tmp_path / f"names{suffix}")
    clips, rejects = validate_sheet(read_sheet(sheet))
    assert rejects == []
    ids = clips["local_id"].tolist()
    assert len(set(ids)) == len(names)
    assert {"happy_1", "a_b"} <= set(ids)  # names already safe keep their name
    assert all(SAFE_ID.fullmatch(i) for i in ids), ids
    assert ids[0].startswith("cafe_1_") and ids[1].startswith("cafe_1_")
    assert validate_sheet(read_sheet(sheet))[0]["local_id"].tolist() == ids  # stable


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_formula_like_cells_stay_text(tmp_path, suffix):
    row = sheet_row("=1+1.wav", "-abcdefghij", "0:00:01", "0:00:02", "Neutral")
    row.update({"Ethnicity": "=1+1", "Accent": "+44", "Age": "-", "Source": "@SUM(A1)"})
    clips, rejects = validate_sheet(read_sheet(write_sheet([row], tmp_path / f"f{suffix}")))
    assert rejects == []
    clip = clips.iloc[0]
    assert (clip.ethnicity, clip.accent, clip.age, clip.source) == ("=1+1", "+44", "-",
                                                                    "@SUM(A1)")  # fmt: skip
    assert clip.video_id == "-abcdefghij" and SAFE_ID.fullmatch(clip.local_id)


def test_control_characters_never_reach_ids_or_metadata(tmp_path):
    rows = [
        sheet_row("\x1b[2Jevil.wav", "vidHappy001", "0:00:01", "0:00:02", "Happiness"),
        sheet_row("ok.wav", "\x1b[2Jabcdefg", "0:00:01", "0:00:02", "Happiness"),
        sheet_row("ok2.wav", "vidHappy001", "0:00:03", "0:00:04", "Happiness\x1b[0m"),
    ]
    rows[0]["Ethnicity"] = "\x1b]0;pwned\x07White\x9b2J"
    clips, rejects = validate_sheet(read_sheet(write_sheet(rows, tmp_path / "c.csv")))
    assert SAFE_ID.fullmatch(clips.iloc[0].local_id)
    assert clips.iloc[0].ethnicity == "]0;pwnedWhite2J"
    assert [(r.local_id, r.reason) for r in rejects] == [("ok", "invalid_video_id"),
                                                         ("ok2", "unknown_label")]  # fmt: skip
    assert all(ch.isprintable() for r in rejects for ch in r.detail), rejects
