"""RAVDESS adapter and the ``crossemo ingest`` command on a RAVDESS-shaped tree."""

from __future__ import annotations

import pandas as pd
import pytest
from audio_quirks import (
    assert_conserved,
    counts,
    empty,
    reject_reasons,
    resource_fork,
    text_file,
    truncated,
    with_list_chunk,
    write,
    zero_frames,
)

from crossemo.cli import main
from crossemo.corpora import ingest


@pytest.fixture
def ravdess(tmp_path):
    root = tmp_path / "RAVDESS"
    a1, a2 = root / "Actor_01", root / "Actor_02"
    first = with_list_chunk(a1 / "03-01-01-01-01-01-01.wav", 0.2, 48000)  # neutral, LIST chunk
    with_list_chunk(a1 / "03-01-05-02-02-02-01.wav", 0.2, 48000, channels=2)  # anger, stereo
    write(a1 / "03-02-03-01-01-01-01.wav", 0.2, 48000)  # song, happy
    write(a2 / "03-01-04-01-01-01-02.wav", 0.2, 48000)  # sad, female
    write(a2 / "03-01-08-02-01-02-02.wav", 0.2, 48000, subtype="PCM_24")  # surprised
    write(root / "03-01-02-01-01-01-03.wav", 0.2, 48000)  # calm, outside any Actor folder
    write(a1 / "03-01-09-01-01-01-01.wav")  # emotion 09 does not exist
    write(a1 / "03-01-01-01-01-01.wav")  # six fields
    write(a1 / "03-03-01-01-01-01-01.wav")  # vocal channel 03 does not exist
    empty(a2 / "03-01-03-01-01-01-02.wav")
    truncated(a2 / "03-01-06-01-01-01-02.wav")
    text_file(a2 / "03-01-07-01-01-01-02.wav")
    zero_frames(a2 / "03-01-07-02-01-01-02.wav")
    resource_fork(first)
    (root / "README.txt").write_text("RAVDESS\n")
    (a1 / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return root


def test_ravdess_manifest(ravdess):
    manifest, rejects = ingest("ravdess", ravdess, "ravdess")
    assert counts(manifest["emotion"]) == {
        "neutral": 1, "anger": 1, "sadness": 1, "surprise": 1, "calm": 1,
    }  # fmt: skip
    assert counts(manifest["speaker"]) == {
        "ravdess/Actor_01": 2, "ravdess/Actor_02": 2, "ravdess/Actor_03": 1,
    }  # fmt: skip
    row = manifest.set_index("utt_id").loc["ravdess/03-01-05-02-02-02-01"]
    assert (row.raw_label, row.emotion, row.gender, row.group) == (
        "05", "anger", "male", "ravdess/Actor_01",
    )  # fmt: skip
    assert (row.intensity, row.statement, row.repetition) == ("strong", 2, 2)
    assert row.text == "Dogs are sitting by the door"
    assert (row.channels, row.sample_rate, row.duration) == (2, 48000, pytest.approx(0.2))
    assert set(manifest.loc[manifest.speaker == "ravdess/Actor_02", "gender"]) == {"female"}
    assert set(manifest.vocal_channel) == {"speech"}
    assert set(manifest.language) == {"en"} and manifest.start.isna().all()


def test_ravdess_rejects_every_bad_file_and_loses_nothing(ravdess):
    manifest, rejects = ingest("ravdess", ravdess, "ravdess")
    assert reject_reasons(rejects) == {
        "03-01-09-01-01-01-01.wav": "unknown_emotion_code",
        "03-02-03-01-01-01-01.wav": "vocal_channel_excluded",
        "03-01-01-01-01-01.wav": "unparsable_name",
        "03-03-01-01-01-01-01.wav": "unparsable_name",
        "03-01-03-01-01-01-02.wav": "empty_file",
        "03-01-06-01-01-01-02.wav": "truncated",
        "03-01-07-01-01-01-02.wav": "not_audio",
        "03-01-07-02-01-01-02.wav": "no_audio_frames",
        "._03-01-01-01-01-01-01.wav": "macos_resource_fork",
    }
    assert set(rejects.stage) == {"ingest"} and set(rejects.corpus) == {"ravdess"}
    assert_conserved(ravdess, manifest, rejects)


def test_cli_ingest_writes_manifest_and_rejects_and_prints_counts(ravdess, tmp_path, capsys):
    out = tmp_path / "out" / "ravdess.parquet"
    assert main(["ingest", "ravdess", str(ravdess), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ravdess: 5 utterances, 9 rejected" in printed
    for line in ("per emotion:", "  anger: 1", "  calm: 1", "per speaker:",
                 "  ravdess/Actor_01: 2", "rejects by reason:", "  unparsable_name: 2",
                 "  truncated: 1", "  macos_resource_fork: 1"):  # fmt: skip
        assert line in printed.splitlines()
    manifest = pd.read_parquet(out)
    rejects = pd.read_parquet(out.with_name("ravdess.rejects.parquet"))
    assert len(manifest) == 5 and len(rejects) == 9
    assert manifest.utt_id.is_unique and manifest.utt_id.str.startswith("ravdess/").all()


def test_cli_ingest_adapter_and_bad_option(ravdess, tmp_path, capsys):
    out = tmp_path / "rav2.parquet"
    assert main(["ingest", "rav2", str(ravdess), "--adapter", "ravdess", "-o", str(out)]) == 0
    assert set(pd.read_parquet(out).corpus) == {"rav2"}
    bogus = ["ingest", "ravdess", str(ravdess), "-o", str(out), "--option", "vocal_channel=song"]
    assert main(bogus) == 1
    assert (
        "error: corpora.ravdess.options.vocal_channel: adapter ravdess has no such option "
        "(did you mean 'vocal_channels'?) (its options: vocal_channels)"
    ) in capsys.readouterr().err
    with pytest.raises(ValueError, match="has no such option"):
        main(["-v", *bogus])
    with pytest.raises(ValueError, match="adapter emodb has no such option .* takes no options"):
        ingest("emodb", ravdess, "emodb", wav="x")


def test_ravdess_song_files_kept_only_when_asked(ravdess):
    """The full release mixes song (vocal channel 02) into Actor_NN; speech papers use speech."""
    manifest, rejects = ingest("ravdess", ravdess, "ravdess", vocal_channels=["speech", "song"])
    assert set(manifest.vocal_channel) == {"speech", "song"}
    song = manifest.set_index("utt_id").loc["ravdess/03-02-03-01-01-01-01"]
    assert (song.emotion, song.vocal_channel) == ("happiness", "song")
    assert "vocal_channel_excluded" not in set(rejects.reason)
    assert_conserved(ravdess, manifest, rejects)
    with pytest.raises(ValueError, match="vocal_channels: unknown \\['singing'\\]"):
        ingest("ravdess", ravdess, "ravdess", vocal_channels=["singing"])


def test_cli_ingest_without_output_checks_the_corpus_and_writes_nothing(ravdess, tmp_path, capsys):
    before = sorted(tmp_path.rglob("*"))
    assert main(["ingest", "ravdess", str(ravdess)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "ravdess: 5 utterances, 9 rejected" in printed
    assert {"rejects by reason:", "  unparsable_name: 2", "  truncated: 1"} <= set(printed)
    assert "nothing written" in printed[-1]
    assert sorted(tmp_path.rglob("*")) == before


def test_cli_ingest_names_the_nearest_adapter(ravdess, capsys):
    assert main(["ingest", "ravdes", str(ravdess)]) == 1
    assert "unknown corpus adapter 'ravdes' (did you mean 'ravdess'?)" in capsys.readouterr().err
    assert main(["ingest", "mine", str(ravdess), "--adapter", "zzzz"]) == 1
    assert "unknown corpus adapter 'zzzz'; known adapters: " in capsys.readouterr().err
