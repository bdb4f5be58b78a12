"""Robust audio decoding: what the publishers' releases actually contain.

libsndfile (through soundfile) reads WAV with extra header chunks, WAVE_FORMAT_EXTENSIBLE,
8-96 kHz, 16/24/32-bit integer and float, and AIFF content behind a ``.wav`` name (it sniffs
the header, not the extension). Containers it cannot read (mp3, m4a, webm) go through ffmpeg.
Plain little-endian 16-bit PCM WAV, what the corpora ship, is read straight from its data chunk
(:func:`load`: the same samples as soundfile's, at a quarter of the CPU).
Every failure is a :class:`DecodeError` carrying a short machine-readable ``reason``, which
callers turn into a reject row.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from crossemo.core.reasons import (
    BAD_SAMPLE_RATE,
    EMPTY_FILE,
    MISSING_FILE,
    NO_AUDIO_FRAMES,
    NOT_AUDIO,
    NOT_REGULAR_FILE,
    SEGMENT_OUT_OF_RANGE,
    TRUNCATED,
    UNREADABLE,
)

MIN_FRAMES = 1
#: header sample rates outside ``[MIN_SAMPLE_RATE, MAX_SAMPLE_RATE]`` Hz are ``bad_sample_rate``
#: rejects: below 4 kHz no speech band survives (telephone speech is 8 kHz), above 384 kHz no
#: converter records; a header outside them is broken or forged, and resampling it would turn a
#: few bytes into minutes of garbage (1 Hz to 16 kHz: x16000)
MIN_SAMPLE_RATE = 4000
MAX_SAMPLE_RATE = 384000


class DecodeError(Exception):
    """An audio file that cannot be used; ``reason`` is a stable slug for reject tables."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


#: what a bad input file raises while it is decoded or read (a corrupt, truncated or locked
#: file, an I/O error); callers turn these into reject rows (:func:`input_failure`), while any
#: other exception is a bug and must fail the job
INPUT_ERRORS = (DecodeError, sf.SoundFileError, OSError, EOFError)


def input_failure(err: BaseException) -> tuple[str, str]:
    """``(reason, detail)`` of one of :data:`INPUT_ERRORS`."""
    if isinstance(err, DecodeError):
        return err.reason, err.detail
    reason = NOT_AUDIO if isinstance(err, (sf.SoundFileError, EOFError)) else UNREADABLE
    return reason, f"{type(err).__name__}: {err}"


@dataclass(frozen=True)
class AudioInfo:
    """Header facts about an audio file."""

    sample_rate: int
    channels: int
    frames: int
    format: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def check_sample_rate(sr: int) -> int:
    """``sr``, or ``bad_sample_rate`` when a header's rate is outside the sane range."""
    if not MIN_SAMPLE_RATE <= sr <= MAX_SAMPLE_RATE:
        detail = f"header says {sr} Hz, outside [{MIN_SAMPLE_RATE}, {MAX_SAMPLE_RATE}] Hz"
        raise DecodeError(BAD_SAMPLE_RATE, detail)
    return sr


_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISDIR, "directory"),
)


def file_kind(mode: int) -> str:
    """What a ``st_mode`` names: ``regular file``, ``FIFO``, ``socket``, ``character device`` ..."""
    if stat.S_ISREG(mode):
        return "regular file"
    return next((kind for test, kind in _KINDS if test(mode)), "special file")


