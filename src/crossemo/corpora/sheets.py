"""Reading the CSV and spreadsheet files users hand us (label sheets, metadata, StrEmo's sheet).

pandas reports an empty file, a Latin-1 byte or a bad quote with a traceback that names no
file; :func:`read_csv_sheet` and :func:`read_excel_sheet` raise :class:`SheetError` naming the
file, the line where it helps, and what to do. UTF-8 (with or without a byte-order mark) and
UTF-16 with a byte-order mark are read; other encodings are refused rather than guessed (a
wrong guess silently garbles labels and transcripts).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crossemo.core.reasons import NO_AUDIO_FOR_LABEL, NO_LABEL

if TYPE_CHECKING:  # the sheet readers stay light (StrEmo's sheet): the walk is imported in use
    from crossemo.corpora.base import Reject, Scan, Utterance

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SAVE_AS_UTF8 = (
    "save it as UTF-8 (a spreadsheet's 'CSV UTF-8' export) or convert it, "
    "e.g. iconv -f latin1 -t utf-8 OLD > NEW"
)


_OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")


class SheetError(ValueError):
    """A sheet that cannot be read; the message names the file and what to do."""


def read_csv_sheet(path: str | Path, what: str = "sheet", **read_csv) -> pd.DataFrame:
    """``pandas.read_csv`` of ``path`` (keyword arguments passed on) with errors that name
    the file (``what`` says which file it is, e.g. ``label sheet``)."""
    path = Path(path)
    text = decode_text(_read_bytes(path, what), path, what)
    if not text.strip():
        raise SheetError(f"{what} {path} is empty; expected a header line and one row per item")
    try:
        return pd.read_csv(io.StringIO(text), **read_csv)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise SheetError(f"{what} {path}: not a readable CSV file: {_first_line(err)}") from None


def read_excel_sheet(path: str | Path, what: str = "sheet", **read_excel) -> pd.DataFrame:
    """``pandas.read_excel`` of ``path`` with errors that name the file.

    A formula cell of an ``.xlsx`` is read as its formula text (``=1+1``): data, never evaluated
    and never replaced by whatever value the program that saved the file cached for it.
    """
    path = Path(path)
    if not path.is_file():
        raise SheetError(f"{what} {path} not found; check the path")
    if path.suffix.lower() in _OPENPYXL_SUFFIXES:
        read_excel.setdefault("engine_kwargs", {"data_only": False})
    try:
        return pd.read_excel(path, **read_excel).map(_formula_text)
    except ImportError:
        raise
    except Exception as err:  # noqa: BLE001 - openpyxl/xlrd raise many kinds for a bad file
        raise SheetError(
            f"{what} {path}: not a readable spreadsheet ({type(err).__name__}: "
            f"{_first_line(err)}); open and save it again as .xlsx, or export it as CSV UTF-8"
        ) from None


def _formula_text(value: object) -> object:
    """An openpyxl array or data-table formula object as its formula text; others unchanged."""
    text = getattr(value, "text", None)
    return text if isinstance(text, str) and not isinstance(value, str) else value


def decode_text(data: bytes, path: Path, what: str) -> str:
    """UTF-8 (BOM or not) or BOM-marked UTF-16 text; :class:`SheetError` otherwise."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise SheetError(
            f"{what} {path}: holds NUL bytes (UTF-16 without a byte-order mark, or not a "
            f"text file); {_SAVE_AS_UTF8}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SheetError(
            f"{what} {path}: not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}, "
            f"Latin-1 or Windows-1252 perhaps); {_SAVE_AS_UTF8}"
        ) from None


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SheetError(f"{what} {path} not found; check the path") from None
    except OSError as err:
        raise SheetError(f"{what} {path}: cannot read it ({err.strerror or err})") from None


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# ---- label sheets beside a corpus's audio (adapters of sheet-labelled corpora) ----
def find_sheets(root: Path, suffix: str) -> dict[str, Path]:
    """``<name><suffix>`` files anywhere under ``root`` (case-insensitive), by ``<name>``
    (lower-case); the first in path order when one name is found twice."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        name = path.name.lower()
        if name.endswith(suffix) and not path.name.startswith("._") and path.is_file():
            found.setdefault(name[: -len(suffix)], path)
    return found


def scan_keyed(
    root: Path,
    labels: Mapping[str, object],
    key: Callable[[Path], str],
    parse: Callable[[Path, object], Utterance | Reject],
    sheet: Path,
) -> Scan:
    """Audio files matched to ``labels`` by ``key(path)``: ``parse(path, label)`` for each
    match, a ``no_label`` reject for audio without a label and a ``no_audio_for_label`` one
    (at ``sheet``) for a label without audio."""
    from crossemo.corpora.base import Reject, Scan, walk_audio

    audio, junk = walk_audio(root)
    found, seen = Scan(rejects=junk), set()
    for path in audio:
        name = key(path)
        if name not in labels:
            found.add(Reject(path, NO_LABEL, f"{name} is not in {sheet.name}"))
            continue
        seen.add(name)
        found.add(parse(path, labels[name]))
    for name in sorted(set(labels) - seen):
        found.add(Reject(sheet, NO_AUDIO_FOR_LABEL, f"no audio file {name}"))
    return found
