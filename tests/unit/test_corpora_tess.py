"""TESS adapter: folder case, ``ps``, the ``OA_`` file, AIFF behind .wav, 96 kHz."""

from __future__ import annotations

import shutil

import pytest
from audio_quirks import (
    aiff_as_wav,
    assert_conserved,
    counts,
    empty,
    reject_reasons,
    resource_fork,
    write,
)

from crossemo.corpora import ingest

SR = 24414


@pytest.fixture
def tess(tmp_path):
    root = tmp_path / "TESS Toronto emotional speech set data"
    write(root / "OAF_angry" / "OAF_back_angry.wav", 0.1, SR)
    write(root / "OAF_Fear" / "OAF_back_fear.wav", 0.1, SR)
    write(root / "OAF_Pleasant_surprise" / "OAF_back_ps.wav", 0.1, SR)
    aiff_as_wav(root / "YAF_pleasant_surprised" / "YAF_back_ps.wav", 0.1, SR)
    write(root / "YAF_happy" / "YAF_dog_happy.wav", 0.05, 96000)
    write(root / "OAF_neutral" / "OA_bite_neutral.wav", 0.1, SR)
    write(root / "YAF_sad" / "YAF_germ_sad.wav", 0.1, SR)
    write(root / "yaf_disgust" / "yaf_lot_disgust.wav", 0.1, SR)
    write(root / "YAF_sad" / "YAF_name_bored.wav", 0.1, SR)
    write(root / "OAF_angry" / "angry.wav", 0.1, SR)
    write(root / "misc" / "XX_word_sad.wav", 0.1, SR)
    empty(root / "OAF_angry" / "OAF_bar_angry.wav")
    resource_fork(root / "OAF_angry" / "OAF_back_angry.wav")
    return root


def test_tess_manifest(tess):
    manifest, rejects = ingest("tess", tess, "tess")
    assert counts(manifest["emotion"]) == {
        "anger": 1, "fear": 1, "pleasant_surprise": 2, "happiness": 1, "neutral": 1,
        "sadness": 1, "disgust": 1,
    }  # fmt: skip
    assert counts(manifest["speaker"]) == {"tess/OAF": 4, "tess/YAF": 4}
    assert set(manifest.gender) == {"female"}
    rows = manifest.set_index("utt_id")
    assert rows.loc["tess/OA_bite_neutral", "speaker"] == "tess/OAF"  # speaker from the folder
    assert rows.loc["tess/OAF_back_ps", "raw_label"] == "ps"
    assert rows.loc["tess/YAF_back_ps", "text"] == "Say the word back"
    assert rows.loc["tess/YAF_dog_happy", "sample_rate"] == 96000
    assert rows.loc["tess/YAF_back_ps", "sample_rate"] == SR  # AIFF content read by its header


def test_tess_rejects(tess):
    manifest, rejects = ingest("tess", tess, "tess")
    assert reject_reasons(rejects) == {
        "YAF_name_bored.wav": "unknown_emotion_code",
        "angry.wav": "unparsable_name",
        "XX_word_sad.wav": "unknown_speaker",
        "OAF_bar_angry.wav": "empty_file",
        "._OAF_back_angry.wav": "macos_resource_fork",
    }
    assert_conserved(tess, manifest, rejects)


def test_tess_flat_copy_gives_the_same_ids(tess, tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    nested, _ = ingest("tess", tess, "tess")
    for path in nested.path:
        shutil.copy(path, flat)
    manifest, rejects = ingest("tess", flat, "tess")
    # the OA_ file has no folder left to name its speaker: reported, not guessed
    assert list(rejects.reason) == ["unknown_speaker"]
    assert set(manifest.utt_id) == set(nested.utt_id) - {"tess/OA_bite_neutral"}
