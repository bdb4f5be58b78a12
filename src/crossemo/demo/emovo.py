"""EMOVO (48 kHz): ``EMOVO/f1/gio-f1-b1.wav``, Italian.

One folder per actor (``f1`` ``f2`` women, ``m1`` ``m2`` men of the real six), files
``<emotion>-<actor>-<sentence>.wav``; emotions ``neu`` ``gio`` ``tri`` ``rab`` (neutral, joy,
sadness, anger: the four of basic4), sentences from the real fourteen (the short ``b``, question
``d`` and nonsense ``n`` ones), rotated per actor. Italian voice ``it``.
"""

from __future__ import annotations

from pathlib import Path

from crossemo.corpora.emovo import SENTENCE

from .formats import wav_bytes, write_bytes
from .prosody import Speaker
from .render import Job, render_all
from .sizes import SAMPLE_RATES, SIZES

EMOVO_EMOTIONS = {"neu": "neutral", "gio": "happy", "tri": "sad", "rab": "angry"}
EMOVO_SPEAKERS = {
    "f1": Speaker("it+f1", "female", 2, 1.05), "f2": Speaker("it+f4", "female", -3, 1.1),
    "m1": Speaker("it+m1", "male", 0, 1.05), "m2": Speaker("it+m4", "male", -5, 1.1),
}  # fmt: skip
#: the sentence codes the demo reads (the shorter real ones)
EMOVO_SENTENCES = ("b1", "b2", "b3", "d1", "d2", "n1", "n3")


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/EMOVO``; returns its file count."""
    sr = SAMPLE_RATES["EMOVO"]
    per_emotion = SIZES["EMOVO"]["sentences_per_emotion"]
    jobs, names = [], []
    for s_i, (actor, spk) in enumerate(EMOVO_SPEAKERS.items()):
        for e_i, (code, emotion) in enumerate(EMOVO_EMOTIONS.items()):
            for k in range(per_emotion):
                sentence = EMOVO_SENTENCES[(2 * s_i + 3 * e_i + k) % len(EMOVO_SENTENCES)]
                name = f"{code}-{actor}-{sentence}"
                jobs.append(Job(f"emovo/{name}", SENTENCE[sentence], spk, emotion, sr))
                names.append(f"{actor}/{name}.wav")
        truth["speakers"][f"EMOVO/{actor}"] = spk.gender
    for name, clip in zip(names, render_all(jobs, seed), strict=True):
        write_bytes(out_dir / "EMOVO" / name, wav_bytes(clip.audio, sr))
    return {"EMOVO": len(jobs)}