def check_regular_file(path: str | os.PathLike) -> os.stat_result | None:
    """The ``stat`` of ``path`` (links followed), None when it does not exist, or
    ``not_regular_file`` for a FIFO, socket, device or folder: checked before any ``open``,
    which blocks on a FIFO and may act on a device."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(info.st_mode):
        raise DecodeError(NOT_REGULAR_FILE, f"a {file_kind(info.st_mode)}, not a regular file")
    return info


_HEAD_BYTES = 4096  # one read covers the chunk headers of almost every WAV/AIFF
_PCM, _EXTENSIBLE = 1, 0xFFFE  # WAVE format tags (an extensible file names PCM in its GUID)
_PCM16_SCALE = np.float32(1 / 32768)  # libsndfile's (soundfile's) PCM_16 -> float scale


@dataclass(frozen=True)
class _DataChunk:
    """Where a RIFF/RIFX/AIFF file's sample data lies, and what its header says of it."""

    declared: int  # data bytes the header declares
    available: int  # data bytes the file holds after the chunk header
    offset: int  # file offset of the first data byte
    pcm16: tuple[int, int] | None  # (channels, sample rate) of little-endian 16-bit PCM WAV

    @property
    def truncated(self) -> bool:
        return self.declared > self.available and self.declared != 0xFFFFFFFF


def _pcm16_format(fmt: bytes) -> tuple[int, int] | None:
    """(channels, sample rate) when a WAVE ``fmt `` chunk body says 16-bit PCM, mono or
    stereo, packed (block align = 2 x channels); None for anything else."""
    if len(fmt) < 16:
        return None
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE:  # the sub-format GUID starts with the format tag
        tag = struct.unpack("<H", fmt[24:26])[0] if len(fmt) >= 26 else 0
    if tag != _PCM or bits != 16 or channels not in (1, 2) or align != 2 * channels:
        return None
    return (channels, rate) if rate > 0 else None


def _data_chunk(fd: int, size: int) -> _DataChunk | None:
    """The sample-data chunk of a RIFF/RIFX/AIFF file, or None if unknown.

    Walks the chunk headers in the first 4 KiB, read once, reading further only past larger
    headers; a WAVE ``fmt `` chunk met on the way tells whether the data is plain 16-bit PCM.
    """
    head = os.pread(fd, _HEAD_BYTES, 0)
    if head[:4] in (b"RIFF", b"RIFX") and head[8:12] == b"WAVE":
        endian, target = ("<" if head[:4] == b"RIFF" else ">"), b"data"
    elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        endian, target = ">", b"SSND"
    else:
        return None
    pos, pcm16 = 12, None
    while pos + 8 <= size:
        chunk = head[pos : pos + 8] if pos + 8 <= len(head) else os.pread(fd, 8, pos)
        if len(chunk) < 8:
            return None
        cid, csize = chunk[:4], struct.unpack(endian + "I", chunk[4:])[0]
        if cid == target:
            pcm16 = pcm16 if endian == "<" else None
            return _DataChunk(csize, size - (pos + 8), pos + 8, pcm16)
        if cid == b"fmt ":
            body = head[pos + 8 : pos + 8 + min(csize, 40)]
            pcm16 = _pcm16_format(body if len(body) >= 16 else os.pread(fd, 40, pos + 8))
        pos += 8 + csize + (csize & 1)
    return None


def _open_checked(path: str) -> tuple[int, _DataChunk | None] | None:
    """An open descriptor of a regular, non-empty ``path`` and its data chunk (None when the
    format is not RIFF/AIFF); None, closed, for missing, empty or unreadable paths (the
    callers report them precisely). Raises ``not_regular_file`` (checked before opening) and
    ``truncated`` when the header declares more sample data than the file holds."""
    if check_regular_file(path) is None:
        return None
    try:  # O_NONBLOCK: should the path become a FIFO after the check, open still returns
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DecodeError(NOT_REGULAR_FILE, f"a {file_kind(info.st_mode)}")
        if info.st_size == 0:
            os.close(fd)
            return None
        chunk = _data_chunk(fd, info.st_size)
    except BaseException:
        os.close(fd)
        raise
    if chunk is not None and chunk.truncated:
        os.close(fd)
        detail = f"header declares {chunk.declared} data bytes, file holds {chunk.available}"
        raise DecodeError(TRUNCATED, detail)
    return fd, chunk


