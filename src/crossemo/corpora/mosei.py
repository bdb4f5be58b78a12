"""CMU-MOSEI: whole-video audio plus per-segment sentiment and emotion intensities.

Audio is one file per video, ``Raw/Audio/Full/WAV_16000/<video>.wav`` as published (option
``audio_dir`` names another folder; without either, every audio file under the root is a
video). Each labelled segment becomes one utterance with ``start``/``end`` on its video's file;
the video is the speaker (MOSEI has no speaker ids) and the leakage group. Labels come in two
forms, auto-detected (option ``labels=csd|csv`` forces one):

* CMU Multimodal SDK computational sequences (``*.csd``, HDF5): ``<root>/data/<video>/features``
  ``[n, 7]`` = sentiment, happy, sad, anger, surprise, disgust, fear and ``.../intervals``
  ``[n, 2]`` seconds; a words sequence (features ``[n, 1]`` byte strings with ``sp`` pause
  tokens) gives the transcript: the words whose midpoint lies in the segment, pauses dropped.
  Segments are numbered in their order in the sequence (the order of the CSV export's ids).
* a CSV export ``labels.csv`` (video_id, segment_id, start, end, sentiment, happy ... fear) with
  transcripts from ``Raw/Transcript/Segmented/Combined/<video>.txt`` lines
  ``<video>___<seg>___<start>___<end>___<text>``.

When both are present the computational sequences win. ``emotion`` is the strEmo paper's
valence rule (:func:`valence_from_intensities`); the scores are kept as columns.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crossemo.core.reasons import NO_AUDIO_FOR_LABEL, NO_LABEL
from crossemo.corpora.base import Reject, Scan, Utterance, find_ci, walk_audio, walk_tree
from crossemo.corpora.sheets import read_csv_sheet

log = logging.getLogger(__name__)

EMOTIONS = ("happy", "sad", "anger", "surprise", "disgust", "fear")
SCORES = ("sentiment", *EMOTIONS)
POSITIVE = ("happy",)
NEGATIVE = ("sad", "anger", "disgust", "fear")
_SEGMENT_NUMBER = re.compile(r"[0-9]+", re.ASCII)
AUDIO_DIR = ("Raw", "Audio", "Full", "WAV_16000")
TRANSCRIPT_DIR = ("Raw", "Transcript", "Segmented", "Combined")


def valence_from_intensities(scores: Mapping[str, float], threshold: float = 2.0) -> str:
    """The strEmo paper's MOSEI rule: 'positive', 'negative', 'neutral' or 'undecided'.

    The paper keeps segments "with either i) exclusively positive or negative emotion scores
    greater than 2 or ii) all emotion scores equal to 0". Read here as: positive when the
    positive emotion (happy) exceeds ``threshold`` and no negative one (sad, anger, disgust,
    fear) is above 0; negative when a negative one exceeds ``threshold`` and happy is 0;
    neutral when all six intensities are 0. Surprise (neither positive nor negative, which the
    paper discards) only matters for neutral. Everything else is 'undecided'.
    """
    pos = max(float(scores[e]) for e in POSITIVE)
    neg = max(float(scores[e]) for e in NEGATIVE)
    if all(float(scores[e]) == 0 for e in EMOTIONS):
        return "neutral"
    if pos > threshold and neg <= 0:
        return "positive"
    if neg > threshold and pos <= 0:
        return "negative"
    return "undecided"


@dataclass
class Segment:
    video: str
    segment: int
    start: float
    end: float
    scores: dict[str, float]
    text: str | None
    source: Path


def raw_label(scores: Mapping[str, float]) -> str:
    """``sentiment=1.33;happy=2.33;...`` (two decimals, trailing zeros dropped)."""
    return ";".join(f"{k}={round(float(scores[k]), 2):g}" for k in SCORES)


# -- computational sequences (HDF5) -------------------------------------------------------


def _csd_data(handle):
    """The ``data`` group of a computational sequence (under its single root group)."""
    if "data" in handle:
        return handle["data"]
    for key in handle:
        if "data" in handle[key]:
            return handle[key]["data"]
    raise ValueError(f"{handle.filename}: no data group (not a computational sequence?)")


def _csd_kind(path: Path) -> str | None:
    """'labels' ([n, 7] numbers), 'words' ([n, 1] strings) or None."""
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            data = _csd_data(handle)
            for video in data:
                features = data[video]["features"]
                if features.dtype.kind in "SOU":
                    return "words"
                if features.ndim == 2 and features.shape[1] == len(SCORES):
                    return "labels"
                return None
    except (OSError, ValueError, KeyError) as err:
        log.warning("%s: not a readable computational sequence (%s)", path, err)
    return None


def _words(path: Path | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    import h5py

    if path is None:
        return {}
    with h5py.File(path, "r") as handle:
        data = _csd_data(handle)
        return {
            v: (data[v]["features"][()].reshape(-1), data[v]["intervals"][()].reshape(-1, 2))
            for v in data
        }


def _text(words: tuple[np.ndarray, np.ndarray] | None, start: float, end: float) -> str | None:
    if words is None:
        return None
    tokens, intervals = words
    middle = intervals.mean(axis=1)
    keep = (middle >= start) & (middle < end)
    out = [t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in tokens[keep]]
    return " ".join(t for t in out if t.strip() and t.strip() != "sp") or None


def csd_segments(labels: Path, words: Path | None) -> Iterator[Segment]:
    """Segments of a labels computational sequence, with text from a words sequence."""
    import h5py

    texts = _words(words)
    with h5py.File(labels, "r") as handle:
        data = _csd_data(handle)
        for video in sorted(data):
            features = data[video]["features"][()].reshape(-1, len(SCORES))
            intervals = data[video]["intervals"][()].reshape(-1, 2)
            for seg, (row, interval) in enumerate(zip(features, intervals, strict=True)):
                start, end = float(interval[0]), float(interval[1])
                scores = dict(zip(SCORES, map(float, row), strict=True))
                text = _text(texts.get(video), start, end)
                yield Segment(video, seg, start, end, scores, text, labels)


# -- CSV export -----------------------------------------------------------------------------


def read_transcripts(folder: Path | None) -> dict[tuple[str, int], str]:
    """(video, segment) -> text from ``Combined/<video>.txt`` files."""
    texts: dict[tuple[str, int], str] = {}
    if folder is None:
        return texts
    for path in sorted(folder.glob("*.txt")):
        if path.name.startswith("._"):
            continue
        video = path.stem
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.startswith(f"{video}___"):
                continue
            parts = line[len(video) + 3 :].split("___", 3)
            if len(parts) == 4 and _SEGMENT_NUMBER.fullmatch(parts[0].strip()):
                texts[(video, int(parts[0]))] = parts[3].strip()
    return texts


def csv_segments(labels: Path, transcripts: Path | None) -> Iterator[Segment | Reject]:
    """Segments of ``labels.csv``; rows with missing fields become ``no_label`` rejects."""
    table = read_csv_sheet(labels, "MOSEI labels", dtype={"video_id": str})
    missing = {"video_id", "segment_id", "start", "end", *SCORES} - set(table.columns)
    if missing:
        raise ValueError(f"{labels}: missing columns {sorted(missing)}")
    texts = read_transcripts(transcripts)
    for row in table.itertuples(index=False):
        values = {k: getattr(row, k) for k in ("segment_id", "start", "end", *SCORES)}
        video = row.video_id.strip() if isinstance(row.video_id, str) else ""
        blank = [k for k, v in values.items() if _is_missing(v)] + ([] if video else ["video_id"])
        if blank:
            seg = values["segment_id"]
            local_id = f"{video}_{int(seg)}" if video and not _is_missing(seg) else None
            yield Reject(labels, NO_LABEL, f"{video or '?'}: missing {', '.join(blank)}", local_id)
            continue
        seg = int(values["segment_id"])
        scores = {k: float(values[k]) for k in SCORES}
        start, end = float(values["start"]), float(values["end"])
        yield Segment(video, seg, start, end, scores, texts.get((video, seg)), labels)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# -- scan -----------------------------------------------------------------------------------


def _resolve(root: Path, option: str | Path | None) -> Path | None:
    return None if option in (None, "") else Path(root, option)


def _find(root: Path, suffix: str) -> list[Path]:
    return [p for p in walk_tree(root, {suffix})[0] if not p.name.startswith("._")]


def scan(
    root: Path,
    corpus: str,
    labels: str = "auto",
    audio_dir: str | Path | None = None,
    labels_csd: str | Path | None = None,
    words_csd: str | Path | None = None,
    labels_csv: str | Path | None = None,
    transcripts: str | Path | None = None,
) -> Scan:
    """One utterance per labelled segment of every video under ``root``."""
    if labels not in ("auto", "csd", "csv"):
        raise ValueError(f"labels={labels!r}: expected auto, csd or csv")
    audio_root = _resolve(root, audio_dir) or find_ci(root, *AUDIO_DIR) or root
    audio, junk = walk_audio(audio_root)
    videos = {p.stem: p for p in audio}
    found = Scan(rejects=list(junk))

    label_csd = _resolve(root, labels_csd)
    word_csd = _resolve(root, words_csd)
    if labels in ("auto", "csd") and (label_csd is None or word_csd is None):
        kinds = {p: _csd_kind(p) for p in _find(root, ".csd")}
        label_csd = label_csd or next((p for p, k in kinds.items() if k == "labels"), None)
        word_csd = word_csd or next((p for p, k in kinds.items() if k == "words"), None)
    label_csv = _resolve(root, labels_csv)
    if label_csv is None and labels in ("auto", "csv"):
        label_csv = next((p for p in _find(root, ".csv") if p.name.lower() == "labels.csv"), None)

    if labels != "csv" and label_csd is not None:
        segments = csd_segments(label_csd, word_csd)
    elif labels != "csd" and label_csv is not None:
        text_dir = _resolve(root, transcripts) or find_ci(root, *TRANSCRIPT_DIR)
        segments = csv_segments(label_csv, text_dir)
    else:
        wanted = {"auto": "a labels .csd or labels.csv", "csd": "a labels .csd"}
        expected = wanted.get(labels, "labels.csv")
        raise FileNotFoundError(f"no MOSEI labels under {root}: expected {expected}")

    labelled: set[str] = set()
    for item in segments:
        if isinstance(item, Reject):
            found.rejects.append(item)
            continue
        labelled.add(item.video)
        local_id = f"{item.video}_{item.segment}"
        path = videos.get(item.video)
        if path is None:
            expected = audio_root / f"{item.video}.wav"
            found.rejects.append(Reject(expected, NO_AUDIO_FOR_LABEL, local_id, local_id))
            continue
        found.utterances.append(_utterance(local_id, path, item))
    for video, path in sorted(videos.items()):
        if video not in labelled:
            found.rejects.append(Reject(path, NO_LABEL, "no labelled segment", None))
    return found


def _utterance(local_id: str, path: Path, seg: Segment) -> Utterance:
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=seg.video,
        raw_label=raw_label(seg.scores),
        emotion=valence_from_intensities(seg.scores),
        group=seg.video,
        start=seg.start,
        end=seg.end,
        text=seg.text,
        extra={"video_id": seg.video, "segment_id": seg.segment, **seg.scores},
    )
