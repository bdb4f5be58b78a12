"""EmoBox corpora E: TurEV-DB, URDU (EmoBox's excerpts), ESD, M3ED, MEAD, MSP-Podcast
(synthetic trees in the publishers' layouts: EmoBox ships no file list for them)."""

from __future__ import annotations

import pandas as pd
import pytest
from audio_quirks import reject_reasons, write
from emobox_trees import build_tree, excerpt, expected, found

from crossemo.corpora import ingest, scan


def _by_name(result):
    return {u.path.name: u for u in result.utterances}


def _rejects(result):
    return {r.path.name: r.reason for r in result.rejects}


@pytest.mark.parametrize("corpus", ["turevdb", "urdu"])
def test_excerpt_scans_to_emobox_files_and_labels(tmp_path, corpus):
    entries, label_map = excerpt(corpus)
    build_tree(tmp_path, corpus, entries)
    result = scan(corpus, tmp_path, corpus)
    assert found(result, tmp_path) == expected(entries, corpus, label_map)
    assert result.rejects == []


def test_turevdb_fields_and_rejects(tmp_path):
    entries, _ = excerpt("turevdb")
    build_tree(tmp_path, "turevdb", entries)
    folder = tmp_path / "Sound Source"
    write(folder / "Angry" / "1234_sk_cilek.wav")  # calm code in the angry folder
    write(folder / "Calm" / "1234_xx_cilek.wav")
    write(folder / "Calm" / "cilek.wav")
    result = scan("turevdb", tmp_path, "turevdb")
    utt = _by_name(result)["1234_sk_cilek.wav"]
    assert (utt.speaker, utt.sentence, utt.text, utt.language, utt.gender) == (
        "1234", "cilek", "cilek", "tr", "unknown"
    )  # fmt: skip
    assert utt.path.parent.name == "Calm" and utt.raw_label == "sk"
    actors = {"1157", "1234", "1358", "1984", "6783", "7895"}
    assert {u.speaker for u in result.utterances} <= actors
    assert [r.path.parent.name for r in result.rejects if r.reason == "label_conflict"] == ["Angry"]
    assert _rejects(result) == {
        "1234_sk_cilek.wav": "label_conflict",
        "1234_xx_cilek.wav": "unknown_emotion_code",
        "cilek.wav": "unparsable_name",
    }


def test_urdu_fields_rejects_and_ingest(tmp_path):
    entries, _ = excerpt("urdu")
    build_tree(tmp_path, "urdu", entries)
    write(tmp_path / "Happy" / "SM5_F65_N093.wav")  # neutral code in the happy folder
    write(tmp_path / "Sad" / "SM1_F1_X001.wav")
    write(tmp_path / "Sad" / "readme.wav")
    manifest, rejects = ingest("urdu", tmp_path, "urdu")
    assert len(manifest) == len(entries)
    row = manifest.set_index("utt_id").loc["urdu/SM5_F65_N093"]
    assert (row.speaker, row.gender, row.language, row.emotion) == (
        "urdu/SM5", "male", "ur", "neutral"
    )  # fmt: skip
    assert pd.isna(row.sentence) and row.group == "urdu/SM5"
    female = manifest[manifest.speaker.str.startswith("urdu/SF")]
    assert len(female) and set(female.gender) == {"female"}
    assert reject_reasons(rejects) == {
        "SM5_F65_N093.wav": "label_conflict",
        "SM1_F1_X001.wav": "unknown_emotion_code",
        "readme.wav": "unparsable_name",
    }
