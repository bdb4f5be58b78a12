"""RAVDESS (48 kHz): ``RAVDESS/Actor_NN/03-01-EE-II-SS-RR-AA.wav``.

EE emotion 01 neutral 02 calm 03 happy 04 sad 05 angry 06 fearful 07 disgust 08 surprised;
II intensity 01 normal / 02 strong (neutral only 01); SS statement 01 "Kids are talking by the
door", 02 "Dogs are sitting by the door"; RR repetition; AA actor, odd = male. The first
actors also have song files (vocal channel 02, ``03-02-...``), as the song release unpacks into
the same folders. Quirks: every file has a ``LIST`` chunk between ``fmt`` and ``data``; a few
files are stereo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .formats import wav_bytes, with_list_chunk, write_bytes
from .prosody import Speaker, en
from .render import Job, render_all
from .sizes import SAMPLE_RATES, SIZES

RAVDESS_SENTENCES = {1: "Kids are talking by the door.", 2: "Dogs are sitting by the door."}
RAVDESS_EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
RAVDESS_VOICES = [  # actor 1, 2, 3 ...: odd male, even female
    en("m3", "male", -2), en("f1", "female", 2), en("m7", "male", 4, 0.95),
    en("f4", "female", -3, 1.05), en("m1", "male", 8), en("f1", "female", 12, 0.97),
    en("m6", "male", -6, 1.04), en("f4", "female", 8),
]  # fmt: skip

STRONG = 1.35  # prosody scale of intensity 02


def _voice(actor: int) -> Speaker:
    """The voice of ``actor`` (1-based); odd actors must be male."""
    spk = RAVDESS_VOICES[(actor - 1) % len(RAVDESS_VOICES)]
    if (spk.gender == "male") != (actor % 2 == 1):
        raise ValueError("RAVDESS voices must alternate male (odd) / female (even)")
    return spk


def _speech(actor: int, spk: Speaker, sr: int) -> list[tuple[str, Job]]:
    """(file stem, job) of every speech file of ``actor`` (vocal channel 01)."""
    size = SIZES["RAVDESS"]
    out = []
    for e, emotion in enumerate(RAVDESS_EMOTIONS, start=1):
        for intensity in (1,) if e == 1 else (1, 2):
            for stmt in range(1, size["statements"] + 1):
                for rep in range(1, size["repetitions"] + 1):
                    name = f"03-01-{e:02d}-{intensity:02d}-{stmt:02d}-{rep:02d}-{actor:02d}"
                    k = 1.0 if intensity == 1 else STRONG
                    out.append((name, Job(f"ravdess/{name}", RAVDESS_SENTENCES[stmt], spk,
                                          emotion, sr, intensity=k)))  # fmt: skip
    return out


def _song(actor: int, spk: Speaker, sr: int) -> list[tuple[str, Job]]:
    """(file stem, job) of the song files of ``actor`` (vocal channel 02): happy and sad."""
    out = []
    for e in (3, 4):
        name = f"03-02-{e:02d}-01-01-01-{actor:02d}"
        out.append((name, Job(f"ravdess/{name}", RAVDESS_SENTENCES[1], spk,
                              RAVDESS_EMOTIONS[e - 1], sr)))  # fmt: skip
    return out


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/RAVDESS``; returns its file count."""
    root = out_dir / "RAVDESS"
    size = SIZES["RAVDESS"]
    sr = SAMPLE_RATES["RAVDESS"]
    jobs, paths = [], []
    for actor in range(1, size["actors"] + 1):
        spk = _voice(actor)
        files = _speech(actor, spk, sr)
        if actor <= size["song_actors"]:
            files += _song(actor, spk, sr)
        for name, job in files:
            jobs.append(job)
            paths.append(root / f"Actor_{actor:02d}" / f"{name}.wav")
        truth["speakers"][f"RAVDESS/Actor_{actor:02d}"] = spk.gender
    stereo = {1, len(jobs) // 2 + 3}  # a few files are stereo in the release
    for i, (path, clip) in enumerate(zip(paths, render_all(jobs, seed), strict=True)):
        audio = np.stack([clip.audio, clip.audio], axis=1) if i in stereo else clip.audio
        write_bytes(path, with_list_chunk(wav_bytes(audio, sr)))
    truth["quirks"]["RAVDESS"] = {
        "stereo": sorted(str(paths[i].relative_to(root)) for i in stereo),
        "song": sorted(str(p.relative_to(root)) for p in paths if p.name[3:5] == "02"),
    }
    return {"RAVDESS": len(jobs)}
