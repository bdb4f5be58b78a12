"""SAVEE adapter: published ``AudioData/DC/a01.wav`` and flat ``ALL/DC_a01.wav`` copies."""

from __future__ import annotations

import shutil

import pytest
from audio_quirks import assert_conserved, counts, reject_reasons, truncated, write

from crossemo.corpora import ingest

GOOD = {"DC": ["a01", "sa01", "sa15"], "JE": ["su02", "d01"], "JK": ["n03"], "KL": ["h01", "f01"]}


@pytest.fixture
def savee(tmp_path):
    root = tmp_path / "SAVEE"
    for speaker, names in GOOD.items():
        for name in names:
            write(root / "AudioData" / speaker / f"{name}.wav", 0.1, 44100)
    write(root / "AudioData" / "DC" / "x01.wav")
    write(root / "AudioData" / "DC" / "hello.wav")
    write(root / "AudioData" / "XY" / "a01.wav")
    truncated(root / "AudioData" / "JK" / "a02.wav")
    (root / "AudioData" / "info.txt").write_text("SAVEE\n")
    return root


def test_savee_nested(savee):
    manifest, rejects = ingest("savee", savee, "savee")
    assert counts(manifest["emotion"]) == {
        "anger": 1, "sadness": 2, "surprise": 1, "disgust": 1, "neutral": 1, "happiness": 1,
        "fear": 1,
    }  # fmt: skip
    speakers = {f"savee/{s}": len(names) for s, names in GOOD.items()}
    assert counts(manifest["speaker"]) == speakers
    assert set(manifest.gender) == {"male"}
    assert set(manifest.group) == set(manifest.speaker)
    assert "savee/DC_sa15" in set(manifest.utt_id)
    rows = manifest.set_index("utt_id")
    assert tuple(rows.loc["savee/DC_sa01", ["raw_label", "sentence_number"]]) == ("sa", 1)
    # the publisher's description: numbers 1-3 are the sentences common to every emotion
    assert rows.loc["savee/DC_sa01", "sentence"] == rows.loc["savee/DC_a01", "sentence"]
    assert rows.loc["savee/DC_sa15", "sentence"] not in set(rows.drop("savee/DC_sa15").sentence)
    assert reject_reasons(rejects) == {
        "x01.wav": "unknown_emotion_code",
        "hello.wav": "unparsable_name",
        "a01.wav": "unknown_speaker",
        "a02.wav": "truncated",
    }
    assert_conserved(savee, manifest, rejects)


def test_savee_flat_copy_gives_the_same_ids(savee, tmp_path):
    nested, _ = ingest("savee", savee, "savee")
    flat = tmp_path / "flat" / "ALL"
    flat.mkdir(parents=True)
    for speaker, names in GOOD.items():
        for name in names:
            source = savee / "AudioData" / speaker / f"{name}.wav"
            shutil.copy(source, flat / f"{speaker}_{name}.wav")
    write(flat / "a01.wav")  # no speaker in the name, and "ALL" is not a speaker
    manifest, rejects = ingest("savee", flat.parent, "savee")
    assert list(manifest.utt_id) == list(nested.utt_id)
    assert list(manifest.emotion) == list(nested.emotion)
    assert reject_reasons(rejects) == {"a01.wav": "unknown_speaker"}


def test_savee_both_layouts_under_one_root_reject_the_second_copy(savee):
    flat = savee / "ALL"
    flat.mkdir()
    shutil.copy(savee / "AudioData" / "DC" / "a01.wav", flat / "DC_a01.wav")
    manifest, rejects = ingest("savee", savee, "savee")
    dup = rejects[rejects.reason == "duplicate_utt_id"]
    assert list(dup.utt_id) == ["savee/DC_a01"] and len(manifest) == 8
    kept = manifest.set_index("utt_id").loc["savee/DC_a01", "path"]
    assert kept == str(savee / "AudioData" / "DC" / "a01.wav")  # the publisher's, not ALL/
    assert list(dup.path) == [str(flat / "DC_a01.wav")] and kept in dup.detail.iloc[0]
