"""CREMA-D adapter: names, sentence texts, levels, sex from VideoDemographics.csv."""

from __future__ import annotations

import pytest
from audio_quirks import assert_conserved, counts, empty, reject_reasons, write

from crossemo.corpora import ingest

GOOD = [
    "1001_DFA_ANG_XX", "1001_IEO_HAP_HI", "1002_TIE_SAD_LO", "1002_MTI_NEU_XX",
    "1091_WSI_FEA_MD", "1003_ITS_DIS_XX",
]  # fmt: skip
DEMOGRAPHICS = """ActorID,Age,Sex,Race,Ethnicity
1001,51,Male,Caucasian,Not Hispanic
1002,21,Female,Caucasian,Not Hispanic
1003,21,Female,Caucasian,Not Hispanic
"""


@pytest.fixture
def cremad(tmp_path):
    root = tmp_path / "CREMA-D"
    for name in GOOD:
        write(root / "AudioWAV" / f"{name}.wav", 0.1, 16000)
    empty(root / "AudioWAV" / "1076_MTI_SAD_XX.wav")  # empty in the real release too
    write(root / "AudioWAV" / "1001_DFA_XXX_XX.wav")
    write(root / "AudioWAV" / "1001_DFA_ANG.wav")
    write(root / "AudioWAV" / "1001_ZZZ_ANG_XX.wav")
    (root / "AudioMP3").mkdir()
    (root / "AudioMP3" / "1001_DFA_ANG_XX.mp3").write_bytes(b"ID3")  # same clips again: skipped
    (root / "VideoDemographics.csv").write_text(DEMOGRAPHICS)
    return root


def test_cremad_manifest(cremad):
    manifest, rejects = ingest("cremad", cremad, "cremad")
    assert counts(manifest["emotion"]) == {
        "anger": 1, "happiness": 1, "sadness": 1, "neutral": 1, "fear": 1, "disgust": 1,
    }  # fmt: skip
    assert counts(manifest["speaker"]) == {
        "cremad/1001": 2, "cremad/1002": 2, "cremad/1003": 1, "cremad/1091": 1,
    }  # fmt: skip
    gender = dict(zip(manifest.speaker, manifest.gender, strict=True))
    assert gender == {
        "cremad/1001": "male", "cremad/1002": "female", "cremad/1003": "female",
        "cremad/1091": "unknown",  # no row in the sheet
    }  # fmt: skip
    row = manifest.set_index("utt_id").loc["cremad/1001_IEO_HAP_HI"]
    assert (row.raw_label, row.level, row.sentence, row.text) == (
        "HAP", "high", "IEO", "It's eleven o'clock",
    )  # fmt: skip
    assert reject_reasons(rejects) == {
        "1076_MTI_SAD_XX.wav": "empty_file",
        "1001_DFA_XXX_XX.wav": "unknown_emotion_code",
        "1001_DFA_ANG.wav": "unparsable_name",
        "1001_ZZZ_ANG_XX.wav": "unparsable_name",
    }
    assert_conserved(cremad / "AudioWAV", manifest, rejects)


def test_cremad_flat_copy_without_demographics(cremad, tmp_path):
    (cremad / "VideoDemographics.csv").unlink()
    flat = tmp_path / "Crema"
    (cremad / "AudioWAV").rename(flat)
    manifest, _ = ingest("cremad", flat, "cremad")
    assert len(manifest) == len(GOOD) and set(manifest.gender) == {"unknown"}


def test_cremad_demographics_option(cremad, tmp_path):
    sheet = tmp_path / "elsewhere.csv"
    (cremad / "VideoDemographics.csv").rename(sheet)
    manifest, _ = ingest("cremad", cremad, "cremad", demographics=str(sheet))
    assert counts(manifest.gender) == {"male": 2, "female": 3, "unknown": 1}
    sheet.write_text("Actor,Gender\n1001,Male\n")
    with pytest.raises(ValueError, match="ActorID and Sex"):
        ingest("cremad", cremad, "cremad", demographics=str(sheet))
