"""IEMOCAP adapter: EmoEvaluation labels, transcripts, speakers per sex letter, session groups."""

from __future__ import annotations

import pytest
from audio_quirks import counts, reject_reasons, resource_fork, write

from crossemo.corpora import ingest

S1_LABELS = """% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]

[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]
C-E2:\tNeutral;\t()
C-E3:\tNeutral;\t()
A-E3:\tval 3; act 2; dom  2;\t()

[10.0000 - 12.5000]\tSes01F_impro01_M000\tfru\t[2.0000, 3.5000, 3.5000]
C-E1:\tFrustration;\t()

[13.0100 - 15.0000]\tSes01F_impro01_F001\txxx\t[2.5000, 3.0000, 3.0000]

[16.0000 - 17.0000]\tSes01F_impro01_M001\texc\t[4.0000, 4.0000, 3.0000]
"""
S1_TEXT = """Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.
Ses01F_impro01_M000 [010.0000-012.5000]: Do you have your forms?
Ses01F_impro01_F001 [013.0100-015.0000]: Yeah.
M: [LAUGHTER]
"""
S2_LABELS = """[1.0000 - 2.0000]\tSes02M_script01_1_F000\tang\t[1.5000, 4.0000, 4.0000]
[2.5000 - 3.0000]\tSes02M_script01_1_M000\thap\t[4.5000, 3.0000, 3.0000]
[3.5000 - 4.0000]\tSes02M_script01_1_F002\tzzz\t[3.0000, 3.0000, 3.0000]
"""


@pytest.fixture
def iemocap(tmp_path):
    root = tmp_path / "IEMOCAP_full_release"
    s1 = root / "Session1"
    wav1 = s1 / "sentences" / "wav" / "Ses01F_impro01"
    for utt in ("F000", "M000", "F001"):
        write(wav1 / f"Ses01F_impro01_{utt}.wav", 0.1, 16000)
    resource_fork(wav1 / "Ses01F_impro01_F000.wav")
    write(s1 / "dialog" / "wav" / "Ses01F_impro01.wav", 0.3, 16000)  # whole dialog: not a turn
    (s1 / "dialog" / "EmoEvaluation" / "Categorical").mkdir(parents=True)
    (s1 / "dialog" / "EmoEvaluation" / "Ses01F_impro01.txt").write_text(S1_LABELS)
    (s1 / "dialog" / "EmoEvaluation" / "Categorical" / "Ses01F_impro01_e2_cat.txt").write_text(
        ":Neutral state; ()\n[1.0 - 2.0]\tSes01F_impro01_X999\tneu\t[1, 1, 1]\n"
    )
    (s1 / "dialog" / "transcriptions").mkdir(parents=True)
    (s1 / "dialog" / "transcriptions" / "Ses01F_impro01.txt").write_text(S1_TEXT)
    # a common copy: wavs flat under sentences/wav, folders in other case
    s2 = root / "Session2"
    wav2 = s2 / "Sentences" / "WAV"
    for utt in ("F000", "M000", "M001", "F002"):
        write(wav2 / f"Ses02M_script01_1_{utt}.wav", 0.1, 16000)
    write(wav2 / "notes.wav")
    (s2 / "dialog" / "emoevaluation").mkdir(parents=True)
    (s2 / "dialog" / "emoevaluation" / "Ses02M_script01_1.txt").write_text(S2_LABELS)
    return root


def test_iemocap_manifest(iemocap):
    manifest, rejects = ingest("iemocap", iemocap, "iemocap")
    assert counts(manifest["emotion"]) == {
        "neutral": 1, "frustration": 1, "undecided": 1, "anger": 1, "happiness": 1,
    }  # fmt: skip
    assert counts(manifest["speaker"]) == {
        "iemocap/Ses01F": 2, "iemocap/Ses01M": 1, "iemocap/Ses02F": 1, "iemocap/Ses02M": 1,
    }  # fmt: skip
    assert counts(manifest["group"]) == {"iemocap/Session1": 3, "iemocap/Session2": 2}
    gender = dict(zip(manifest.speaker, manifest.gender, strict=True))
    assert gender["iemocap/Ses01M"] == "male" and gender["iemocap/Ses02F"] == "female"
    row = manifest.set_index("utt_id").loc["iemocap/Ses01F_impro01_M000"]
    assert (row.raw_label, row.text, row.session, row.dialog) == (
        "fru", "Do you have your forms?", "Session1", "Ses01F_impro01",
    )  # fmt: skip
    assert (row.valence, row.arousal, row.dominance) == (2.0, 3.5, 3.5)
    assert (row.dialog_start, row.dialog_end) == (10.0, 12.5)
    assert manifest.start.isna().all()  # each turn is its own file
    s2 = manifest[manifest.group == "iemocap/Session2"]
    assert s2.text.isna().all()  # no transcriptions folder in that copy


def test_iemocap_rejects(iemocap):
    manifest, rejects = ingest("iemocap", iemocap, "iemocap")
    assert sorted(zip(rejects.reason, rejects.utt_id.fillna(""), strict=True)) == [
        ("macos_resource_fork", ""),
        ("no_audio_for_label", "iemocap/Ses01F_impro01_M001"),
        ("no_label", "iemocap/Ses02M_script01_1_M001"),
        ("unknown_emotion_code", "iemocap/Ses02M_script01_1_F002"),
        ("unparsable_name", "iemocap/notes"),
    ]
    assert reject_reasons(rejects)["Ses01F_impro01.txt"] == "no_audio_for_label"
    # every turn wav is accounted for; the whole-dialog wav is not a turn
    turns = {str(p) for p in iemocap.rglob("*.wav") if "sentences" in str(p).lower()}
    accounted = set(manifest.path) | set(rejects.path)
    assert turns <= accounted and not any("dialog/wav" in p for p in accounted)


def test_iemocap_session_as_root_and_missing_sessions(iemocap, tmp_path):
    manifest, _ = ingest("iemocap", iemocap / "Session1", "iemocap")
    assert len(manifest) == 3
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Session"):
        ingest("iemocap", tmp_path / "empty", "iemocap")
