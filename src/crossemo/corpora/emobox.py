"""EmoBox (Ma et al., 2024; github.com/emo-box/EmoBox, MIT licence): the benchmark's metadata as
the specification of its corpora.

EmoBox's ``data/<corpus>/<corpus>.jsonl`` lists every file of a corpus as its publisher ships it
(``wav`` relative to ``downloads/<corpus>/``, ``sample_rate``, ``num_frame``, ``channel``, the
label ``emo``) and ``label_map.json`` maps each ``emo`` to one of EmoBox's class names. This
module holds those class names in the manifests' vocabulary (:data:`EMOBOX_CLASSES`), and reads
the metadata files (:func:`read_jsonl`, :func:`read_label_map`) for the adapters' excerpt tests
and for ``benchmarks/emobox_counts.py``, which compares a real copy's per-label counts with
EmoBox's. Nothing is downloaded: the user gives a local EmoBox ``data/`` folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

#: EmoBox's class names (the values of its label maps) -> the manifests' emotion names
#: (crossemo.corpora.base.EMOTIONS)
EMOBOX_CLASSES = {
    "Angry": "anger",
    "Happy": "happiness",
    "Sad": "sadness",
    "Neutral": "neutral",
    "Fear": "fear",
    "Disgust": "disgust",
    "Surprise": "surprise",
    "Calm": "calm",
    "Boredom": "boredom",
    "Excited": "excitement",
    "Contempt": "contempt",
    "Other": "other",
    "No-agreement": "undecided",
    "UnKnown": "undecided",
    "Amused": "amusement",
    "Sleepy": "sleepiness",
    "Sarcastic": "sarcasm",
    "Concerned": "concern",
    "Apologetic": "apology",
    "Assertive": "assertiveness",
    "Anxious": "anxiety",
    "Encouraging": "encouragement",
    "Worried": "worry",
    "Enthusiastic": "enthusiasm",
    "Poker": "poker_face",
    "pleasure": "pleasure",
    "pain,groan": "pain",
    "disappointment,disapproval": "disappointment",
    "breath": "breath",
}

#: where EmoBox's ``wav`` paths start: ``downloads/<corpus>/`` is the corpus root
DOWNLOADS = "downloads"


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """The entries of an EmoBox metadata file (one JSON object per line)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_label_map(path: str | Path) -> dict[str, str]:
    """EmoBox's ``label_map.json`` of a corpus: its ``emo`` codes -> EmoBox class names."""
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))


def relative_path(entry: dict, corpus: str) -> Path:
    """An entry's file relative to the corpus root (its ``wav`` without ``downloads/<corpus>/``)."""
    parts = Path(entry["wav"]).parts
    if parts[:2] != (DOWNLOADS, corpus):
        raise ValueError(f"EmoBox entry {entry.get('key')}: {entry['wav']} is not under "
                         f"{DOWNLOADS}/{corpus}/")  # fmt: skip
    return Path(*parts[2:])


def emobox_class(name: str) -> str:
    """The manifests' emotion of an EmoBox class name (its label maps write some with a space
    after a comma, ``pain, groan``, some without)."""
    return EMOBOX_CLASSES[",".join(part.strip() for part in name.split(","))]


def emotion_of(entry: dict, label_map: dict[str, str]) -> str:
    """The manifests' emotion of an EmoBox entry (its ``emo`` through the label map)."""
    return emobox_class(label_map[str(entry["emo"])])


#: EmoBox's cross-corpus test sets (track 2): ``track2/<NAME>_selected_balenced.jsonl`` (sic)
TRACK2_DIR = "track2"
TRACK2_SUFFIX = "_selected_balenced.jsonl"
#: the parts of an EmoBox fold (``valid`` only in some corpora: MELD, M3ED, MSP-Podcast)
FOLD_PARTS = ("train", "valid", "test")
_FOLD_DIR = re.compile(r"^fold_?(\d+)$")


def fold_dirs(data: str | Path, corpus: str) -> dict[int, Path]:
    """EmoBox's fold folders of ``corpus`` (``data/<corpus>/fold_<k>`` or ``fold<k>``), by fold
    number from 1; a cheap listing (the workflow's parse reads it)."""
    root = Path(data) / corpus
    if not root.is_dir():
        return {}
    found = {}
    for child in root.iterdir():
        match = _FOLD_DIR.match(child.name)
        if match and child.is_dir():
            found[int(match.group(1))] = child
    return dict(sorted(found.items()))


def fold_file(folder: Path, corpus: str, k: int, part: str) -> Path | None:
    """The ``part`` file of fold ``k`` in ``folder``: ``<corpus>_<part>_fold_<k>.jsonl`` or
    ``<corpus>_<part>_fold<k>.jsonl`` (EmoDB ships both, alike), None when there is none."""
    for name in (f"{corpus}_{part}_fold_{k}.jsonl", f"{corpus}_{part}_fold{k}.jsonl"):
        if (folder / name).is_file():
            return folder / name
    return None


def track2_file(data: str | Path, name: str) -> Path:
    """The track-2 test set of EmoBox's corpus ``name`` (``IEMOCAP``, ``MELD``, ``RAVDESS``,
    ``SAVEE``)."""
    return Path(data) / TRACK2_DIR / f"{name.upper()}{TRACK2_SUFFIX}"


def entry_path(entry: dict, corpus: str) -> Path:
    """An entry's file relative to the corpus root: the fold files' ``wav`` (under
    ``downloads/<corpus>/``) or the track-2 files' ``wav_filename`` (already relative)."""
    if "wav_filename" in entry:
        return Path(entry["wav_filename"])
    return relative_path(entry, corpus)


def entry_start(entry: dict) -> float | None:
    """An entry's start in seconds (segmented corpora), None for a whole file."""
    start = entry.get("start_time")
    return None if start is None else float(start)
