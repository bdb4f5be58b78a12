"""PAVOQUE (44.1 kHz, segmented): ``PAVOQUE/pavoque-angry.flac`` + ``pavoque-angry.yaml``.

One male German speaker, one long FLAC per style (``neutral`` ``angry`` ``happy`` ``sad``: the
four of basic4) and beside it the YAML segmentation the release ships: a list of segments with
``prompt`` (``m0001`` ...), ``style``, ``start``, ``end`` (seconds) and ``text``, the prompts
read one after another with pauses between them. ``pavoque-outtakes`` holds further takes of
some prompts in several styles, their prompts with a take letter (``m0002a``), labelled by
each segment's ``style``. German voice ``de``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from .formats import wav_bytes, write_bytes
from .prosody import Speaker
from .render import Job, render_all, rng_for
from .sizes import SAMPLE_RATES, SIZES

PAVOQUE_SPEAKER = Speaker("de+m3", "male", -2, 1.1)
PAVOQUE_STYLES = {"neutral": "neutral", "angry": "angry", "happy": "happy", "sad": "sad"}
PAVOQUE_PROMPTS = (  # long enough that no brisk take falls under preprocess.min_duration
    "Der Zug fährt um acht Uhr ab.", "Wir treffen uns morgen am Bahnhof.",
    "Das Fenster steht schon wieder offen.", "Er hat den Schlüssel zu Hause vergessen.",
    "Die Suppe auf dem Herd ist noch heiß.", "Im Garten blühen jetzt die roten Rosen.",
    "Sie liest jeden Abend die Zeitung.", "Das Konzert in der Halle beginnt gleich.",
    "Der Hund schläft unter dem Tisch.", "Morgen soll es den ganzen Tag regnen.",
    "Ich habe das Paket abgeholt.", "Die Kinder spielen draußen im Hof.",
)  # fmt: skip
#: the segments' pause range, seconds (the speaker's breaks between prompts)
PAUSE_S = (0.4, 1.2)


def _segments(style: str) -> list[tuple[str, str, str]]:
    """(prompt, style, text) of every segment of one recording (``outtakes``: mixed styles)."""
    size = SIZES["PAVOQUE"]
    if style == "outtakes":
        styles, n = list(PAVOQUE_STYLES), len(PAVOQUE_PROMPTS)
        return [(f"m{k % n + 1:04d}{'abc'[k % 3]}", styles[k % len(styles)], PAVOQUE_PROMPTS[k % n])
                for k in range(size["outtakes"])]  # fmt: skip
    offset = list(PAVOQUE_STYLES).index(style) * 3
    picks = [(offset + k) % len(PAVOQUE_PROMPTS) for k in range(size["prompts_per_style"])]
    return [(f"m{p + 1:04d}", style, PAVOQUE_PROMPTS[p]) for p in picks]


def _recording(style: str, seed: int) -> tuple[np.ndarray, list[dict]]:
    """One recording's audio and its YAML segments."""
    sr = SAMPLE_RATES["PAVOQUE"]
    segments = _segments(style)
    jobs = [Job(f"pavoque/{style}/{prompt}", text, PAVOQUE_SPEAKER, PAVOQUE_STYLES[s], sr,
                pad=False) for prompt, s, text in segments]  # fmt: skip
    rng = rng_for(seed, f"pavoque/{style}")
    parts, entries, clock = [], [], 0
    for (prompt, s, text), clip in zip(segments, render_all(jobs, seed), strict=True):
        pause = np.zeros(int(rng.uniform(*PAUSE_S) * sr), dtype=np.float32)
        parts += [pause, clip.audio]
        start = clock + len(pause)
        clock = start + len(clip.audio)
        entries.append({"prompt": prompt, "style": s, "start": round(start / sr, 3),
                        "end": round(clock / sr, 3), "text": text})  # fmt: skip
    parts.append(np.zeros(int(PAUSE_S[1] * sr), dtype=np.float32))
    return np.concatenate(parts), entries


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/PAVOQUE``; returns its recording count (segments: ``truth``)."""
    root, sr = out_dir / "PAVOQUE", SAMPLE_RATES["PAVOQUE"]
    segments = 0
    for style in (*PAVOQUE_STYLES, "outtakes"):
        audio, entries = _recording(style, seed)
        write_bytes(root / f"pavoque-{style}.flac", wav_bytes(audio, sr, fmt="FLAC"))
        text = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True)
        write_bytes(root / f"pavoque-{style}.yaml", text.encode())
        segments += len(entries)
    truth["speakers"]["PAVOQUE/roettig"] = PAVOQUE_SPEAKER.gender
    truth["quirks"]["PAVOQUE"] = {"segments": segments}
    return {"PAVOQUE": len(PAVOQUE_STYLES) + 1}
