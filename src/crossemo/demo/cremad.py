"""CREMA-D (16 kHz): ``CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav``.

Actor, sentence code (IEO TIE IOM IWW TAI MTI IWL ITH DFA ITS TSI WSI), emotion ANG DIS FEA
HAP NEU SAD, level LO MD HI (sentence IEO only) or XX; ``CREMA-D/VideoDemographics.csv`` with
ActorID,Age,Sex,Race,Ethnicity.
"""

from __future__ import annotations

from pathlib import Path

from .formats import wav_bytes, write_bytes, write_csv
from .prosody import Speaker, en
from .render import Job, render_all
from .sizes import SAMPLE_RATES, SIZES

CREMA_SENTENCES = {
    "IEO": "It's eleven o'clock.", "TIE": "That is exactly what happened.",
    "IOM": "I'm on my way to the meeting.", "IWW": "I wonder what this is about.",
    "TAI": "The airplane is almost full.", "MTI": "Maybe tomorrow it will be cold.",
    "IWL": "I would like a new alarm clock.", "ITH": "I think I have a doctor's appointment.",
    "DFA": "Don't forget a jacket.", "ITS": "I think I've seen this before.",
    "TSI": "The surface is slick.", "WSI": "We'll stop in a couple of minutes.",
}  # fmt: skip
CREMA_EMOTIONS = {"ANG": "angry", "DIS": "disgust", "FEA": "fearful", "HAP": "happy",
                  "NEU": "neutral", "SAD": "sad"}  # fmt: skip
CREMA_LEVELS = {"LO": 0.6, "MD": 1.0, "HI": 1.35, "XX": 1.0}
CREMA_ACTORS = [  # ActorID, Age, Sex, Race, Ethnicity, voice
    (1001, 51, "Male", "Caucasian", "Not Hispanic", en("m3", "male", -4)),
    (1002, 21, "Female", "Caucasian", "Not Hispanic", en("f1", "female", 6)),
    (1003, 21, "Female", "Caucasian", "Not Hispanic", en("f4", "female", 0, 1.05)),
    (1004, 42, "Female", "Caucasian", "Not Hispanic", en("f1", "female", -4, 0.95)),
    (1005, 29, "Male", "African American", "Not Hispanic", en("m6", "male", 6)),
    (1006, 58, "Female", "Caucasian", "Not Hispanic", en("f4", "female", -9)),
    (1007, 38, "Male", "Asian", "Not Hispanic", en("m2", "male", 0, 1.05)),
    (1008, 46, "Female", "Caucasian", "Hispanic", en("f1", "female", 10)),
]  # fmt: skip


def _sentences(a: int) -> list[str]:
    """The sentence codes of the ``a``-th actor; the first actor always has IEO."""
    n = SIZES["CREMA-D"]["sentences_per_actor"]
    codes = list(CREMA_SENTENCES)
    sentences = [codes[(a * n + i) % len(codes)] for i in range(n)]
    if a == 0 and "IEO" not in sentences:
        sentences[0] = "IEO"  # the one sentence recorded at several levels
    return sentences


def _actor_jobs(a: int, actor: int, spk: Speaker, sr: int) -> list[tuple[str, Job]]:
    """(file stem, job) of every file of the ``a``-th actor."""
    out = []
    for s_i, code in enumerate(_sentences(a)):
        for e_i, (emo, emotion) in enumerate(CREMA_EMOTIONS.items()):
            level = "XX"
            if code == "IEO" and emo != "NEU":
                level = ("LO", "MD", "HI")[(a + s_i + e_i) % 3]
            name = f"{actor}_{code}_{emo}_{level}"
            out.append((name, Job(f"crema/{name}", CREMA_SENTENCES[code], spk, emotion, sr,
                                  intensity=CREMA_LEVELS[level])))  # fmt: skip
    return out


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/CREMA-D``; returns its file count."""
    root = out_dir / "CREMA-D"
    sr = SAMPLE_RATES["CREMA-D"]
    actors = CREMA_ACTORS[: SIZES["CREMA-D"]["actors"]]
    jobs, paths = [], []
    for a, (actor, _age, sex, _race, _eth, spk) in enumerate(actors):
        for name, job in _actor_jobs(a, actor, spk, sr):
            jobs.append(job)
            paths.append(root / "AudioWAV" / f"{name}.wav")
        truth["speakers"][f"CREMA-D/{actor}"] = spk.gender
        if spk.gender != sex.lower():
            raise ValueError(f"CREMA-D actor {actor}: voice gender differs from sheet")
    for path, clip in zip(paths, render_all(jobs, seed), strict=True):
        write_bytes(path, wav_bytes(clip.audio, sr))
    write_csv(root / "VideoDemographics.csv", ("ActorID", "Age", "Sex", "Race", "Ethnicity"),
              [row[:5] for row in actors])  # fmt: skip
    return {"CREMA-D": len(jobs)}
