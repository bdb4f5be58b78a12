"""EmoDB adapter: name parsing, German texts, speaker sexes."""

from __future__ import annotations

import logging

from audio_quirks import assert_conserved, counts, reject_reasons, write

from crossemo.corpora import ingest


def test_emodb(tmp_path):
    root = tmp_path / "emodb"
    names = ["03a01Fa", "08a02Wb", "09b03Lc", "10a04Ea", "11a05Aa", "13b01Tb", "16b10Nc", "16b10Nd"]
    for name in names:
        write(root / "wav" / f"{name}.wav", 0.1, 16000)
    write(root / "wav" / "03a01Xa.wav")
    write(root / "wav" / "03a01.wav", 0.1, 8000)
    (root / "silb").mkdir()
    (root / "silb" / "03a01Fa.silb").write_text("0.1 a\n")
    manifest, rejects = ingest("emodb", root, "emodb")
    assert counts(manifest["emotion"]) == {
        "happiness": 1, "anger": 1, "boredom": 1, "disgust": 1, "fear": 1, "sadness": 1,
        "neutral": 2,
    }  # fmt: skip
    assert counts(manifest.gender) == {"male": 3, "female": 5}
    assert set(manifest.language) == {"de"}
    rows = manifest.set_index("utt_id")
    assert rows.loc["emodb/03a01Fa", "text"] == "Der Lappen liegt auf dem Eisschrank."
    assert tuple(rows.loc["emodb/03a01Fa", ["speaker", "gender", "raw_label"]]) == (
        "emodb/03", "male", "F",
    )  # fmt: skip
    assert rows.loc["emodb/16b10Nd", "version"] == "d"
    assert reject_reasons(rejects) == {
        "03a01Xa.wav": "unknown_emotion_code",
        "03a01.wav": "unparsable_name",
    }
    assert_conserved(root, manifest, rejects)


def test_emodb_copy_in_wav_wins_and_the_other_is_a_duplicate_file(tmp_path, caplog):
    root = tmp_path / "emodb"
    publisher = write(root / "wav" / "03a01Fa.wav")
    backup = write(root / "backup" / "03a01Fa.wav")  # sorts before wav/
    other = write(root / "wav" / "08a02Wb.wav")
    again = write(root / "zcopy" / "08a02Wb.wav")
    with caplog.at_level(logging.INFO, logger="crossemo.corpora.base"):
        manifest, rejects = ingest("emodb", root, "emodb")
    assert list(manifest.path) == [str(publisher), str(other)]
    assert list(zip(rejects.path, rejects.reason, strict=True)) == [
        (str(backup), "duplicate_file"), (str(again), "duplicate_file"),
    ]  # fmt: skip
    assert all(str(root / "wav") in d and "kept" in d for d in rejects.detail)
    assert "publisher's folder 'wav'" in rejects.detail.iloc[0]
    assert f"kept {publisher}, not the copy {backup}" in caplog.text


def test_a_readable_copy_wins_over_a_broken_one(tmp_path):
    root = tmp_path / "emodb"
    broken = root / "wav" / "03a01Fa.wav"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"")
    copy = write(root / "zcopy" / "03a01Fa.wav")  # preferred wav/ holds the broken one
    manifest, rejects = ingest("emodb", root, "emodb")
    assert list(manifest.path) == [str(copy)]
    assert list(zip(rejects.path, rejects.reason, strict=True)) == [(str(broken), "empty_file")]
