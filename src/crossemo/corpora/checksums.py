"""Corpus fingerprints: did two labs use the same copy of a corpus?

Rule ``checksum_corpus`` hashes every source file a manifest lists, once per ingestion, as found
on disk (SHA-256 of the file's bytes: ``results/manifests/{corpus}.checksums.parquet``). That
reads the whole corpus: on a 40 GB release expect minutes of disk time at the disk's read speed
(SHA-256 itself runs at several hundred MB/s per core), which is why it is a job of its own that
reruns only when the manifest changes. Rule ``make_corpus_fingerprints`` sums them up per corpus
(``results/tables/corpus_fingerprints.csv``, a report table): files, bytes, utterances, hours of
audio in the manifest and ``digest``, the SHA-256 of the sorted per-file checksums (one per line,
hex). The digest ignores paths and folder layout (a flat copy of the same files has the same
digest), and changes with any added, missing or altered file; labs that compare digests know
whether they used the same files, not only the same corpus name.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from crossemo.core.safe_text import write_csv
from crossemo.core.schemas import SourceChecksums, read_table, write_table

log = logging.getLogger(__name__)

FINGERPRINT_COLUMNS = ["corpus", "files", "bytes", "utterances", "hours", "digest"]


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of the bytes of ``path``, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def checksum_files(paths: list[str], threads: int = 2) -> pd.DataFrame:
    """``path``, ``bytes``, ``sha256`` of each distinct path (threads: hashlib and reads release
    the GIL)."""
    unique = sorted(set(paths))
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        digests = list(pool.map(file_sha256, unique))
    sizes = [Path(p).stat().st_size for p in unique]
    return pd.DataFrame({"path": unique, "bytes": sizes, "sha256": digests})


def checksum_corpus(manifest_path: str | Path, output: str | Path, threads: int = 2) -> int:
    """Rule checksum_corpus: the checksum of every source file of a manifest."""
    paths = pd.read_parquet(manifest_path, columns=["path"])["path"].tolist()
    table = checksum_files(paths, threads)
    write_table(table, output, SourceChecksums)
    log.info("%s: %d files, %.2f GB hashed", manifest_path, len(table), table["bytes"].sum() / 1e9)
    return len(table)


def digest(checksums: list[str]) -> str:
    """SHA-256 of the sorted hex checksums, one per line: independent of paths and order."""
    return hashlib.sha256("".join(f"{c}\n" for c in sorted(checksums)).encode()).hexdigest()


def fingerprint_row(corpus: str, manifest: pd.DataFrame, checksums: pd.DataFrame) -> dict:
    """One corpus's row of the fingerprints table."""
    return {
        "corpus": corpus,
        "files": len(checksums),
        "bytes": int(checksums["bytes"].sum()),
        "utterances": len(manifest),
        "hours": round(float(manifest["duration"].sum()) / 3600, 4),
        "digest": digest(list(checksums["sha256"])),
    }


def corpus_fingerprints(
    corpora: list[str],
    manifest_paths: list[str | Path],
    checksum_paths: list[str | Path],
    output: str | Path,
) -> pd.DataFrame:
    """Rule make_corpus_fingerprints: one row per corpus (``corpora``, in the order of the
    manifest and checksum paths) as CSV."""
    rows = []
    for corpus, manifest_path, checksum_path in zip(
        corpora, manifest_paths, checksum_paths, strict=True
    ):
        manifest = pd.read_parquet(manifest_path, columns=["utt_id", "duration"])
        rows.append(fingerprint_row(corpus, manifest, read_table(checksum_path, SourceChecksums)))
    table = pd.DataFrame(rows, columns=FINGERPRINT_COLUMNS)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, output, index=False)
    for row in table.itertuples():
        log.info("%s: %d files, %.2f h, digest %s", row.corpus, row.files, row.hours, row.digest)
    return table
