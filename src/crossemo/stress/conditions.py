"""Stress conditions: the config's ``stress.conditions`` list expanded to named conditions.

A config entry names a ``type`` and its settings; one numeric setting may be a list, a sweep
that expands to one condition per value (``{type: noise, color: white, snr_db: [20, 0]}`` ->
``noise_white_snr20dB`` and ``noise_white_snr0dB``). A condition is named by its settings, so
the same settings always give the same name (and the same cached perturbed audio), and a
condition added later adds only its own jobs. Names are ``type`` then ``_``-joined parts, a
signed quantity with its sign (``gain_-20dB``, ``pitch_+2st``).

:data:`TYPES` is the registry: each type's settings in name order, their kind, unit and
default. The *family* of a condition is its type with its categorical settings
(``noise_white``, ``codec_mp3``): a degradation curve plots one family against its *axis*, the
numeric setting (SNR, bitrate, RT60 ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: wildcard constraint of ``{condition}`` (what :func:`condition_name` writes)
CONDITION_PATTERN = r"[a-z]+(?:_[A-Za-z0-9.+-]+)*"


@dataclass(frozen=True)
class Setting:
    """One setting of a condition type: how it is written in the name (``prefix`` value
    ``unit``), its kind (``choice``: one of ``choices``; ``number``), whether the name shows
    its sign, and its default (None: required)."""

    key: str
    kind: str
    prefix: str = ""
    unit: str = ""
    choices: tuple[str, ...] = ()
    signed: bool = False
    default: Any = None


def _number(key: str, prefix: str = "", unit: str = "", *, signed: bool = False,
            default: Any = None) -> Setting:  # fmt: skip
    return Setting(key, "number", prefix, unit, signed=signed, default=default)


#: condition type -> its settings, in the order the name writes them
TYPES: dict[str, tuple[Setting, ...]] = {
    "identity": (),
    "noise": (
        Setting("color", "choice", choices=("white", "pink", "babble")),
        _number("snr_db", "snr", "dB", signed=False),
    ),
    "telephone": (),  # 300-3400 Hz band, through 8 kHz and back
    "codec": (
        Setting("codec", "choice", choices=("mp3", "opus", "gsm", "mulaw")),
        _number("bitrate_kbps", "", "kbps", default=0),  # 0: the codec's own (gsm, mulaw)
    ),
    "reverb": (_number("rt60_s", "rt", "s"),),
    "gain": (_number("db", "", "dB", signed=True),),
    "clipping": (_number("level", "", "fs"),),  # clip at this fraction of full scale
    "speed": (_number("factor", "x"),),
    "pitch": (_number("semitones", "", "st", signed=True),),
    "tilt": (_number("db_per_octave", "", "dBoct", signed=True),),
}
#: codecs whose bitrate is fixed by the codec (GSM 13 kbit/s, G.711 mu-law 64 kbit/s)
FIXED_RATE_CODECS = ("gsm", "mulaw")


class ConditionError(ValueError):
    """A stress condition the config cannot mean; the message names its key."""


def _format(value: float) -> str:
    text = f"{float(value):g}"
    return text.replace("e+0", "e").replace("e-0", "e-")


def condition_name(spec: Mapping[str, Any]) -> str:
    """The name of one expanded condition (every setting a single value)."""
    parts = [spec["type"]]
    for s in TYPES[spec["type"]]:
        value = spec.get(s.key, s.default)
        if s.kind == "choice":
            parts.append(str(value))
        elif not (s.default is not None and value == s.default):
            sign = "+" if s.signed and float(value) > 0 else ""
            parts.append(f"{s.prefix}{sign}{_format(value)}{s.unit}")
    return "_".join(parts)


def condition_family(spec: Mapping[str, Any]) -> str:
    """Type and categorical settings (``noise_white``, ``codec_mp3``): one degradation curve."""
    choices = [str(spec[s.key]) for s in TYPES[spec["type"]] if s.kind == "choice"]
    return "_".join([spec["type"], *choices])


def condition_axis(spec: Mapping[str, Any]) -> tuple[str, float] | None:
    """The numeric setting a family's curve is drawn against (``("snr_db", 10.0)``); None for
    a type without one (identity, telephone) or a codec at its fixed rate."""
    for s in TYPES[spec["type"]]:
        if s.kind == "number" and spec.get(s.key, s.default) != s.default:
            return s.key, float(spec[s.key])
    return None


def expand(conditions: Sequence[Mapping[str, Any]], where: str = "stress.conditions"
           ) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Name -> single settings (with ``type``) of every condition of a config list, in the
    list's order, sweeps expanded; refuses unknown types and settings, bad choices, a missing
    setting, a sweep over two settings and two entries that name the same condition."""
    out: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(conditions):
        key = f"{where}[{i}]"
        for spec in _expand_entry(entry, key):
            name = condition_name(spec)
            if name in out:
                raise ConditionError(f"{key}: condition {name} is listed twice")
            out[name] = spec
    return out


def _expand_entry(entry: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    kind = entry.get("type")
    if kind not in TYPES:
        raise ConditionError(f"{key}.type: {kind!r} is not one of {', '.join(TYPES)}")
    settings = {s.key: s for s in TYPES[kind]}
    unknown = sorted(set(entry) - {"type", *settings})
    if unknown:
        raise ConditionError(f"{key}: {kind} takes {', '.join(settings) or 'no settings'}, "
                             f"not {', '.join(unknown)}")  # fmt: skip
    sweeps = [k for k, v in entry.items() if isinstance(v, list)]
    if len(sweeps) > 1:
        raise ConditionError(f"{key}: sweep one setting at a time, not {', '.join(sweeps)}")
    values = entry[sweeps[0]] if sweeps else [None]
    if sweeps and not values:
        raise ConditionError(f"{key}.{sweeps[0]}: an empty list")
    specs = []
    for value in values:
        spec = {"type": kind, **{k: v for k, v in entry.items() if k != "type"}}
        if sweeps:
            spec[sweeps[0]] = value
        specs.append(_checked(spec, settings, key))
    return specs


def _checked(spec: dict[str, Any], settings: Mapping[str, Setting], key: str) -> dict[str, Any]:
    for name, s in settings.items():
        value = spec.get(name, s.default)
        if value is None:
            raise ConditionError(f"{key}.{name}: {spec['type']} needs it")
        if s.kind == "choice" and value not in s.choices:
            raise ConditionError(f"{key}.{name}: {value!r} is not one of {', '.join(s.choices)}")
        if s.kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConditionError(f"{key}.{name}: {value!r} is not a number")
        spec[name] = value
    if spec["type"] == "codec":
        fixed = spec["codec"] in FIXED_RATE_CODECS
        if fixed == bool(spec["bitrate_kbps"]):
            raise ConditionError(
                f"{key}.bitrate_kbps: "
                + (
                    "gsm and mulaw have a fixed rate: leave it out"
                    if fixed
                    else f"{spec['codec']} needs a bitrate (kbit/s)"
                )  # fmt: skip
            )
    return spec


def is_condition_name(text: str) -> bool:
    """Whether ``text`` is written as :func:`condition_name` writes names."""
    return re.fullmatch(CONDITION_PATTERN, text) is not None
