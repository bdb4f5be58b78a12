"""What CMU-MOSEI and StrEmo share: YouTube-style monologue sentences, 11-character video ids
and whole recordings composed of several rendered clips."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .render import Clip, rng_for

MONOLOGUE_SENTENCES = (
    "I honestly think this is the best phone I have ever owned.",
    "The battery lasts all day and the screen is gorgeous.",
    "This movie was a complete waste of my time.",
    "The plot made no sense and the acting was terrible.",
    "So today I want to talk about my trip to the mountains.",
    "We drove for about six hours before we reached the lake.",
    "I was really disappointed with the customer service.",
    "They kept me on hold for almost an hour.",
    "My grandmother passed away last winter.",
    "I still miss her every single day.",
    "You have to try the pasta at this little place downtown.",
    "The price is reasonable for what you get.",
    "I can't stand it when people talk during the show.",
    "The first thing you need to do is open the settings menu.",
    "Honestly, I was not expecting it to be this good.",
    "It arrived two weeks late and the box was crushed.",
    "Thank you all so much for watching my channel.",
    "Let me know in the comments what you think.",
    "The weather was perfect the whole week.",
    "Nobody told us the road was closed.",
    "I'm so excited to finally share this with you.",
    "That is absolutely unacceptable and I want my money back.",
    "Okay, so this is the second part of the review.",
    "The camera takes decent pictures in daylight.",
)

_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def video_ids(seed: int, salt: str, n: int) -> list[str]:
    """``n`` distinct YouTube-style ids (11 characters of ``[A-Za-z0-9_-]``)."""
    rng = rng_for(seed, f"video-ids/{salt}")
    ids: list[str] = []
    while len(ids) < n:
        vid = "".join(_ID_CHARS[i] for i in rng.integers(0, 64, size=11))
        if vid not in ids:
            ids.append(vid)
    return ids


def compose(clips: Sequence[Clip], gaps: Sequence[float], sr: int, lead: float, tail: float,
            rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[float, float]]]:  # fmt: skip
    """One long recording of ``clips`` separated by silences; returns the speech spans (s)."""
    parts = [np.zeros(int(lead * sr), dtype=np.float32)]
    spans = []
    t = lead
    for clip, gap in zip(clips, gaps, strict=True):
        s = clip.audio[round(clip.lead * sr) : round((clip.lead + clip.speech) * sr)]
        spans.append((t, t + len(s) / sr))
        parts += [s, np.zeros(int(gap * sr), dtype=np.float32)]
        t += (len(s) + int(gap * sr)) / sr
    parts.append(np.zeros(int(tail * sr), dtype=np.float32))
    audio = np.concatenate(parts)
    audio += rng.normal(scale=3e-4, size=audio.size).astype(np.float32)
    return np.clip(audio, -1, 1), spans
