"""Helpers for the StrEmo tests: small media files made with ffmpeg, sheets written to disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

COLUMNS = ["Filename", "Language", "Gender", "Ethnicity", "Accent", "Age", "Clip Time From",
           "Clip Time To", "Video_Id", "Source", "Emotion"]  # fmt: skip


def make_media(path: Path, seconds: float = 8.0, freq: int = 330, ext_codec: str = "aac",
               keep: float = 1.0) -> Path:  # fmt: skip
    """A stereo 44.1 kHz AAC (m4a) "video" of ``seconds`` tone; ``keep < 1`` keeps only that
    fraction of the file's bytes (its header, written first, still says ``seconds``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={freq}:duration={seconds}", "-ar", "44100", "-ac", "2",
         "-c:a", ext_codec, "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    if keep < 1.0:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
    return path


def sheet_row(name, video, start, end, emotion, gender="Male") -> dict:
    return dict(zip(COLUMNS, [name, "English", gender, "White", "British", "30-40", start, end,
                              video, "YouTube", emotion], strict=True))  # fmt: skip


def write_sheet(rows: list[dict], path: Path) -> Path:
    table = pd.DataFrame(rows, columns=COLUMNS)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_excel(path, index=False)
    return path
