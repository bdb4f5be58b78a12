"""Shared adapter helpers in crossemo.corpora.base."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from audio_quirks import resource_fork, write

from crossemo.corpora import adapter, ingest
from crossemo.corpora.base import (
    AUDIO_SUFFIXES,
    EmptyCorpusError,
    find_ci,
    no_options,
    normalize_gender,
    walk_audio,
)


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


def ravdess_name(actor: int, statement: int = 1, emotion: int = 1) -> str:
    return f"03-01-{emotion:02d}-01-{statement:02d}-01-{actor:02d}.wav"


def ravdess_actor(folder, actor: int, n: int = 3) -> list:
    return [write(folder / ravdess_name(actor, 1 + i % 2, 1 + i // 2)) for i in range(n)]


def test_symlinked_corpus_folders_are_followed(tmp_path):
    root, elsewhere = tmp_path / "corpus", tmp_path / "elsewhere"
    ravdess_actor(root / "Actor_01", 1)
    ravdess_actor(elsewhere / "Actor_02", 2)
    (root / "Actor_02").symlink_to(elsewhere / "Actor_02", target_is_directory=True)
    manifest, rejects = ingest("ravdess", root, "r")
    assert len(manifest) == 6 and len(rejects) == 0
    assert all(p.startswith(str(root)) for p in manifest.path)  # the link's path, not its target


def test_links_back_up_and_second_links_are_rejects_not_loops(tmp_path):
    root, shared = tmp_path / "corpus", tmp_path / "shared"
    ravdess_actor(root / "Actor_01", 1)
    ravdess_actor(shared, 2)
    (root / "Actor_01" / "up").symlink_to(root, target_is_directory=True)
    (root / "a").symlink_to(shared, target_is_directory=True)
    (root / "b").symlink_to(shared, target_is_directory=True)
    (root / ravdess_name(3)).symlink_to(tmp_path / "gone.wav")
    manifest, rejects = ingest("ravdess", root, "r")
    assert len(manifest) == 6
    assert sorted(zip(rejects.reason, rejects.path, strict=True)) == [
        ("broken_link", str(root / ravdess_name(3))),
        ("duplicate_folder", str(root / "b")),
        ("symlink_loop", str(root / "Actor_01" / "up")),
    ]


def test_an_unreadable_folder_and_file_are_rejects(tmp_path, monkeypatch):
    root = tmp_path / "corpus"
    ravdess_actor(root / "Actor_01", 1)
    ravdess_actor(root / "Actor_02", 2)
    locked = root / "Actor_02"
    unreadable_file = ravdess_actor(root / "Actor_03", 3, n=1)[0]
    real_scandir, real_access = os.scandir, os.access

    def scandir(path):  # tests run as root: permissions alone would not lock anything
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "access", lambda p, m: Path(p) != unreadable_file and real_access(p, m))
    manifest, rejects = ingest("ravdess", root, "r")
    assert len(manifest) == 3
    rows = dict(zip(rejects.path, zip(rejects.reason, rejects.detail, strict=True), strict=True))
    assert rows[str(locked)] == ("unreadable", "cannot list the folder: Permission denied")
    assert rows[str(unreadable_file)][0] == "unreadable"


@pytest.mark.parametrize("adapter_name", ["ravdess", "emodb", "savee"])
def test_every_audio_file_found_is_a_manifest_or_a_reject_row(tmp_path, adapter_name):
    """Files found = manifest + rejects, whatever the tree holds (links followed, junk, bad
    names, dangling links): counted here with os.walk, independently of the adapters' walk."""
    root, elsewhere = tmp_path / "corpus", tmp_path / "elsewhere"
    names = {
        "ravdess": [ravdess_name(1), ravdess_name(2, 2), ravdess_name(3, 1, 5)],
        "emodb": ["03a01Fa.wav", "08b02Wb.wav", "10a04Ta.wav"],
        "savee": ["DC_a01.wav", "JE_sa02.wav", "KL_n03.wav"],
    }[adapter_name]
    write(root / "one" / names[0])
    write(elsewhere / names[1])
    write(root / "one" / names[2])
    resource_fork(root / "one" / names[0])
    write(root / "one" / "not-a-corpus-name.wav")
    (root / "linked").symlink_to(elsewhere, target_is_directory=True)
    (root / "one" / "dangling.wav").symlink_to(tmp_path / "absent.wav")
    (root / "notes.txt").write_text("not audio")
    manifest, rejects = ingest(adapter_name, root, "c")
    found = [
        Path(folder, name)
        for folder, _, files in os.walk(root, followlinks=True)
        for name in files
        if Path(name).suffix.lower() in AUDIO_SUFFIXES
    ]
    assert len(manifest) == 3
    assert len(found) == len(manifest) + len(rejects) == 6
    assert sorted(map(str, found)) == sorted([*manifest.path, *rejects.path])


