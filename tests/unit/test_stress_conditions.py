"""The grammar of stress conditions: config entries -> named single conditions."""

from __future__ import annotations

import pytest

from crossemo.stress.conditions import (
    TYPES,
    ConditionError,
    condition_axis,
    condition_family,
    condition_name,
    expand,
    is_condition_name,
)

CONFIG = [
    {"type": "identity"},
    {"type": "noise", "color": "white", "snr_db": [20, 0, -20]},
    {"type": "noise", "color": "babble", "snr_db": 10},
    {"type": "telephone"},
    {"type": "codec", "codec": "mp3", "bitrate_kbps": [16, 8]},
    {"type": "codec", "codec": "gsm"},
    {"type": "reverb", "rt60_s": 0.6},
    {"type": "gain", "db": [-20, 6]},
    {"type": "clipping", "level": 0.25},
    {"type": "speed", "factor": 0.9},
    {"type": "pitch", "semitones": [-2, 2]},
    {"type": "tilt", "db_per_octave": -3},
]


def test_sweeps_expand_to_names_written_by_their_settings():
    names = list(expand(CONFIG))
    assert names == [
        "identity", "noise_white_snr20dB", "noise_white_snr0dB", "noise_white_snr-20dB",
        "noise_babble_snr10dB", "telephone", "codec_mp3_16kbps", "codec_mp3_8kbps", "codec_gsm",
        "reverb_rt0.6s", "gain_-20dB", "gain_+6dB", "clipping_0.25fs", "speed_x0.9",
        "pitch_-2st", "pitch_+2st", "tilt_-3dBoct",
    ]  # fmt: skip
    assert all(is_condition_name(n) for n in names)
    assert not is_condition_name("noise/white") and not is_condition_name("Noise")


def test_names_are_unique_per_settings_and_stable():
    conditions = expand(CONFIG)
    for name, spec in conditions.items():
        assert condition_name(spec) == name
        assert all(not isinstance(v, list) for v in spec.values())
    assert len({condition_name(s) for s in conditions.values()}) == len(conditions)
    assert set(TYPES) == {s["type"] for s in conditions.values()}  # every type exercised


def test_families_and_axes_draw_one_curve_per_family():
    conditions = expand(CONFIG)
    white = [s for s in conditions.values() if condition_family(s) == "noise_white"]
    assert [condition_axis(s) for s in white] == [("snr_db", 20.0), ("snr_db", 0.0),
                                                  ("snr_db", -20.0)]  # fmt: skip
    assert condition_family(conditions["codec_mp3_8kbps"]) == "codec_mp3"
    assert condition_axis(conditions["codec_mp3_8kbps"]) == ("bitrate_kbps", 8.0)
    assert condition_axis(conditions["codec_gsm"]) is None
    assert condition_axis(conditions["telephone"]) is None
    assert condition_axis(conditions["gain_-20dB"]) == ("db", -20.0)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "echo"}, "stress.conditions[0].type: 'echo' is not one of identity"),
        ({"type": "noise", "color": "white"}, "stress.conditions[0].snr_db: noise needs it"),
        ({"type": "noise", "color": "red", "snr_db": 3}, ".color: 'red' is not one of"),
        ({"type": "gain", "db": "loud"}, ".db: 'loud' is not a number"),
        ({"type": "gain", "db": 3, "q": 1}, "gain takes db, not q"),
        ({"type": "telephone", "band": 1}, "telephone takes no settings, not band"),
        ({"type": "codec", "codec": "opus"}, ".bitrate_kbps: opus needs a bitrate"),
        ({"type": "codec", "codec": "gsm", "bitrate_kbps": 8}, "gsm and mulaw have a fixed"),
        ({"type": "noise", "color": ["white", "pink"], "snr_db": [1, 2]}, "sweep one setting"),
        ({"type": "gain", "db": []}, ".db: an empty list"),
    ],
)
def test_bad_entries_are_refused_naming_their_key(entry, message):
    with pytest.raises(ConditionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        expand([entry])


def test_the_same_condition_twice_is_refused():
    with pytest.raises(ConditionError, match=r"stress.conditions\[1\]: condition gain_\+3dB"):
        expand([{"type": "gain", "db": [3, 4]}, {"type": "gain", "db": 3}])
