"""EmoDB (16 kHz): ``EmoDB/wav/03a01Fa.wav``.

Speaker 03 08 09 10 11 12 13 14 15 16 (real genders), text a01 a02 a04 a07 b01 b10 (the
shorter real texts; each speaker reads all six), emotion W L E A F T N (anger boredom disgust
fear happiness sadness neutral), version a/b. German voice ``de``.
"""

from __future__ import annotations

from pathlib import Path

from .formats import wav_bytes, write_bytes
from .prosody import Speaker
from .render import Job, render_all
from .sizes import SAMPLE_RATES, SIZES

EMODB_TEXTS = {  # the shorter of the ten EmoDB texts (the others run past 4 s when slow)
    "a01": "Der Lappen liegt auf dem Eisschrank.",
    "a02": "Das will sie am Mittwoch abgeben.",
    "a04": "Heute abend könnte ich es ihm sagen.",
    "a07": "In sieben Stunden wird es soweit sein.",
    "b01": "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    "b10": "Die wird auf dem Platz sein, wo wir sie immer hinlegen.",
}
EMODB_EMOTIONS = {"W": "angry", "L": "boredom", "E": "disgust", "A": "fearful", "F": "happy",
                  "T": "sad", "N": "neutral"}  # fmt: skip
EMODB_SPEAKERS = {  # real genders; German voice with breath-free variants, brisk like the actors
    "03": Speaker("de+m3", "male", 0, 1.12), "08": Speaker("de+f1", "female", 4, 1.1),
    "09": Speaker("de+f4", "female", -4, 1.14), "10": Speaker("de+m1", "male", 6, 1.1),
    "11": Speaker("de+m4", "male", -6, 1.12), "12": Speaker("de+m6", "male", 3, 1.16),
    "13": Speaker("de+f1", "female", 12, 1.08), "14": Speaker("de+f4", "female", 8, 1.15),
    "15": Speaker("de+m7", "male", -2, 1.1), "16": Speaker("de+f1", "female", -6, 1.13),
}  # fmt: skip


def _versions(s_i: int, e_i: int) -> list[str]:
    """Version letters of speaker ``s_i``'s take of emotion ``e_i``: ``a``, some also ``b``."""
    versions = ["a"]
    if (e_i - s_i) % len(EMODB_EMOTIONS) < SIZES["EmoDB"]["second_versions"]:
        versions.append("b")
    return versions


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/EmoDB``; returns its file count."""
    root = out_dir / "EmoDB"
    sr = SAMPLE_RATES["EmoDB"]
    texts = list(EMODB_TEXTS)
    jobs, names = [], []
    speakers = list(EMODB_SPEAKERS.items())[: SIZES["EmoDB"]["speakers"]]
    for s_i, (spk_id, spk) in enumerate(speakers):
        for e_i, (letter, emotion) in enumerate(EMODB_EMOTIONS.items()):
            # every speaker reads every text, as EmoDB's actors did (no text tied to a speaker
            # or an emotion): speaker- and sentence-disjoint folds keep test utterances
            text = texts[(s_i + e_i) % len(texts)]
            for v in _versions(s_i, e_i):
                name = f"{spk_id}{text}{letter}{v}"
                jobs.append(Job(f"emodb/{name}", EMODB_TEXTS[text], spk, emotion, sr))
                names.append(name)
        truth["speakers"][f"EmoDB/{spk_id}"] = spk.gender
    for name, clip in zip(names, render_all(jobs, seed), strict=True):
        write_bytes(root / "wav" / f"{name}.wav", wav_bytes(clip.audio, sr))
    return {"EmoDB": len(jobs)}
