"""Where a corpus manifest came from: checked at start-up, recorded in the manifest, checked again
by every stage that reads it.

A manifest holds the utterances of the corpus copy its ingestion read. Reusing it for another copy
(a mistyped root, an unmounted disk, the demo's manifest under a config pointing at real data)
gives numbers computed on data the researcher did not name. So:

- start-up refuses a corpus whose ``root`` (or ``sheet``) does not exist or cannot be read, naming
  the key (:func:`source_problems`); the demo's own paths are made by its rule and stay allowed;
- ingestion records the adapter, its options, the resolved source path and a digest of the file
  listing in the manifest's Parquet metadata (:func:`describe_source`, :func:`metadata`);
- a stage that reads a manifest refuses one whose adapter, options or source differ from the
  config's (:func:`check_manifest`), naming both and how to rebuild it.

Light imports only: :func:`source_problems` runs when the Snakefile is parsed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crossemo.core.hints import nearest

#: key of the provenance record in a manifest's Parquet key-value metadata
METADATA_KEY = b"crossemo.provenance"
#: adapter name of corpora built from a spreadsheet of videos (downloaded, then cut)
SHEET_ADAPTER = "strEmo"
#: what a stage compares between a manifest and the config (the listing digest is recorded only:
#: computing it means walking the corpus, too slow for start-up)
COMPARED = ("adapter", "source", "options")


class ProvenanceError(RuntimeError):
    """A manifest made from another source than the config names."""


def source_key(entry: Mapping[str, Any]) -> str:
    """The config key of a corpus's source: ``sheet`` for spreadsheet corpora, else ``root``."""
    return "sheet" if entry.get("adapter") == SHEET_ADAPTER else "root"


def expected(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance a corpus's manifest must carry, from its config entry (resolved paths)."""
    key = source_key(entry)
    options = (entry.get("options") or {}) if key == "root" else {}
    return {
        "adapter": entry.get("adapter"),
        "source": str(Path(entry[key]).expanduser().resolve()) if entry.get(key) else None,
        "options": json.loads(json.dumps(options, sort_keys=True, default=str)),
    }


#: the embedded demo's corpus directories, in the order they are written (crossemo.demo;
#: ``demo.corpora`` picks some; ``SAVEE`` also writes ``SAVEE-flat``)
DEMO_CORPORA = (
    "RAVDESS", "TESS", "CREMA-D", "SAVEE", "EmoDB", "IEMOCAP", "CMU-MOSEI", "StrEmo", "EMOVO",
    "MELD", "PAVOQUE",
)  # fmt: skip


def inside(path: str, folder: str | None) -> bool:
    """Whether ``path`` lies in ``folder`` (both resolved; never in no folder)."""
    if folder is None:
        return False
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def source_problems(config: Mapping[str, Any]) -> list[str]:
    """Every corpus whose root or sheet is missing or unreadable, as ``corpora.X.root: ...``.

    Paths inside the demo's folder are skipped while the demo is enabled (its rule makes them).
    """
    demo = config.get("demo") or {}
    demo_dir = demo.get("dir") if demo.get("enabled") else None
    problems = []
    for name, entry in (config.get("corpora") or {}).items():
        key = source_key(entry)
        path = entry.get(key)
        if not path or inside(path, demo_dir):
            continue
        problem = _path_problem(Path(path).expanduser(), want_dir=key == "root")
        if problem:
            what = "your copy of the corpus" if key == "root" else "the spreadsheet"
            problems.append(
                f"corpora.{name}.{key}: {path} {problem} (a typo, or a disk not mounted?): "
                f"point it at {what}"
            )
    return problems


def demo_problems(config: Mapping[str, Any]) -> list[str]:
    """``demo.corpora``: names of demo corpora, and every corpus root in the demo's folder
    among them (the others are never written)."""
    demo = config.get("demo") or {}
    chosen = demo.get("corpora")
    if not demo.get("enabled") or chosen is None:
        return []
    problems = []
    for name in chosen:
        if name not in DEMO_CORPORA:
            hint = nearest(str(name), DEMO_CORPORA)
            problems.append(f"demo.corpora: no demo corpus {name!r}{hint}; choose from "
                            f"{', '.join(DEMO_CORPORA)}")  # fmt: skip
    written = {*chosen, *(["SAVEE-flat"] if "SAVEE" in chosen else [])}
    for name, entry in (config.get("corpora") or {}).items():
        path = entry.get(source_key(entry))
        if path and inside(path, demo["dir"]):
            parts = Path(path).resolve().relative_to(Path(demo["dir"]).resolve()).parts
            folder = parts[0] if parts else ""
            if folder and folder not in written:
                key = f"corpora.{name}.{source_key(entry)}"
                problems.append(f"{key}: {path} is the demo's {folder}, which demo.corpora "
                                "leaves out; add it there")  # fmt: skip
    return problems


def _path_problem(path: Path, want_dir: bool) -> str | None:
    """Why ``path`` cannot serve as a corpus root (``want_dir``) or sheet; None when it can."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if want_dir and not stat.S_ISDIR(mode):
        return "is not a folder"
    if not want_dir and not stat.S_ISREG(mode):
        return "is not a regular file"
    access = os.R_OK | (os.X_OK if want_dir else 0)
    if not os.access(path, access):
        return "cannot be read (permissions)"
    return None


def listing_digest(root: str | Path) -> str:
    """SHA-256 of a folder's file listing (relative paths and sizes, sorted; links not followed),
    or of the file itself for a sheet: the same copy gives the same digest wherever it lies."""
    root = Path(root)
    digest = hashlib.sha256()
    if root.is_file():
        with open(root, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    entries = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            path = Path(folder, name)
            try:
                size = path.lstat().st_size
            except OSError:
                size = -1
            entries.append(f"{path.relative_to(root).as_posix()}\t{size}")
    for line in sorted(entries):
        digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()


def describe_source(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance record of a corpus ingested now: :func:`expected` plus the listing digest."""
    record = expected(entry)
    record["listing_sha256"] = listing_digest(record["source"]) if record["source"] else None
    return record


def metadata(record: Mapping[str, Any]) -> dict[bytes, bytes]:
    """Parquet key-value metadata holding ``record``."""
    return {METADATA_KEY: json.dumps(dict(record), sort_keys=True).encode()}


def read_provenance(path: str | Path) -> dict[str, Any] | None:
    """The provenance record of a manifest, or None when it has none (an older crossemo)."""
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    return json.loads(raw) if raw else None


def check_manifest(path: str | Path, corpus: str, want: Mapping[str, Any]) -> None:
    """Raise :class:`ProvenanceError` unless the manifest at ``path`` was made from the source,
    adapter and options ``want`` (:func:`expected` of the config's entry) describes."""
    found = read_provenance(path)
    rebuild = (
        f"rebuild it: snakemake --forcerun {path} ... (or delete it), or keep each config's "
        "results apart with --directory"
    )
    if found is None:
        raise ProvenanceError(
            f"{path} records no provenance (made by an older crossemo), so it cannot be told "
            f"apart from another copy of {corpus}; {rebuild}"
        )
    differs = [k for k in COMPARED if found.get(k) != want.get(k)]
    if differs:
        detail = "; ".join(
            f"{k}: manifest {found.get(k)!r}, config {want.get(k)!r}" for k in differs
        )
        raise ProvenanceError(
            f"{path} was made from another source than corpora.{corpus} names ({detail}); {rebuild}"
        )
