"""CMU-MOSEI adapter: SDK computational sequences and the CSV export; the valence rule."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
from audio_quirks import counts, write

from crossemo.corpora import ingest
from crossemo.corpora.mosei import raw_label, valence_from_intensities

ZERO = dict.fromkeys(("happy", "sad", "anger", "surprise", "disgust", "fear"), 0.0)
#: video -> [(start, end, sentiment, happy, sad, anger, surprise, disgust, fear)]
SEGMENTS = {
    "-3g5yACwYnA": [
        (0.5, 1.5, 1.3333, 2.3333, 0, 0, 0, 0, 0),  # positive
        (1.5, 2.5, 0, 0, 0, 0, 0, 0, 0),  # neutral
        (2.5, 3.5, -2, 0, 0.3333, 3, 0, 0, 0),  # negative
    ],
    "abc_DEF": [
        (3.0, 3.0, 0, 0, 0, 0, 0, 0, 0),  # empty segment
        (0.0, 1.0, 0, 1, 1, 0, 0, 0, 0),  # undecided
        (5.0, 6.0, 0, 0, 0, 0, 0, 0, 0),  # starts after the 4 s file ends
    ],
    "noAudio1": [(0.0, 1.0, 0, 0, 0, 0, 0, 0, 0)],
}
WORDS = {  # video -> [(word, start, end)]
    "-3g5yACwYnA": [
        ("sp", 0.5, 0.6),
        ("hello", 0.6, 1.0),
        ("world", 1.0, 1.4),
        ("sp", 1.4, 1.6),
        ("calm", 1.7, 2.0),
        ("no", 2.6, 3.0),
    ],  # fmt: skip
}


def test_valence_rule():
    assert valence_from_intensities(ZERO) == "neutral"
    assert valence_from_intensities({**ZERO, "happy": 2.33}) == "positive"
    assert valence_from_intensities({**ZERO, "happy": 2.0}) == "undecided"  # > 2, not >= 2
    assert valence_from_intensities({**ZERO, "happy": 3, "fear": 0.33}) == "undecided"
    assert valence_from_intensities({**ZERO, "happy": 3, "surprise": 1}) == "positive"
    assert valence_from_intensities({**ZERO, "sad": 2.67, "anger": 1}) == "negative"
    assert valence_from_intensities({**ZERO, "disgust": 3, "happy": 0.33}) == "undecided"
    assert valence_from_intensities({**ZERO, "surprise": 0.33}) == "undecided"
    assert valence_from_intensities({**ZERO, "anger": 1.5}, threshold=1.0) == "negative"
    scores = {"sentiment": 1.3333, **ZERO, "happy": 2.3333}
    expected = "sentiment=1.33;happy=2.33;sad=0;anger=0;surprise=0;disgust=0;fear=0"
    assert raw_label(scores) == expected


def _audio(root):
    audio = root / "Raw" / "Audio" / "Full" / "WAV_16000"
    write(audio / "-3g5yACwYnA.wav", 4.0, 16000)
    write(audio / "abc_DEF.wav", 4.0, 16000)
    write(audio / "unlabelled.wav", 1.0, 16000)
    return audio


def _csd(path, name, data):
    with h5py.File(path, "w") as handle:
        group = handle.create_group(name).create_group("data")
        handle[name].create_group("metadata")
        for video, (features, intervals) in data.items():
            group.create_dataset(f"{video}/features", data=features)
            group.create_dataset(f"{video}/intervals", data=np.asarray(intervals, dtype=float))


@pytest.fixture
def mosei_csd(tmp_path):
    root = tmp_path / "CMU_MOSEI"
    _audio(root)
    sdk = root / "sdk"
    sdk.mkdir()
    labels = {v: (np.array([s[2:] for s in segs]), [s[:2] for s in segs])
              for v, segs in SEGMENTS.items()}  # fmt: skip
    _csd(sdk / "CMU_MOSEI_Labels.csd", "All Labels", labels)
    words = {v: (np.array([[w.encode()] for w, *_ in ws]), [t for _, *t in ws])
             for v, ws in WORDS.items()}  # fmt: skip
    _csd(sdk / "CMU_MOSEI_TimestampedWords.csd", "words", words)
    return root


@pytest.fixture
def mosei_csv(tmp_path):
    root = tmp_path / "CMU_MOSEI"
    _audio(root)
    header = "video_id,segment_id,start,end,sentiment,happy,sad,anger,surprise,disgust,fear\n"
    lines = [f"{v},{i},{','.join(map(str, s))}\n" for v, segs in SEGMENTS.items()
             for i, s in enumerate(segs)]  # fmt: skip
    lines.append("abc_DEF,9,1.0,2.0,,0,0,0,0,0,0\n")  # sentiment missing
    (root / "labels.csv").write_text(header + "".join(lines))
    text = root / "Raw" / "Transcript" / "Segmented" / "Combined"
    text.mkdir(parents=True)
    (text / "-3g5yACwYnA.txt").write_text(
        "-3g5yACwYnA___0___0.5___1.5___hello world\n-3g5yACwYnA___2___2.5___3.5___no\n"
    )
    return root


def _check(manifest, rejects):
    assert counts(manifest["emotion"]) == {
        "positive": 1, "neutral": 1, "negative": 1, "undecided": 1,
    }  # fmt: skip
    rows = manifest.set_index("utt_id")
    first = rows.loc["mosei/-3g5yACwYnA_0"]
    assert (first.start, first.end, first.duration) == (0.5, 1.5, 1.0)
    assert (first.speaker, first.group, first.video_id, first.segment_id) == (
        "mosei/-3g5yACwYnA", "mosei/-3g5yACwYnA", "-3g5yACwYnA", 0,
    )  # fmt: skip
    assert first.text == "hello world" and first.raw_label.startswith("sentiment=1.33;happy=2.33;")
    assert first.happy == pytest.approx(2.3333) and first.sentiment == pytest.approx(1.3333)
    assert rows.loc["mosei/-3g5yACwYnA_2", "text"] == "no"
    assert set(manifest.gender) == {"unknown"} and set(manifest.language) == {"en"}
    expected = [
        ("empty_segment", "mosei/abc_DEF_0"),
        ("no_audio_for_label", "mosei/noAudio1_0"),
        ("no_label", ""),  # unlabelled.wav
        ("segment_out_of_range", "mosei/abc_DEF_2"),
    ]
    return sorted(zip(rejects.reason, rejects.utt_id.fillna(""), strict=True)), expected


def test_mosei_from_computational_sequences(mosei_csd):
    manifest, rejects = ingest("mosei", mosei_csd, "mosei")
    found, expected = _check(manifest, rejects)
    assert found == expected
    rows = manifest.set_index("utt_id")
    assert rows.loc["mosei/-3g5yACwYnA_1", "text"] == "calm"  # pauses (sp) dropped


def test_mosei_from_csv_export(mosei_csv):
    manifest, rejects = ingest("mosei", mosei_csv, "mosei")
    found, expected = _check(manifest, rejects)
    assert found == sorted([*expected, ("no_label", "mosei/abc_DEF_9")])  # the blank score
    assert pd.isna(manifest.set_index("utt_id").loc["mosei/abc_DEF_1", "text"])


def test_mosei_auto_detect_prefers_csd_and_option_forces(mosei_csd, tmp_path):
    (mosei_csd / "labels.csv").write_text(
        "video_id,segment_id,start,end,sentiment,happy,sad,anger,surprise,disgust,fear\n"
        "abc_DEF,0,0.0,1.0,0,0,0,0,0,0,0\n"
    )
    assert len(ingest("mosei", mosei_csd, "mosei")[0]) == 4
    manifest, _ = ingest("mosei", mosei_csd, "mosei", labels="csv")
    assert list(manifest.utt_id) == ["mosei/abc_DEF_0"]
    (tmp_path / "bare").mkdir()
    write(tmp_path / "bare" / "v.wav")
    with pytest.raises(FileNotFoundError, match="no MOSEI labels"):
        ingest("mosei", tmp_path / "bare", "mosei")


def test_mosei_audio_dir_option(mosei_csv):
    other = mosei_csv / "wavs"
    (mosei_csv / "Raw" / "Audio" / "Full" / "WAV_16000").rename(other)
    manifest, _ = ingest("mosei", mosei_csv, "mosei", audio_dir="wavs")
    assert len(manifest) == 4 and all(p.startswith(str(other)) for p in manifest.path)
