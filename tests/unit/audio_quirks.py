"""Writers for small audio files with the quirks real corpus releases contain (test helper)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import soundfile as sf


def tone(seconds: float = 0.1, sr: int = 16000, channels: int = 1, freq: float = 220.0):
    t = np.arange(int(round(seconds * sr))) / sr
    mono = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return mono if channels == 1 else np.stack([mono] * channels, axis=1)


def write(path: Path, seconds: float = 0.1, sr: int = 16000, channels: int = 1, **kw) -> Path:
    """A plain sine file (``subtype=``, ``format=`` pass through to soundfile)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), tone(seconds, sr, channels), sr, **kw)
    return path


def _wav_bytes(seconds: float, sr: int, channels: int = 1) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, tone(seconds, sr, channels), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def with_list_chunk(path: Path, seconds: float = 0.1, sr: int = 48000, channels: int = 1) -> Path:
    """A WAV with an extra ``LIST/INFO`` chunk between ``fmt`` and ``data`` (RAVDESS headers)."""
    raw = _wav_bytes(seconds, sr, channels)
    data_at = raw.index(b"data")
    info = b"INFO" + b"ISFT" + struct.pack("<I", 14) + b"Lavf58.29.100\x00"
    chunk = b"LIST" + struct.pack("<I", len(info)) + info
    body = raw[12:data_at] + chunk + raw[data_at:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    return path


def truncated(path: Path, seconds: float = 0.2, sr: int = 16000) -> Path:
    """A WAV whose header declares more sample data than the file holds (cut-off download)."""
    raw = _wav_bytes(seconds, sr)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw[: len(raw) // 2])
    return path


def zero_frames(path: Path, sr: int = 16000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.zeros(0, dtype=np.float32), sr, format="WAV", subtype="PCM_16")
    return path


def empty(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def text_file(path: Path) -> Path:
    """A text file with an audio name (an HTML error page saved as .wav, say)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<html>404 Not Found</html>\n")
    return path


def resource_fork(path: Path) -> Path:
    """A macOS AppleDouble file ``._name`` next to ``path``."""
    fork = path.with_name("._" + path.name)
    fork.parent.mkdir(parents=True, exist_ok=True)
    fork.write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 64)
    return fork


def aiff_as_wav(path: Path, seconds: float = 0.1, sr: int = 24414) -> Path:
    """AIFF content behind a ``.wav`` name (a few TESS files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), tone(seconds, sr), sr, format="AIFF", subtype="PCM_16")
    return path


# -- assertions shared by the adapter tests ---------------------------------------------------


def audio_on_disk(root: Path) -> set[str]:
    """Every file under ``root`` with an audio suffix (what an adapter must account for)."""
    from crossemo.corpora.base import AUDIO_SUFFIXES

    return {str(p) for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES}


def counts(series) -> dict:
    return {k: int(v) for k, v in series.value_counts().items()}


def reject_reasons(rejects) -> dict[str, str]:
    """file name -> reason (file-per-utterance corpora: one reject per file)."""
    return {Path(p).name: r for p, r in zip(rejects["path"], rejects["reason"], strict=True)}


def assert_conserved(root: Path, manifest, rejects) -> None:
    """Each audio file is in the manifest or the rejects, exactly once (file-per-utterance)."""
    found = audio_on_disk(root)
    listed = list(manifest["path"]) + list(rejects["path"])
    assert sorted(listed) == sorted(found)


def long_wav(path, seconds: int, rate: int = 48000, channels: int = 2, voiced: int = 60):
    """A 16-bit PCM WAV of ``seconds``: ``voiced`` seconds of noise, then a sparse (unwritten,
    silent) tail, so a file of gigabytes takes no disk."""
    data = seconds * rate * channels * 2
    header = b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16
    ) + b"data" + struct.pack("<I", data)  # fmt: skip
    noise = np.random.default_rng(1).normal(0, 3000, voiced * rate * channels).astype("<i2")
    with open(path, "wb") as fh:
        fh.write(header + noise.tobytes())
        fh.truncate(len(header) + data)
