"""Shared adapter helpers in crossemo.corpora.base."""

from __future__ import annotations

import pytest
from audio_quirks import resource_fork, write

from crossemo.corpora import adapter, ingest
from crossemo.corpora.base import find_ci, no_options, normalize_gender, walk_audio


def test_walk_audio_reports_macos_junk_and_skips_non_audio(tmp_path):
    good = write(tmp_path / "a" / "x.WAV")
    fork = resource_fork(good)
    macosx = write(tmp_path / "__MACOSX" / "a" / "y.wav")
    (tmp_path / "readme.txt").write_text("hi")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    audio, junk = walk_audio(tmp_path)
    assert audio == [good]
    assert sorted((j.path, j.reason) for j in junk) == sorted(
        [(fork, "macos_resource_fork"), (macosx, "macos_resource_fork")]
    )


def test_find_ci(tmp_path):
    (tmp_path / "Session1" / "dialog" / "emoevaluation").mkdir(parents=True)
    found = find_ci(tmp_path, "session1", "Dialog", "EmoEvaluation")
    assert found == tmp_path / "Session1" / "dialog" / "emoevaluation"
    assert find_ci(tmp_path, "Session1", "nope") is None


def test_normalize_gender_and_options():
    assert [normalize_gender(v) for v in ("F", " Male ", "w", "x", "", None, float("nan"))] == [
        "female", "male", "female", "unknown", "unknown", "unknown", "unknown",
    ]  # fmt: skip
    with pytest.raises(TypeError, match="unexpected adapter options: a, b"):
        no_options({"b": 1, "a": 2})
    with pytest.raises(ValueError, match="known adapters"):
        adapter("nope")


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a directory"):
        ingest("ravdess", tmp_path / "absent", "ravdess")
