"""What every corpus adapter shares: the record shape, audio probing and manifest assembly.

An adapter is a module with ``scan(root, corpus, **options) -> Scan`` that walks a corpus as
its publisher ships it and yields one :class:`Utterance` per audio file (or segment) and one
reject per file it cannot interpret. :func:`ingest` then probes every audio file, turns
unreadable ones into rejects, and returns the validated manifest and rejects tables.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from crossemo.audio.decode import DecodeError, file_kind, probe
from crossemo.core.names import reserved_marker
from crossemo.core.reasons import (
    BROKEN_LINK,
    DUPLICATE_FILE,
    DUPLICATE_FOLDER,
    DUPLICATE_UTT_ID,
    EMPTY_SEGMENT,
    END_BEYOND_FILE,
    MACOS_RESOURCE_FORK,
    NEGATIVE_TIME,
    NON_FINITE_TIME,
    NOT_REGULAR_FILE,
    RESERVED_ID_MARKER,
    SEGMENT_OUT_OF_RANGE,
    SYMLINK_LOOP,
    UNREADABLE,
)
from crossemo.core.schemas import REJECT_COLUMNS, Manifest, Rejects

log = logging.getLogger(__name__)

#: Corpus-neutral emotion names used in the manifests' ``emotion`` column.
EMOTIONS = (
    "neutral",
    "calm",
    "happiness",
    "sadness",
    "anger",
    "fear",
    "disgust",
    "surprise",
    "pleasant_surprise",
    "boredom",
    "excitement",
    "frustration",
    "disappointment",
    "contempt",
    "positive",
    "negative",
    "other",
    "undecided",
    # the further classes of EmoBox's corpora (crossemo.corpora.emobox.EMOBOX_CLASSES)
    *("amusement", "sleepiness", "sarcasm", "concern", "apology", "assertiveness", "anxiety"),
    *("encouragement", "worry", "enthusiasm", "poker_face", "pleasure", "pain", "breath"),
)

#: how far a segment's ``end`` may pass the end of its file (rounding of published times); the
#: manifest's ``end`` is then the file's end. Later ends are ``end_beyond_file`` rejects.
END_TOLERANCE_S = 0.05

AUDIO_SUFFIXES = {".wav", ".aif", ".aiff", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".webm"}
#: video containers whose audio stream some corpora publish (eNTERFACE, MELD, MER2023): ffmpeg
#: decodes it (crossemo.audio.decode); adapters of such corpora walk these suffixes too
VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov"}


@dataclass
class Utterance:
    """One manifest row before probing; ids are local to the corpus (prefixed on assembly)."""

    local_id: str
    path: Path
    speaker: str
    raw_label: str
    emotion: str
    gender: str = "unknown"
    group: str | None = None  # defaults to the speaker
    start: float | None = None
    end: float | None = None
    text: str | None = None
    sentence: str | None = None  # the corpus's id of the spoken text (manifest ``sentence``)
    language: str | None = "en"
    extra: dict = field(default_factory=dict)


@dataclass
class Reject:
    """An input that cannot become an utterance, with a stable ``reason`` slug."""

    path: Path
    reason: str
    detail: str = ""
    local_id: str | None = None


@dataclass
class Scan:
    """What an adapter found under a corpus root."""

    utterances: list[Utterance] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def add(self, item: Utterance | Reject) -> None:
        """Keep what a parser made of one input, utterance or reject."""
        (self.rejects if isinstance(item, Reject) else self.utterances).append(item)


def walk_tree(
    root: Path, suffixes: Iterable[str] = AUDIO_SUFFIXES
) -> tuple[list[Path], list[Reject]]:
    """Every file under ``root`` with one of ``suffixes`` (lower-case; audio by default,
    compared case-insensitively), sorted, and a reject for everything the walk could not look
    into.

    Folder links are followed (corpora are often assembled from linked folders) and reported
    paths keep the link's name. A folder that cannot be listed is an ``unreadable`` reject, a
    dangling link a ``broken_link`` one, a link back to one of its own ancestors a
    ``symlink_loop`` one and a second link to a folder already walked a ``duplicate_folder``
    one (its files are listed once), so no part of the tree is left out without a row.
    Dangling links count when they could have been a wanted file or a folder (a wanted
    suffix, or none). A FIFO, socket or device (or a link to one) with a wanted suffix is a
    ``not_regular_file`` reject naming its kind: it is ``stat``-ed, never opened (opening a
    FIFO blocks until a writer comes).
    """
    walk = _Walk(frozenset(suffixes))
    walk.folder(root, {})
    return sorted(walk.files), walk.rejects


@dataclass
class _Walk:
    """State of one :func:`walk_tree`: what is found, what is refused, folders walked."""

    suffixes: frozenset[str]
    files: list[Path] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    walked: dict[tuple[int, int], Path] = field(default_factory=dict)

    def folder(self, folder: Path, ancestors: dict[tuple[int, int], Path]) -> None:
        """Walk ``folder`` depth-first; ``ancestors`` are the folders above it by (dev, inode)."""
        try:
            info = folder.stat()
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as err:
            self.rejects.append(Reject(folder, UNREADABLE, f"cannot list the folder: {_why(err)}"))
            return
        key = (info.st_dev, info.st_ino)
        if key in ancestors:
            self.rejects.append(Reject(folder, SYMLINK_LOOP, f"links back to {ancestors[key]}"))
            return
        if key in self.walked:
            detail = f"the same folder as {self.walked[key]}"
            self.rejects.append(Reject(folder, DUPLICATE_FOLDER, detail))
            return
        self.walked[key] = folder
        inner = {**ancestors, key: folder}
        for entry in entries:
            self.entry(folder / entry.name, entry, inner)

    def entry(self, path: Path, entry: os.DirEntry, ancestors: dict) -> None:
        """One directory entry: a folder to walk, a wanted file, a dangling link or neither."""
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()  # both follow links
        except OSError as err:
            self.rejects.append(Reject(path, UNREADABLE, _why(err)))
            return
        suffix = path.suffix.lower()
        if is_dir:
            self.folder(path, ancestors)
        elif is_file:
            if suffix in self.suffixes:
                self.files.append(path)
        elif entry.is_symlink() and not path.exists():
            if suffix in self.suffixes or not suffix:
                self.rejects.append(Reject(path, BROKEN_LINK, f"points to {os.readlink(path)}"))
        elif suffix in self.suffixes:
            self.special(path)

    def special(self, path: Path) -> None:
        """A path named like audio that is neither a file nor a folder: a reject naming it."""
        try:
            kind = file_kind(path.stat().st_mode)
        except OSError as err:
            self.rejects.append(Reject(path, UNREADABLE, _why(err)))
            return
        self.rejects.append(Reject(path, NOT_REGULAR_FILE, f"a {kind}, not a regular file"))


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def audio_files(root: Path) -> list[Path]:
    """Every file under ``root`` that looks like audio, sorted (:func:`walk_tree`'s files)."""
    return walk_tree(root)[0]


def is_resource_fork(path: Path) -> bool:
    """macOS junk: AppleDouble ``._name`` files and anything under ``__MACOSX/``."""
    return path.name.startswith("._") or "__MACOSX" in path.parts


def walk_audio(root: Path, suffixes: Iterable[str] = AUDIO_SUFFIXES
               ) -> tuple[list[Path], list[Reject]]:  # fmt: skip
    """Audio files under ``root`` and a reject for each AppleDouble file and for each part of
    the tree that could not be walked (:func:`walk_tree`).

    Resource forks (``._a01.wav`` beside ``a01.wav``, left by copies from macOS) carry a ``.wav``
    name but no audio; they are reported, never silently dropped. Files that are not audio by
    name (readme, ``.DS_Store``, label sheets) are not the adapters' business and are skipped.
    """
    found, rejects = walk_tree(root, suffixes)
    audio = []
    for path in found:
        if is_resource_fork(path):
            rejects.append(Reject(path, MACOS_RESOURCE_FORK, "AppleDouble metadata, not audio"))
        else:
            audio.append(path)
    return audio, rejects


def scan_each(paths: Iterable[Path], parse: Callable[[Path], Utterance | Reject]) -> Scan:
    """Apply ``parse`` to every path: each gives one utterance or one reject."""
    found = Scan()
    for path in paths:
        found.add(parse(path))
    return found


def scan_files(root: Path, parse: Callable[[Path], Utterance | Reject],
               suffixes: Iterable[str] = AUDIO_SUFFIXES) -> Scan:  # fmt: skip
    """:func:`scan_each` over every audio file under ``root`` (resource forks rejected; other
    ``suffixes``, e.g. with :data:`VIDEO_SUFFIXES`, for corpora published as video)."""
    audio, junk = walk_audio(root, suffixes)
    found = scan_each(audio, parse)
    found.rejects[:0] = junk
    return found


def no_options(options: dict) -> None:
    """For adapters that take none: a clear error instead of silently ignoring a typo."""
    if options:
        raise TypeError(f"unexpected adapter options: {', '.join(sorted(options))}")


def find_ci(base: Path, *parts: str) -> Path | None:
    """``base/parts...`` matched case-insensitively per component; None when absent."""
    current = base
    for part in parts:
        if (current / part).exists():
            current = current / part
            continue
        if not current.is_dir():
            return None
        matches = sorted(c for c in current.iterdir() if c.name.lower() == part.lower())
        if not matches:
            return None
        current = matches[0]
    return current


_GENDERS = {
    "f": "female",
    "female": "female",
    "w": "female",
    "woman": "female",
    "m": "male",
    "male": "male",
    "man": "male",
}


def normalize_gender(value: object) -> str:
    """'F', 'Female', 'm' ... -> 'female' / 'male'; anything else (blank, NaN) -> 'unknown'."""
    if not isinstance(value, str):
        return "unknown"
    return _GENDERS.get(value.strip().lower(), "unknown")


def _probe_row(path: Path) -> dict:
    try:
        info = probe(path)
    except DecodeError as err:
        return {"reason": err.reason, "detail": err.detail}
    except OSError as err:
        return {"reason": UNREADABLE, "detail": str(err)}
    return {"duration": info.duration, "sample_rate": info.sample_rate, "channels": info.channels}


def probe_all(paths: Iterable[Path], threads: int = 4) -> dict[Path, dict]:
    """Probe each distinct path once (threads: the work is I/O-bound header reads)."""
    unique = sorted(set(paths))
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return dict(zip(unique, pool.map(_probe_row, unique), strict=True))


def assemble(
    corpus: str, scan: Scan, threads: int = 4, preferred_folders: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Probe the scanned utterances and build validated (manifest, rejects) tables.

    Of several inputs with one utterance id the first in :func:`_keep_order` is kept: a copy
    that can be read, then one under the adapter's ``preferred_folders`` (the publisher's
    folder, earlier names first), then path order. The others are rejected naming the copy kept
    (``duplicate_file`` for the same file name in another folder, else ``duplicate_utt_id``).
    """
    probes = probe_all((u.path for u in scan.utterances), threads=threads)
    rows, rejects = [], [_reject_row(corpus, r) for r in scan.rejects]
    kept: dict[str, Utterance] = {}
    for utt in _keep_order(scan.utterances, probes, preferred_folders):
        utt_id = f"{corpus}/{utt.local_id}"
        found = probes[utt.path]
        problem = _problem(utt, utt_id, found, kept, preferred_folders)
        if problem is not None:
            rejects.append(_reject_row(corpus, Reject(utt.path, *problem, utt.local_id)))
            continue
        kept[utt_id] = utt
        rows.append(_manifest_row(corpus, utt_id, utt, found))
    manifest = pd.DataFrame(rows, columns=_manifest_columns(rows))
    manifest = Manifest.validate(manifest.sort_values("utt_id").reset_index(drop=True), lazy=True)
    reject_df = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    return manifest, Rejects.validate(reject_df, lazy=True)


def folder_rank(path: Path, preferred_folders: Sequence[str]) -> int:
    """Index of the first of ``preferred_folders`` (case-insensitive) among ``path``'s folders;
    ``len(preferred_folders)`` when it is under none of them."""
    folders = {part.lower() for part in path.parent.parts}
    for rank, name in enumerate(preferred_folders):
        if name.lower() in folders:
            return rank
    return len(preferred_folders)


def _keep_order(
    utterances: list[Utterance], probes: dict[Path, dict], preferred_folders: Sequence[str]
) -> list[Utterance]:
    """Utterances grouped by id, in each group readable copies, then preferred folders first;
    otherwise the adapter's (path) order."""

    def key(item: tuple[int, Utterance]) -> tuple:
        index, utt = item
        unusable = "reason" in probes[utt.path]
        return utt.local_id, unusable, folder_rank(utt.path, preferred_folders), index

    return [utt for _, utt in sorted(enumerate(utterances), key=key)]


def _duplicate(
    utt: Utterance, utt_id: str, first: Utterance, preferred_folders: Sequence[str]
) -> tuple[str, str]:
    """(reason, detail) of a second input with the id of the kept ``first``; logged."""
    if first.path == utt.path or first.path.name.lower() != utt.path.name.lower():
        return DUPLICATE_UTT_ID, f"{utt_id} is already {first.path}"
    rank = folder_rank(first.path, preferred_folders)
    why = (
        f"it is under the publisher's folder {preferred_folders[rank]!r}"
        if rank < folder_rank(utt.path, preferred_folders)
        else "it comes first in path order"
    )
    log.info("%s: kept %s, not the copy %s (%s)", utt_id, first.path, utt.path, why)
    return DUPLICATE_FILE, f"another copy of {first.path}, which is kept ({why})"


def time_problem(start: float | None, end: float | None) -> tuple[str, str] | None:
    """(reason, detail) when segment times cannot be right whatever the file: NaN or infinite,
    negative, or ``end <= start``; None when they can (or are absent)."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and not math.isfinite(value):
            return NON_FINITE_TIME, f"{name} {value}"
        if value is not None and value < 0:
            return NEGATIVE_TIME, f"{name} {value}"
    if start is not None and end is not None and end <= start:
        return EMPTY_SEGMENT, f"start {start} >= end {end}"
    return None


def _problem(
    utt: Utterance,
    utt_id: str,
    found: dict,
    kept: dict[str, Utterance],
    preferred_folders: Sequence[str],
) -> tuple[str, str] | None:
    """(reason, detail) why a probed utterance cannot enter the manifest, or None."""
    marker = reserved_marker(utt_id)
    if marker is not None:
        return RESERVED_ID_MARKER, f"id {utt_id!r} holds {marker!r}, which marks augmented copies"
    if "reason" in found:
        return found["reason"], found["detail"]
    if utt_id in kept:
        return _duplicate(utt, utt_id, kept[utt_id], preferred_folders)
    problem = time_problem(utt.start, utt.end)
    if problem is not None:
        return problem
    duration = found["duration"]
    if utt.start is not None and utt.start >= duration:
        return SEGMENT_OUT_OF_RANGE, f"start {utt.start}s beyond {duration:.2f}s"
    if utt.end is not None and utt.end > duration + END_TOLERANCE_S:
        return END_BEYOND_FILE, f"end {utt.end}s beyond the file's {duration:.2f}s"
    return None


def _manifest_columns(rows: list[dict]) -> list[str]:
    base = list(Manifest.to_schema().columns)
    extra = sorted({k for r in rows for k in r} - set(base))
    return base + extra


def _manifest_row(corpus: str, utt_id: str, utt: Utterance, found: dict) -> dict:
    speaker = f"{corpus}/{utt.speaker}"
    group = f"{corpus}/{utt.group}" if utt.group is not None else speaker
    duration = found["duration"]
    start, end = utt.start, None if utt.end is None else min(utt.end, duration)
    if start is not None:
        duration = (end if end is not None else duration) - start
    row = {
        "utt_id": utt_id,
        "corpus": corpus,
        "path": str(utt.path),
        "start": start,
        "end": end,
        "speaker": speaker,
        "gender": utt.gender,
        "group": group,
        "raw_label": utt.raw_label,
        "emotion": utt.emotion,
        "text": utt.text,
        "language": utt.language,
        "sentence": utt.sentence,
        "duration": duration,
        "sample_rate": found["sample_rate"],
        "channels": found["channels"],
    }
    row.update(utt.extra)
    return row


def _reject_row(corpus: str, reject: Reject) -> dict:
    utt_id = f"{corpus}/{reject.local_id}" if reject.local_id else None
    return {
        "corpus": corpus,
        "stage": "ingest",
        "path": str(reject.path),
        "utt_id": utt_id,
        "reason": reject.reason,
        "detail": reject.detail or None,
    }


def as_dict(utt: Utterance) -> dict:
    """Plain-dict view of an utterance (for debugging and tests)."""
    return asdict(utt)


class EmptyCorpusError(ValueError):
    """A corpus in which nothing became an utterance: a wrong root, adapter or option."""


def empty_corpus_message(
    corpus: str, adapter_name: str, root: Path, expects: str, rejects: pd.DataFrame, shown: int = 3
) -> str:
    """Why ``corpus`` has no utterance: what was found instead, by reject reason with example
    paths, what the adapter expects and which config keys to check."""
    head = f"{corpus}: no usable utterance under {root} with adapter {adapter_name!r}"
    if rejects.empty:
        found = f"found no input at all (audio files: {', '.join(sorted(AUDIO_SUFFIXES))})"
    else:
        lines = [f"0 of {len(rejects)} inputs became utterances; rejects by reason:"]
        for reason, group in rejects.groupby("reason", sort=False):
            examples = ", ".join(group["path"].head(shown))
            more = ", ..." if len(group) > shown else ""
            lines.append(f"    {reason}: {len(group)} (e.g. {examples}{more})")
        found = "\n".join(lines)
    return (
        f"{head}: {found}\n  the adapter expects {expects}\n  check corpora.{corpus}.root "
        f"and corpora.{corpus}.adapter (and its options) in the config"
    )
