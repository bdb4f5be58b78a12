"""Corpus fingerprints: the digest is sha256sum's per-file checksums, sorted, hashed again; it
ignores layout and changes with any file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pandas as pd
from audio_quirks import write

from crossemo.core.schemas import Manifest, write_table
from crossemo.corpora import ingest
from crossemo.corpora.checksums import checksum_corpus, corpus_fingerprints


def fingerprint(root, tmp_path, name="emodb"):
    manifest, _ = ingest("emodb", root, name)
    write_table(manifest, tmp_path / f"{name}.parquet", Manifest)
    checksum_corpus(tmp_path / f"{name}.parquet", tmp_path / f"{name}.checksums.parquet")
    table = corpus_fingerprints([name], [tmp_path / f"{name}.parquet"],
                                [tmp_path / f"{name}.checksums.parquet"],
                                tmp_path / f"{name}.csv")  # fmt: skip
    return table.iloc[0]


def test_digest_is_independent_of_layout_and_sensitive_to_content(tmp_path):
    root = tmp_path / "EmoDB"
    for i, name in enumerate(("03a01Fa", "08b02Wb", "16a05Nc")):
        write(root / "wav" / f"{name}.wav", 0.1 + 0.05 * i)
    row = fingerprint(root, tmp_path)
    listed = subprocess.run(["sha256sum", *sorted(map(str, (root / "wav").glob("*.wav")))],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    sums = sorted(line.split()[0] for line in listed.splitlines())
    assert row["digest"] == hashlib.sha256("".join(f"{s}\n" for s in sums).encode()).hexdigest()
    assert (row["files"], row["utterances"]) == (3, 3)
    assert row["hours"] == round((0.1 + 0.15 + 0.2) / 3600, 4)

    flat = tmp_path / "flat"  # the same files in another layout
    flat.mkdir()
    for path in (root / "wav").glob("*.wav"):
        shutil.copy(path, flat / path.name)
    assert fingerprint(flat, tmp_path, "flat")["digest"] == row["digest"]

    changed = root / "wav" / "16a05Nc.wav"
    data = bytearray(changed.read_bytes())
    data[-1] ^= 1  # one sample's low bit
    changed.write_bytes(bytes(data))
    assert fingerprint(root, tmp_path, "changed")["digest"] != row["digest"]
    assert list(pd.read_csv(tmp_path / "changed.csv").columns) == [
        "corpus", "files", "bytes", "utterances", "hours", "digest"]  # fmt: skip
