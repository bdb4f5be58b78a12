"""File writers, all byte-reproducible: WAV/AIFF/FLAC, WAV with a ``LIST`` chunk, AAC in MP4
(m4a), video (MP4 or AVI with a black picture), CSV, xlsx with pinned times, and CMU Multimodal
SDK computational sequences (``.csd``)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf


def wav_bytes(audio: np.ndarray, sr: int, fmt: str = "WAV") -> bytes:
    """16-bit PCM ``audio`` (mono, or frames x channels) as a WAV (or ``fmt``) file."""
    buf = io.BytesIO()
    sf.write(buf, audio, sr, format=fmt, subtype="PCM_16")
    return buf.getvalue()


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def with_list_chunk(wav: bytes) -> bytes:
    """Insert a ``LIST/INFO`` chunk before ``data`` (as in the RAVDESS release headers)."""
    pos = wav.find(b"data", 12)
    text = b"Lavf58.29.100\x00"
    info = b"INFO" + b"ISFT" + struct.pack("<I", len(text)) + text
    chunk = b"LIST" + struct.pack("<I", len(info)) + info
    out = wav[:pos] + chunk + wav[pos:]
    return out[:4] + struct.pack("<I", len(out) - 8) + out[8:]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """A UTF-8 CSV with ``\\n`` line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_m4a(path: Path, audio: np.ndarray, sr: int) -> None:
    """AAC in an MP4 container, bit-exact (no creation time, no encoder tag)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [exe, "-nostdin", "-loglevel", "error", "-y", "-threads", "1", "-f", "wav",
           "-i", "pipe:0", "-c:a", "aac", "-b:a", "96k", "-map_metadata", "-1",
           "-fflags", "+bitexact", "-flags:a", "+bitexact", "-movflags", "+faststart",
           str(path)]  # fmt: skip
    subprocess.run(cmd, input=wav_bytes(audio, sr), check=True, capture_output=True, timeout=120)


def write_video(path: Path, audio: np.ndarray, sr: int) -> None:
    """``audio`` as the sound track (AAC) of a video (MPEG-4 part 2, 32x32 black, 10 fps) in the
    container of ``path``'s suffix (``.mp4``, ``.avi``), bit-exact like :func:`write_m4a`."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
    path.parent.mkdir(parents=True, exist_ok=True)
    seconds = f"{len(audio) / sr:.3f}"
    cmd = [exe, "-nostdin", "-loglevel", "error", "-y", "-threads", "1",
           "-f", "lavfi", "-i", f"color=c=black:s=32x32:r=10:d={seconds}",
           "-f", "wav", "-i", "pipe:0", "-c:v", "mpeg4", "-c:a", "aac", "-b:a", "96k",
           "-map_metadata", "-1", "-fflags", "+bitexact", "-flags", "+bitexact",
           str(path)]  # fmt: skip
    subprocess.run(cmd, input=wav_bytes(audio, sr), check=True, capture_output=True, timeout=120)


def _xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """openpyxl's workbook of one sheet ``Sheet1``, with fixed document times."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    fixed = dt.datetime(2023, 1, 1)
    wb.properties.creator = "crossemo demo"
    wb.properties.created = wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _pin_zip(data: bytes) -> bytes:
    """The xlsx zip rewritten with fixed entry dates and a fixed ``modified`` stamp."""
    out = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(data))
    with src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with now()
                entry = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2023-01-01T00:00:00Z",
                               entry)  # fmt: skip
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, entry)
    return out.getvalue()


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    """An xlsx with fixed document times and zip entry dates (byte-identical reruns)."""
    write_bytes(path, _pin_zip(_xlsx_bytes(header, rows)))


def write_csd(path: Path, root_name: str, data: dict[str, dict[str, np.ndarray]],
              metadata: dict[str, object]) -> None:  # fmt: skip
    """A computational sequence laid out as the CMU Multimodal SDK's ``write_CSD`` does."""
    import h5py

    path.parent.mkdir(parents=True, exist_ok=True)
    md5 = hashlib.md5()
    for vid in data:
        md5.update(vid.encode())
        md5.update(np.ascontiguousarray(data[vid]["features"]).tobytes())
        md5.update(np.ascontiguousarray(data[vid]["intervals"]).tobytes())
    metadata = {**metadata, "md5": md5.hexdigest()}
    with h5py.File(path, "w", track_order=False) as fh:
        root = fh.create_group(root_name)
        group = root.create_group("data")
        for vid, entry in data.items():
            g = group.create_group(vid)
            g.create_dataset("features", data=entry["features"])
            g.create_dataset("intervals", data=entry["intervals"])
        meta = root.create_group("metadata")
        for key, value in metadata.items():
            ds = meta.create_dataset(key, (1,), dtype=h5py.special_dtype(vlen=str))
            ds[0] = json.dumps(value)
