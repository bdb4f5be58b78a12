"""Emotion prosody and synthetic speakers: what the renderer is asked to do per utterance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prosody:
    """How one emotion is rendered. ``rate`` scales words/min, ``pitch`` adds to espeak's -p."""

    rate: float = 1.0
    pitch: float = 0.0
    amp: float = 100.0  # espeak -a
    gain: float = 0.5  # output peak
    swing: float = 0.0  # slow pitch undulation depth, cents (lively intonation)
    glide: float = 0.0  # pitch drift over the clip, cents (+ rising, - falling)
    vibrato: float = 0.0  # fast pitch wobble depth, cents (6-7 Hz)
    tremolo: float = 0.0  # amplitude modulation depth 0..1 (8-10 Hz)
    drive: float = 0.0  # tanh saturation (harsh, pressed voice)
    lowpass: float = 0.0  # one-pole low-pass coefficient 0..0.9 (soft, dark voice)


NEUTRAL = Prosody()

#: Prosody of each rendered emotion; corpora map their labels onto these.
PROSODY: dict[str, Prosody] = {
    "neutral": NEUTRAL,
    "calm": Prosody(rate=0.86, pitch=-5, amp=80, gain=0.32, lowpass=0.6),
    "happy": Prosody(rate=1.12, pitch=14, amp=125, gain=0.7, swing=160),
    "excited": Prosody(rate=1.25, pitch=20, amp=160, gain=0.85, swing=220, drive=0.8),
    "sad": Prosody(rate=0.78, pitch=-10, amp=70, gain=0.28, glide=-180, lowpass=0.75),
    "angry": Prosody(rate=1.18, pitch=6, amp=190, gain=0.95, swing=60, drive=4.0),
    "frustrated": Prosody(rate=1.04, pitch=-2, amp=150, gain=0.75, drive=1.8, glide=-60),
    "fearful": Prosody(rate=1.28, pitch=18, amp=105, gain=0.5, vibrato=70, tremolo=0.35),
    "disgust": Prosody(rate=0.8, pitch=-15, amp=115, gain=0.55, drive=1.0, tremolo=0.2, glide=-90),
    "surprised": Prosody(rate=1.02, pitch=22, amp=145, gain=0.75, glide=420),
    "pleasant_surprise": Prosody(rate=1.06, pitch=24, amp=140, gain=0.72, glide=360, swing=120),
    "boredom": Prosody(rate=0.7, pitch=-12, amp=75, gain=0.33, lowpass=0.5),
}


def scaled(p: Prosody, k: float) -> Prosody:
    """The prosody ``k`` times as far from neutral (intensity levels)."""
    if k == 1.0:
        return p
    fields = {f: getattr(NEUTRAL, f) + k * (getattr(p, f) - getattr(NEUTRAL, f))
              for f in p.__dataclass_fields__}  # fmt: skip
    fields["gain"] = min(fields["gain"], 0.98)
    fields["lowpass"] = min(max(fields["lowpass"], 0.0), 0.9)
    return Prosody(**fields)


@dataclass(frozen=True)
class Speaker:
    """A synthetic speaker: espeak voice (breath-free variants only) plus a pitch offset."""

    voice: str
    gender: str  # "male" / "female"
    pitch: int = 0
    rate: float = 1.0


def en(variant: str, gender: str, pitch: int = 0, rate: float = 1.0) -> Speaker:
    """An English speaker on espeak-ng's voice variant ``variant`` (``m3``, ``f1`` ...)."""
    return Speaker(f"en+{variant}", gender, pitch, rate)
