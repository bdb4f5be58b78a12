"""Input text stays text: CSV cells a spreadsheet would run as formulas, and control characters
that would drive a terminal (crossemo.core.safe_text, and every writer and printer using it)."""

from __future__ import annotations

import ast
import csv
import logging
from pathlib import Path

import pandas as pd
import pytest
from audio_quirks import write

from crossemo.cli import main
from crossemo.core.configuration import ConfigError, require_known_keys
from crossemo.core.runtime import route_logging
from crossemo.core.safe_text import (
    FORMULA_STARTS,
    spreadsheet_cell,
    spreadsheet_safe,
    terminal_text,
    write_csv,
)
from crossemo.report.deviations import write_deviations

SRC = Path(__file__).resolve().parents[2] / "src" / "crossemo"
FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]  # fmt: skip
TERMINAL = ["\x1b]0;pwned\x07", "\x1b[2J"]


def formula_cells(path: Path) -> list[str]:
    """Cells of a CSV file that a spreadsheet would read as a formula (numbers are numbers)."""
    with open(path, newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    return [c for c in cells if c.startswith(FORMULA_STARTS) and not _is_number(c)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_formula_cell_becomes_text(cell):
    assert spreadsheet_cell(cell) == "'" + cell.replace("\r", "\n")


@pytest.mark.parametrize("value", [-1.5, -3, 0, "plain", "a=b", None, "'quoted"])
def test_other_cells_are_left_alone(value):
    assert spreadsheet_cell(value) == value


def test_write_csv_leaves_no_formula_cell(tmp_path):
    table = pd.DataFrame(
        {
            "speaker": FORMULAS,
            "score": [-1.5, 2, -3, 0, 1, -0.25],
            "=class": pd.Categorical(["=A1", "ok", "@x", "-y", "+z", "ok"]),
        }  # fmt: skip
    )
    write_csv(table, tmp_path / "t.csv", index=False)
    assert formula_cells(tmp_path / "t.csv") == []
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back["score"]) == [-1.5, 2, -3, 0, 1, -0.25]  # numbers stay numbers
    assert back["speaker"][0] == "'" + FORMULAS[0]
    assert table["speaker"][0] == FORMULAS[0]  # the caller's table is not changed
    assert list(spreadsheet_safe(table.set_index("speaker")).index) == [
        "'" + f.replace("\r", "\n") for f in FORMULAS
    ]


def test_the_deviations_writer_leaves_no_formula_cell(tmp_path):
    entries = [{"topic": f, "paper": f, "ours": f, "keys": [f]} for f in FORMULAS[:4]]
    write_deviations(entries, md=tmp_path / "d.md", csv=tmp_path / "d.csv")
    assert formula_cells(tmp_path / "d.csv") == []


def _calls_to_csv(path: Path) -> list[int]:
    tree = ast.parse(path.read_text())
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "to_csv"
    ]


def test_every_csv_writer_neutralises_formulas():
    """Every CSV crossemo writes goes through safe_text.write_csv (no bare DataFrame.to_csv)."""
    bare = {
        str(path.relative_to(SRC)): lines
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "safe_text.py" and (lines := _calls_to_csv(path))
    }
    assert not bare, f"DataFrame.to_csv outside crossemo.core.safe_text.write_csv: {bare}"


# ---- terminal ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", TERMINAL + ["a\rb", "\x9b2J", "x\u202ey", "\x7f"])
def test_terminal_text_escapes_control_characters(text):
    shown = terminal_text(f"speaker {text}\nnext line\tok")
    assert shown.endswith("\nnext line\tok")
    assert all(ch.isprintable() or ch in "\n\t" for ch in shown), repr(shown)
    assert "\\x1b" in terminal_text("\x1b[2J") and "\\x07" in terminal_text("\x07")


SHEET = "path,label,speaker\n{good},ang,{s1}\nb.wav,ang,{s2}\nmissing{esc}.wav,ang,s3\n"


def test_cli_ingest_prints_no_raw_control_characters(tmp_path, capsys):
    root = tmp_path / "corpus"
    good = f"a{TERMINAL[1]}.wav"
    write(root / good, 0.2)
    write(root / "b.wav", 0.2)
    (root / "labels.csv").write_text(
        SHEET.format(good=good, s1=f"s{TERMINAL[0]}", s2=f"t{TERMINAL[1]}", esc=TERMINAL[0])
    )
    argv = ["ingest", "mine", str(root), "--adapter", "csv", "-o", str(tmp_path / "m.parquet"),
            "--option", "label_map=ang=anger"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert "mine: 2 utterances, 1 rejected" in printed.out
    assert "mine/s\\x1b]0;pwned\\x07" in printed.out  # shown, escaped
    for stream in (printed.out, printed.err):
        assert "\x1b" not in stream and "\x07" not in stream


def test_cli_error_messages_print_no_raw_control_characters(tmp_path, capsys):
    argv = ["ingest", "mine", str(tmp_path / f"no{TERMINAL[0]}"), "-o", str(tmp_path / "m.parquet")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "error" in err and "\x1b" not in err and "\x07" not in err


def test_start_up_errors_print_no_raw_control_characters():
    with pytest.raises(ConfigError) as err:
        require_known_keys({"corpora": {}, f"x{TERMINAL[1]}": 1, f"y{TERMINAL[0]}": 2})
    assert "x\\x1b[2J: unknown key" in str(err.value)
    assert "\x1b" not in str(err.value) and "\x07" not in str(err.value)


def test_rule_logs_hold_no_raw_control_characters(tmp_path):
    route_logging(tmp_path / "rule.log")
    try:
        logging.getLogger("crossemo.test").warning("speaker %s, file %s", *TERMINAL)
    finally:
        logging.basicConfig(force=True)
    text = (tmp_path / "rule.log").read_text()
    assert "speaker \\x1b]0;pwned\\x07" in text and "\x1b" not in text
