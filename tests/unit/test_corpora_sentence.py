"""The ``sentence`` column: each adapter's id of the spoken text, from the publishers' naming.

Expected ids are read off the publishers' descriptions (RAVDESS statement field, CREMA-D sentence
codes, EmoDB text codes, TESS target words, SAVEE's common sentences 1-3, IEMOCAP scripts), so a
parser that takes the wrong field of a name fails here.
"""

from __future__ import annotations

from audio_quirks import write

from crossemo.core.schemas import Manifest
from crossemo.corpora import ingest
from crossemo.corpora.iemocap import script_sentence


def sentences(manifest) -> dict[str, str | None]:
    return {u.split("/", 1)[1]: s for u, s in zip(manifest.utt_id, manifest.sentence, strict=True)}


def test_ravdess_statement_is_field_five(tmp_path):
    # modality-channel-emotion-intensity-STATEMENT-repetition-actor
    write(tmp_path / "Actor_01" / "03-01-05-02-02-01-01.wav")
    write(tmp_path / "Actor_02" / "03-01-05-02-01-02-02.wav")
    manifest, _ = ingest("ravdess", tmp_path, "ravdess")
    assert sentences(manifest) == {"03-01-05-02-02-01-01": "02", "03-01-05-02-01-02-02": "01"}


def test_cremad_sentence_code(tmp_path):
    write(tmp_path / "AudioWAV" / "1001_DFA_ANG_XX.wav")
    write(tmp_path / "AudioWAV" / "1002_ITS_SAD_LO.wav")
    manifest, _ = ingest("cremad", tmp_path, "cremad")
    assert sentences(manifest) == {"1001_DFA_ANG_XX": "DFA", "1002_ITS_SAD_LO": "ITS"}


def test_emodb_text_code_is_characters_three_to_five(tmp_path):
    write(tmp_path / "wav" / "03a01Fa.wav")
    write(tmp_path / "wav" / "16b10Wb.wav")
    manifest, _ = ingest("emodb", tmp_path, "emodb")
    assert sentences(manifest) == {"03a01Fa": "a01", "16b10Wb": "b10"}


def test_tess_target_word_not_the_carrier_phrase(tmp_path):
    write(tmp_path / "OAF_angry" / "OAF_back_angry.wav")
    write(tmp_path / "YAF_pleasant_surprised" / "YAF_back_ps.wav")
    write(tmp_path / "YAF_fear" / "YAF_youth_fear.wav")
    manifest, _ = ingest("tess", tmp_path, "tess")
    found = sentences(manifest)
    assert found == {"OAF_back_angry": "back", "YAF_back_ps": "back", "YAF_youth_fear": "youth"}


def test_savee_common_sentences_are_shared_across_emotions(tmp_path):
    for name in ("a01", "n01", "su03", "a04", "d04", "n15"):
        write(tmp_path / "AudioData" / "DC" / f"{name}.wav")
    write(tmp_path / "AudioData" / "JE" / "a04.wav")
    manifest, _ = ingest("savee", tmp_path, "savee")
    found = sentences(manifest)
    assert found["DC_a01"] == found["DC_n01"]  # common sentence 1
    assert found["DC_su03"] != found["DC_a01"]
    assert found["DC_a04"] == found["JE_a04"]  # every speaker read the same sentences
    assert found["DC_a04"] != found["DC_d04"]  # 4-15: the emotion's own sentences
    assert len({found["DC_a04"], found["DC_d04"], found["DC_n15"]}) == 3


def test_iemocap_scripted_lines_by_text_improvised_none():
    assert script_sentence("Ses01F_impro01_F000", "Excuse me.") is None
    one = script_sentence("Ses01F_script01_1_F000", "What's that?  Oh,")
    assert one == script_sentence("Ses03M_script01_1_F000", "what's that? oh")
    assert one != script_sentence("Ses01F_script01_1_F001", "What's that? No.")
    assert script_sentence("Ses01F_script02_2_M012", None) == "script02_2/M012"


def test_generic_csv_sentence_column_or_null(tmp_path):
    write(tmp_path / "a.wav")
    write(tmp_path / "b.wav")
    (tmp_path / "labels.csv").write_text("path,label,speaker,sentence\na.wav,anger,s1,t1\n")
    (tmp_path / "plain.csv").write_text("path,label,speaker\nb.wav,anger,s1\n")
    with_column, _ = ingest("csv", tmp_path, "x")
    without, _ = ingest("csv", tmp_path, "y", csv="plain.csv")
    assert sentences(with_column) == {"a": "t1"}
    assert list(without.utt_id) == ["y/b"] and without.sentence.isna().all()


def test_manifests_written_before_the_column_still_validate(tmp_path):
    write(tmp_path / "wav" / "03a01Fa.wav")
    manifest, _ = ingest("emodb", tmp_path, "emodb")
    Manifest.validate(manifest.drop(columns="sentence"))