def test_a_corpus_without_any_usable_utterance_fails_saying_what_was_found(tmp_path):
    root = tmp_path / "TESS"
    for i, word in enumerate(("back", "bar", "base", "bath")):
        write(root / "OAF_angry" / f"OAF_{word}_angry.wav")
        if i < 2:
            write(root / "YAF_sad" / f"YAF_{word}_sad.wav")
    with pytest.raises(EmptyCorpusError) as err:
        ingest("ravdess", root, "ravdess")
    message = str(err.value)
    assert "ravdess: no usable utterance under" in message and "adapter 'ravdess'" in message
    assert "0 of 6 inputs became utterances" in message
    assert f"unparsable_name: 6 (e.g. {root / 'OAF_angry' / 'OAF_back_angry.wav'}, " in message
    assert "the adapter expects RAVDESS: ``Actor_NN/MM-VV-EE-II-SS-RR-AA.wav``" in message
    assert "check corpora.ravdess.root and corpora.ravdess.adapter" in message
    (tmp_path / "nothing").mkdir()
    with pytest.raises(EmptyCorpusError, match="found no input at all"):
        ingest("emodb", tmp_path / "nothing", "emodb")


def test_special_files_named_like_audio_are_reject_rows(tmp_path, monkeypatch):
    """A FIFO, a socket and a link to a device named like corpus audio are rows of the rejects
    (``not_regular_file``, naming their kind), never skipped and never opened."""
    import socket

    root = tmp_path / "c"
    write(root / "Actor_01" / ravdess_name(1))
    fifo = root / "Actor_01" / ravdess_name(1, 2)
    os.mkfifo(fifo)
    sock = socket.socket(socket.AF_UNIX)
    # A socket's address holds at most 107 bytes; a CI checkout's tmp path can be longer, so it
    # is bound by its name relative to its folder.
    monkeypatch.chdir(root / "Actor_01")
    sock.bind(ravdess_name(1, 3))
    monkeypatch.undo()
    (root / "Actor_01" / ravdess_name(1, 4)).symlink_to("/dev/null")
    try:
        manifest, rejects = ingest("ravdess", root, "c")
    finally:
        sock.close()
    assert len(manifest) == 1
    rows = {Path(p).name: (r, d) for p, r, d in rejects[["path", "reason", "detail"]].values}
    assert {n: r for n, (r, _) in rows.items()} == {
        ravdess_name(1, k): "not_regular_file" for k in (2, 3, 4)
    }
    assert "FIFO" in rows[ravdess_name(1, 2)][1]
    assert "socket" in rows[ravdess_name(1, 3)][1]
    assert "character device" in rows[ravdess_name(1, 4)][1]


@pytest.mark.parametrize(
    ("sheet_row", "marker"),
    [("x#aug1.wav,anger,s1,", "#aug"), ("ok.wav,anger,s1,ok#aug2", "#aug")],
    ids=["file-name", "utt-id-column"],
)
def test_reserved_id_markers_are_refused_at_ingestion(tmp_path, sheet_row, marker):
    """``#aug`` marks augmented copies (crossemo.balance): an ingested id holding it would be
    taken for one later, so ingestion refuses it with a reason naming the marker."""
    from crossemo.core.names import AUG_MARKER

    assert marker == AUG_MARKER
    root = tmp_path / "c"
    write(root / "x#aug1.wav", 1.0)
    write(root / "ok.wav", 1.0)
    write(root / "fine.wav", 1.0)
    (root / "labels.csv").write_text(
        f"path,label,speaker,utt_id\n{sheet_row}\nfine.wav,anger,s1,\n"
    )
    manifest, rejects = ingest("csv", root, "c")
    assert list(manifest.utt_id) == ["c/fine"]
    assert rejects["reason"].tolist() == ["reserved_id_marker"]
    assert f"'{marker}'" in rejects["detail"].iloc[0]
