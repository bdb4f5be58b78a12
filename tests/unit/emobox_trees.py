"""Trees of synthetic recordings at the paths of an EmoBox metadata excerpt
(``tests/data/emobox/<corpus>/``), and the check that an adapter yields exactly EmoBox's files with
EmoBox's labels. Used by the adapters' tests (one per EmoBox corpus)."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

from crossemo.corpora.base import VIDEO_SUFFIXES, Scan
from crossemo.corpora.emobox import emotion_of, read_jsonl, read_label_map, relative_path
from crossemo.demo.formats import write_video

EXCERPTS = Path(__file__).resolve().parents[1] / "data" / "emobox"
#: at most this many seconds of each synthetic file (EmoBox lengths are kept below it)
MAX_SECONDS = 8.0
#: ... and of each file ffmpeg encodes (webm, mp4, avi: slow to write)
MAX_MEDIA_SECONDS = 1.5


def excerpt(corpus: str) -> tuple[list[dict], dict[str, str]]:
    """The excerpt's entries and label map (empty when EmoBox ships none for the corpus)."""
    folder = EXCERPTS / corpus
    label_map = folder / "label_map.json"
    entries = list(read_jsonl(folder / f"{corpus}.jsonl"))
    return entries, read_label_map(label_map) if label_map.is_file() else {}


def tone(frames: int, rate: int, channels: int, seed: int = 0) -> np.ndarray:
    """A voiced-like tone with noise, ``[frames, channels]`` float32 (never silent)."""
    t = np.arange(frames) / rate
    rng = np.random.default_rng(seed)
    wave = 0.3 * np.sin(2 * np.pi * (150 + 50 * np.sin(2 * np.pi * 2 * t)) * t)
    wave = wave + 0.01 * rng.standard_normal(frames)
    return np.repeat(wave[:, None], channels, axis=1).astype(np.float32)


def write_recording(path: Path, rate: int, channels: int, frames: int, seed: int = 0) -> None:
    """A synthetic recording at ``path``: WAV/FLAC by soundfile, video containers (mp4, avi ...)
    by the demo's video writer, other containers (webm ...) by ffmpeg."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    limit = MAX_SECONDS if suffix in (".wav", ".flac") else MAX_MEDIA_SECONDS
    frames = max(1, min(int(frames), int(limit * rate)))
    audio = tone(frames, rate, channels, seed)
    if suffix in (".wav", ".flac"):
        sf.write(path, audio, rate)
        return
    if suffix in VIDEO_SUFFIXES:  # the demo's video writer: a black picture, the sound in AAC
        write_video(path, audio, rate)
        return
    wav = path.with_suffix(".source.wav")
    sf.write(wav, audio, rate)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), str(path)]
    subprocess.run(cmd, check=True)
    wav.unlink()


def build_tree(root: Path, corpus: str, entries: list[dict]) -> list[Path]:
    """Every excerpt file written under ``root`` (one per distinct path); the paths."""
    written: dict[Path, dict] = {}
    for i, entry in enumerate(entries):
        path = root / relative_path(entry, corpus)
        if path in written:
            continue
        write_recording(path, int(entry["sample_rate"]), int(entry.get("channel", 1)),
                        int(entry["num_frame"]), seed=i)  # fmt: skip
        written[path] = entry
    return list(written)


def expected(entries: list[dict], corpus: str, label_map: dict[str, str]) -> Counter:
    """``(relative path, emotion)`` of every excerpt entry, as a multiset (a segmented corpus
    lists one file several times)."""
    return Counter((relative_path(e, corpus), emotion_of(e, label_map)) for e in entries)


def found(scan: Scan, root: Path) -> Counter:
    """``(relative path, emotion)`` of every utterance an adapter's scan yields."""
    return Counter((u.path.relative_to(root), u.emotion) for u in scan.utterances)


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None
