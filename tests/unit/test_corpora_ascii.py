"""Name patterns read ASCII digits only: another script's digit is a reject, never an actor."""

from __future__ import annotations

import importlib
import re

import pytest
from audio_quirks import write

from crossemo.corpora import ADAPTERS, ingest
from crossemo.strEmo.sheet import parse_time

ARABIC_ONE = "\u0661"  # ARABIC-INDIC DIGIT ONE: str.isdigit() and re's \d accept it, so does int()


@pytest.mark.parametrize(
    ("adapter_name", "good", "bad"),
    [
        ("ravdess", "03-01-01-01-01-01-01.wav", f"03-01-01-01-01-01-0{ARABIC_ONE}.wav"),
        ("emodb", "03a01Fa.wav", f"0{ARABIC_ONE}a01Fa.wav"),
        ("savee", "DC_a01.wav", f"DC_a0{ARABIC_ONE}.wav"),
        ("cremad", "1001_DFA_ANG_XX.wav", f"100{ARABIC_ONE}_DFA_ANG_XX.wav"),
    ],
)
def test_a_non_ascii_digit_in_a_file_name_is_a_reject(tmp_path, adapter_name, good, bad):
    root = tmp_path / adapter_name
    write(root / "audio" / good)
    write(root / "audio" / bad)
    manifest, rejects = ingest(adapter_name, root, "c")
    assert len(manifest) == 1
    assert list(zip(rejects.path, rejects.reason, strict=True)) == [
        (str(root / "audio" / bad), "unparsable_name")
    ]


def test_a_non_ascii_digit_in_an_iemocap_name_is_a_reject(tmp_path):
    session = tmp_path / "IEMOCAP" / "Session1"
    labels = session / "dialog" / "EmoEvaluation" / "Ses01F_impro01.txt"
    labels.parent.mkdir(parents=True)
    good, bad = "Ses01F_impro01_F000", f"Ses0{ARABIC_ONE}F_impro01_F001"
    labels.write_text(
        f"[0.5 - 2.0]\t{good}\tneu\t[2.5, 2.5, 2.5]\n[2.5 - 4.0]\t{bad}\tneu\t[2.5, 2.5, 2.5]\n"
    )
    wav = session / "sentences" / "wav" / "Ses01F_impro01"
    write(wav / f"{good}.wav")
    write(wav / f"{bad}.wav")
    manifest, rejects = ingest("iemocap", tmp_path / "IEMOCAP", "iemocap")
    assert list(manifest.utt_id) == [f"iemocap/{good}"]
    assert ("unparsable_name", str(wav / f"{bad}.wav")) in set(
        zip(rejects.reason, rejects.path, strict=True)
    )


def test_strEmo_times_read_ascii_digits_only():
    assert parse_time("0:00:12") == 12.0
    for text in (f"0:00:{ARABIC_ONE}2", f"{ARABIC_ONE}2", "inf", "1e309"):
        with pytest.raises(ValueError, match="bad time"):
            parse_time(text)


ADAPTER_MODULES = sorted(
    {*(f"crossemo.corpora.{m}" for m in ADAPTERS.values()), "crossemo.strEmo.sheet"}
)


@pytest.mark.parametrize("module", ADAPTER_MODULES)
def test_every_adapter_pattern_is_ascii(module):
    loaded = importlib.import_module(module)
    patterns = [v for v in vars(loaded).values() if isinstance(v, re.Pattern)]
    unicode = [p.pattern for p in patterns if not p.flags & re.ASCII]
    assert unicode == [], f"{module}: compile these with re.ASCII"
