"""EmoBox corpora E: TurEV-DB, URDU (EmoBox's excerpts), ESD, M3ED, MEAD, MSP-Podcast
(synthetic trees in the publishers' layouts: EmoBox ships no file list for them)."""

from __future__ import annotations

import json

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


def _touch(path):
    """A placeholder file for scans (which read names, never audio)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_esd_layouts_fields_and_rejects(tmp_path):
    root = tmp_path / "Emotion Speech Dataset"
    _touch(root / "0011" / "Angry" / "0011_000351.wav")  # EmoBox's flat release
    _touch(root / "0011" / "Neutral" / "0011_000001.wav")
    _touch(root / "0002" / "Surprise" / "test" / "0002_001750.wav")  # first release's splits
    (root / "0011" / "0011.txt").write_text(
        "0011_000001\tThe nine the eggs.\tNeutral\n0011_000351\tThe nine the eggs.\tAngry\n"
    )
    (root / "0002" / "0002.txt").write_bytes("0002_001750\t打远一看\t惊喜\n".encode("gb18030"))
    _touch(root / "0011" / "Happy" / "0011_000351.wav")  # an angry number in Happy/
    _touch(root / "0021" / "Sad" / "0021_001100.wav")
    _touch(root / "0012" / "Sad" / "0012_001800.wav")
    _touch(root / "0012" / "Sad" / "0012_1100.wav")
    result = scan("esd", tmp_path, "esd")
    utts = {u.local_id: u for u in result.utterances}
    assert {k: (u.raw_label, u.emotion) for k, u in utts.items()} == {
        "0011_000351": ("Angry", "anger"),
        "0011_000001": ("Neutral", "neutral"),
        "0002_001750": ("Surprise", "surprise"),
    }
    angry, neutral, chinese = utts["0011_000351"], utts["0011_000001"], utts["0002_001750"]
    assert angry.sentence == neutral.sentence == "en-001" and angry.text == "The nine the eggs."
    assert (angry.speaker, angry.gender, angry.language) == ("0011", "male", "en")
    assert (chinese.gender, chinese.language, chinese.sentence) == ("female", "zh", "zh-350")
    assert chinese.text == "打远一看" and chinese.extra == {"esd_split": "test"}
    assert sorted((r.path.parent.name, r.reason) for r in result.rejects) == [
        ("Happy", "label_conflict"),
        ("Sad", "unknown_emotion_code"),
        ("Sad", "unknown_speaker"),
        ("Sad", "unparsable_name"),
    ]


def test_mead_layout_fields_and_rejects(tmp_path):
    for speaker, emotion, level, take in [
        ("M003", "angry", 3, "001"), ("M003", "neutral", 1, "001"),
        ("W009", "angry", 1, "001"), ("W009", "surprised", 2, "030"),
        ("W009", "contempt", 1, "005"), ("M003", "disgusted", 2, "010"),
    ]:  # fmt: skip
        _touch(tmp_path / speaker / "audio" / emotion / f"level_{level}" / f"{take}.m4a")
    _touch(tmp_path / "M003" / "video" / "front" / "angry" / "level_3" / "001.mp4")  # not walked
    _touch(tmp_path / "M003" / "video" / "front" / "angry" / "level_3" / "001.m4a")
    _touch(tmp_path / "M003" / "audio" / "bored" / "level_1" / "001.m4a")
    _touch(tmp_path / "X1" / "audio" / "sad" / "level_1" / "001.m4a")
    _touch(tmp_path / "M003" / "audio" / "sad" / "001.m4a")
    result = scan("mead", tmp_path, "mead")
    utts = {u.local_id: u for u in result.utterances}
    assert {k: u.emotion for k, u in utts.items()} == {
        "M003_angry_level3_001": "anger", "M003_neutral_level1_001": "neutral",
        "W009_angry_level1_001": "anger", "W009_surprised_level2_030": "surprise",
        "W009_contempt_level1_005": "contempt", "M003_disgusted_level2_010": "disgust",
    }  # fmt: skip
    strong, woman = utts["M003_angry_level3_001"], utts["W009_angry_level1_001"]
    assert (strong.speaker, strong.gender, strong.language, strong.extra) == (
        "M003", "male", "en", {"intensity": 3}
    )  # fmt: skip
    assert woman.gender == "female" and woman.sentence == strong.sentence == "angry-001"
    assert utts["M003_neutral_level1_001"].sentence != strong.sentence
    assert sorted((r.path.relative_to(tmp_path).parts[:3], r.reason) for r in result.rejects) == [
        (("M003", "audio", "bored"), "unknown_emotion_code"),
        (("M003", "audio", "sad"), "unparsable_name"),
        (("M003", "video", "front"), "not_a_recording"),
        (("X1", "audio", "sad"), "unknown_speaker"),
    ]


MSP_SHEET = """FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set
MSP-PODCAST_0001_0008.wav,N,3.2,4.0,3.6,127,Female,Train
MSP-PODCAST_0001_0009.wav,X,4.0,3.0,4.2,Unknown,Unknown,Train
MSP-PODCAST_0002_0001.wav,C,5.0,2.0,5.0,55,Male,Test1
MSP-PODCAST_0002_0002.wav,Z,5.0,2.0,5.0,55,Male,Test1
MSP-PODCAST_0003_0001.wav,H,5.0,2.0,5.0,56,Male,Validation
"""


def test_msppodcast_sheet_ingest_and_rejects(tmp_path):
    (tmp_path / "Labels").mkdir()
    (tmp_path / "Labels" / "labels_consensus.csv").write_text(MSP_SHEET)
    for name in ("0001_0008", "0001_0009", "0002_0001", "0002_0002", "0004_0001"):
        write(tmp_path / "Audios" / f"MSP-PODCAST_{name}.wav")
    (tmp_path / "Transcripts").mkdir()
    (tmp_path / "Transcripts" / "MSP-PODCAST_0001_0008.txt").write_text("so anyway\n")
    manifest, rejects = ingest("msppodcast", tmp_path, "msp")
    rows = manifest.set_index("utt_id")
    assert dict(rows.emotion) == {
        "msp/MSP-PODCAST_0001_0008": "neutral",
        "msp/MSP-PODCAST_0001_0009": "undecided",
        "msp/MSP-PODCAST_0002_0001": "contempt",
    }
    first = rows.loc["msp/MSP-PODCAST_0001_0008"]
    assert (first.speaker, first.gender, first.language, first.text) == (
        "msp/127", "female", "en", "so anyway"
    )  # fmt: skip
    assert (first.arousal, first.valence, first.msp_split) == (3.2, 4.0, "Train")
    assert rows.loc["msp/MSP-PODCAST_0001_0009", "speaker"] == "msp/unknown-0001"
    assert rows.loc["msp/MSP-PODCAST_0002_0001", "gender"] == "male"
    names = rejects.path.map(lambda p: p.rsplit("/", 1)[1])
    assert sorted(zip(rejects.reason, names, strict=True)) == [
        ("no_audio_for_label", "labels_consensus.csv"),
        ("no_label", "MSP-PODCAST_0004_0001.wav"),
        ("unknown_emotion_code", "MSP-PODCAST_0002_0002.wav"),
    ]


def test_msppodcast_reads_the_json_sheet_and_needs_one(tmp_path):
    write(tmp_path / "Audio" / "MSP-PODCAST_0001_0008.wav")
    with pytest.raises(FileNotFoundError, match="labels_consensus.csv"):
        scan("msppodcast", tmp_path, "msp")
    row = {"EmoClass": "A", "SpkrID": "127", "Gender": "Female", "Split_Set": "Train"}
    (tmp_path / "label").mkdir()
    sheet = tmp_path / "label" / "labels_concensus.json"
    sheet.write_text(json.dumps({"MSP-PODCAST_0001_0008.wav": row}))
    (utt,) = scan("msppodcast", tmp_path, "msp").utterances
    assert (utt.emotion, utt.speaker, utt.extra["arousal"]) == ("anger", "127", None)


def _m3ed_annotation() -> dict:
    def utt(speaker, text, emo):
        return {"Speaker": speaker, "Text": text, "StartTime": "00:00:01.000",
                "EndTime": "00:00:02.000", "EmoAnnotation": {"final_main_emo": emo}}  # fmt: skip

    people = {"A": {"Name": "Fang", "Gender": "female"}, "B": {"Name": "Li"}}
    return {
        "Anjia": {
            "Anjia_1_1": {
                "SpeakerInfo": people,
                "Dialog": {
                    "Anjia_1_1_1": utt("A", "你好", "Happy"),
                    "Anjia_1_1_2": utt("B", "走吧", "Anger"),
                    "Anjia_1_1_3": utt("A", "嗯", "Bored"),
                    "Anjia_1_1_4": utt("B", "好", "Neutral"),
                },
            }
        }
    }


def test_m3ed_annotation_layout_and_rejects(tmp_path):
    with pytest.raises(FileNotFoundError, match="annotation.json"):
        scan("m3ed", tmp_path, "m3ed")
    (tmp_path / "annotation.json").write_text(json.dumps(_m3ed_annotation()), encoding="utf-8")
    (tmp_path / "splitInfo").mkdir()
    (tmp_path / "splitInfo" / "movie_list_val.txt").write_text("Anjia\n")
    for stem in ("A_Anjia_1_1_1", "B_Anjia_1_1_2", "A_Anjia_1_1_3", "C_Anjia_9_9_9"):
        _touch(tmp_path / "modality_speech" / f"{stem}.wav")
    result = scan("m3ed", tmp_path, "m3ed")
    utts = {u.local_id: u for u in result.utterances}
    assert {k: u.emotion for k, u in utts.items()} == {
        "Anjia_1_1_1": "happiness",
        "Anjia_1_1_2": "anger",
    }
    happy, angry = utts["Anjia_1_1_1"], utts["Anjia_1_1_2"]
    assert (happy.speaker, happy.gender, happy.text, happy.language) == (
        "Anjia_Fang", "female", "你好", "zh"
    )  # fmt: skip
    assert (angry.speaker, angry.gender, angry.raw_label) == ("Anjia_Li", "unknown", "Anger")
    assert happy.extra == {"dialog": "Anjia_1_1", "m3ed_split": "valid"}
    assert sorted((r.reason, r.path.name) for r in result.rejects) == [
        ("no_audio_for_label", "annotation.json"),
        ("no_label", "C_Anjia_9_9_9.wav"),
        ("unknown_label", "A_Anjia_1_1_3.wav"),
    ]