def _check_complete(path: str | Path) -> None:
    """Raise ``truncated`` when a RIFF/AIFF header declares more sample data than the file holds.

    It costs one ``open``, ``fstat`` and ``pread`` (a Python file object and repeated ``stat``
    calls were 3 % of a shard job's CPU). Missing, empty or odd paths return quietly.
    """
    opened = _open_checked(os.fspath(path))
    if opened is not None:
        os.close(opened[0])


def probe(path: str | Path) -> AudioInfo:
    """Header facts of ``path``; raises :class:`DecodeError` for unusable files."""
    path = Path(path)
    found = check_regular_file(path)
    if found is None:
        raise DecodeError(MISSING_FILE, str(path))
    if found.st_size == 0:
        raise DecodeError(EMPTY_FILE, "0 bytes")
    if not os.access(path, os.R_OK):
        raise DecodeError(UNREADABLE, "no permission to read the file")
    _check_complete(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as err:
        return _probe_ffmpeg(path, err)
    if info.frames < MIN_FRAMES:
        raise DecodeError(NO_AUDIO_FRAMES, f"{info.format} with 0 frames")
    check_sample_rate(int(info.samplerate))
    return AudioInfo(int(info.samplerate), int(info.channels), int(info.frames), info.format)


def _probe_ffmpeg(path: Path, err: Exception) -> AudioInfo:
    """Probe a container libsndfile cannot read (mp3, m4a, webm) by decoding it with ffmpeg."""
    if not _looks_like_media(path) or shutil.which("ffmpeg") is None:
        raise DecodeError(NOT_AUDIO, str(err)) from err
    n_frames, sr, channels = _ffmpeg_count(path)
    return AudioInfo(sr, channels, n_frames, path.suffix.lstrip(".").upper() or "FFMPEG")


_MEDIA_SUFFIXES = {".mp3", ".m4a", ".mp4", ".webm", ".ogg", ".opus", ".aac", ".mkv", ".flac",
                   ".avi", ".mov"}  # fmt: skip


def _looks_like_media(path: Path) -> bool:
    return path.suffix.lower() in _MEDIA_SUFFIXES


def _ffprobe_stream(path: Path) -> dict:
    """``sample_rate`` and ``channels`` of the first audio stream ({} when ffprobe finds none)."""
    if shutil.which("ffprobe") is None:
        return {}
    cmd = [
        "ffprobe",
        "-v",
        "error",
        "-select_streams",
        "a:0",
        "-show_entries",
        "stream=sample_rate,channels",
        "-of",
        "json",
        str(path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        stream = json.loads(proc.stdout)["streams"][0]
    except (ValueError, KeyError, IndexError):
        return {}
    return {k: int(v) for k, v in stream.items() if k in ("sample_rate", "channels")}


def _ffmpeg_command(path: Path, end: float | None = None) -> tuple[list[str], int, int]:
    """The ffmpeg command decoding ``path`` to float32 frames at the stream's own rate and
    channels (mono when ffprobe names none), up to ``end`` seconds: ``(cmd, rate, channels)``."""
    stream = _ffprobe_stream(path)
    sr = check_sample_rate(stream.get("sample_rate", 48000))
    channels = stream.get("channels", 0) or 1
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vn", "-f", "f32le"]
    if end is not None:
        cmd += ["-t", f"{end:.6f}"]
    return [*cmd, "-ac", str(channels), "-ar", str(sr), "-"], sr, channels


def _ffmpeg_count(path: Path) -> tuple[int, int, int]:
    """``(frames, rate, channels)`` of a container libsndfile cannot read, counted from
    ffmpeg's decoded stream one block at a time (memory stays a block, whatever the length)."""
    cmd, sr, channels = _ffmpeg_command(path)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        size = sum(len(block) for block in iter(lambda: proc.stdout.read(1 << 20), b""))
        error = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or size == 0:
        raise DecodeError(UNREADABLE, error[-1] if error else "ffmpeg produced no audio")
    return size // (4 * channels), sr, channels


def _ffmpeg_decode(path: Path, end: float | None = None) -> tuple[np.ndarray, int]:
    """Decode with ffmpeg to float32 frames ``[n, channels]`` (:func:`_ffmpeg_command`), up to
    ``end`` seconds when given (the rest is never decoded: memory follows ``end``)."""
    cmd, sr, channels = _ffmpeg_command(path, end)
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DecodeError(UNREADABLE, detail[-1] if detail else "ffmpeg produced no audio")
    samples = np.frombuffer(proc.stdout, dtype="<f4")
    return samples[: len(samples) - len(samples) % channels].reshape(-1, channels), sr


def load(
    path: str | Path, start: float | None = None, end: float | None = None
) -> tuple[np.ndarray, int]:
    """Decode ``path`` (optionally the ``[start, end)`` seconds) to mono float32: the frames
    of :func:`load_frames`, mixed by :func:`downmix`. Returns ``(samples, sample_rate)``."""
    frames, sr = load_frames(path, start, end)
    return downmix(frames), sr


def load_frames(
    path: str | Path, start: float | None = None, end: float | None = None
) -> tuple[np.ndarray, int]:
    """Decode ``path`` (optionally the ``[start, end)`` seconds) to float32 frames
    ``[n, channels]`` at the file's own rate: ``(frames, sample_rate)``.

    The path's type is checked before it is opened (a FIFO, socket or device is a
    ``not_regular_file`` reject) and the header's rate before any sample is read
    (:func:`check_sample_rate`). Little-endian 16-bit PCM WAV (what every corpus we ingest
    ships) is read straight from its data chunk with one ``preadv`` and scaled as libsndfile
    scales it (the same float32 samples, tested); everything else goes through soundfile,
    which cost ~4x the CPU on those WAVs (libsndfile's open alone ~0.1 ms per file;
    BENCHMARKS.md, Preprocessing). Failures raise DecodeError.
    """
    path = os.fspath(path)  # a str: pathlib objects cost more than the header check here
    opened = _open_checked(path)
    if opened is not None:
        fd, chunk = opened
        try:
            if chunk is not None and chunk.pcm16 is not None:
                return _read_pcm16(fd, chunk, path, start, end)
        finally:
            os.close(fd)
    try:
        with sf.SoundFile(path) as fh:
            sr = check_sample_rate(int(fh.samplerate))
            first, last = _frame_range(int(fh.frames), sr, start, end, path)
            fh.seek(first)
            data = fh.read(last - first, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as err:
        frames, sr = _load_fallback(Path(path), err, end)
        return _cut(frames, sr, start, end), sr
    if data.shape[0] == 0:
        raise DecodeError(NO_AUDIO_FRAMES, f"{Path(path).name} holds no samples")
    return data, sr


#: a channel whose sum with the first holds less than 1/OPPOSITE_POLARITY of the energy of
#: their difference is in opposite polarity (a mis-wired microphone, a phase-inverted track):
#: for channels of equal power, a correlation below -1/2
OPPOSITE_POLARITY = 3.0


def downmix(frames: np.ndarray) -> np.ndarray:
    """Mono float32 of ``[n, channels]`` frames: the channels' mean (soundfile's float32 frames
    averaged, bit for bit), after inverting any channel in opposite polarity to the first
    (:data:`OPPOSITE_POLARITY`), whose plain mean cancels the voice (``L = -R`` averages to
    silence). A 1-D array is already mono."""
    if frames.ndim == 1:
        return frames
    first = frames[:, 0]
    if frames.shape[1] == 1:
        return np.ascontiguousarray(first, dtype=np.float32)
    if frames.shape[1] > 2:
        signs = [-1 if _opposite(first, c) else 1 for c in frames.T]
        return np.multiply(frames, np.array(signs, np.float32)).mean(axis=1, dtype=np.float32)
    total = np.add(first, frames[:, 1])  # halved: = mean(axis=1) in float32, at ~1/10 the CPU
    difference = np.subtract(first, frames[:, 1])
    if _energy(total) * OPPOSITE_POLARITY < _energy(difference):
        total = difference
    return np.multiply(total, np.float32(0.5), out=total)


def _opposite(first: np.ndarray, other: np.ndarray) -> bool:
    """Whether ``other`` is in opposite polarity to ``first`` (:data:`OPPOSITE_POLARITY`)."""
    return _energy(first + other) * OPPOSITE_POLARITY < _energy(first - other)


def _energy(x: np.ndarray) -> float:
    """Sum of squares of ``x``: a float32 dot product, float64 when that overflows."""
    with np.errstate(over="ignore"):
        energy = float(np.dot(x, x))
    if not np.isfinite(energy):
        wide = x.astype(np.float64)
        energy = float(np.dot(wide, wide))
    return energy


def _frame_range(
    frames: int, sr: int, start: float | None, end: float | None, path: str
) -> tuple[int, int]:
    """``(first, last)`` frames of ``[start, end)`` seconds in a file of ``frames`` frames (end
    clipped to the file); raises for a file without frames or a start beyond it."""
    if frames == 0:
        raise DecodeError(NO_AUDIO_FRAMES, f"{os.path.basename(path)} holds no samples")
    first = int(round((start or 0.0) * sr))
    last = frames if end is None else min(frames, int(round(end * sr)))
    if first >= frames:
        raise DecodeError(SEGMENT_OUT_OF_RANGE, f"start {start}s beyond {frames / sr:.2f}s")
    return first, last


def _read_pcm16(
    fd: int, chunk: _DataChunk, path: str, start: float | None, end: float | None
) -> tuple[np.ndarray, int]:
    """Float32 frames ``[n, channels]`` of ``[start, end)`` seconds of a plain 16-bit PCM WAV's
    data chunk."""
    channels, sr = chunk.pcm16
    check_sample_rate(sr)
    frames = min(chunk.declared, chunk.available) // (2 * channels)
    first, last = _frame_range(frames, sr, start, end, path)
    if last <= first:
        raise DecodeError(NO_AUDIO_FRAMES, f"{os.path.basename(path)} holds no samples")
    pcm = np.empty((last - first) * channels, dtype="<i2")
    got = os.preadv(fd, [pcm], chunk.offset + 2 * channels * first)
    if got != pcm.nbytes:  # the file shrank since its size was read
        raise DecodeError(TRUNCATED, f"read {got} of {pcm.nbytes} data bytes")
    samples = np.multiply(pcm, _PCM16_SCALE, dtype=np.float32)
    return samples.reshape(-1, channels), sr


def _load_fallback(path: Path, err: Exception, end: float | None = None) -> tuple[np.ndarray, int]:
    """Explain why libsndfile failed, or decode a container it cannot read with ffmpeg (up to
    ``end`` seconds)."""
    found = check_regular_file(path)
    if found is None:
        raise DecodeError(MISSING_FILE, str(path)) from err
    if found.st_size == 0:
        raise DecodeError(EMPTY_FILE, "0 bytes") from err
    if not os.access(path, os.R_OK):
        raise DecodeError(UNREADABLE, "no permission to read the file") from err
    if _looks_like_media(path) and shutil.which("ffmpeg") is not None:
        return _ffmpeg_decode(path, end)
    raise DecodeError(NOT_AUDIO, str(err)) from err


def _cut(samples: np.ndarray, sr: int, start: float | None, end: float | None) -> np.ndarray:
    first = int(round((start or 0.0) * sr))
    last = len(samples) if end is None else int(round(end * sr))
    if first >= len(samples):
        raise DecodeError(SEGMENT_OUT_OF_RANGE, f"start {start}s beyond {len(samples) / sr:.2f}s")
    return np.ascontiguousarray(samples[first:last], dtype=np.float32)
