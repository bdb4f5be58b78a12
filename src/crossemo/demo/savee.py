"""SAVEE (44.1 kHz), two corpus directories with the same audio.

``SAVEE/AudioData/DC/a01.wav`` (the release) and ``SAVEE-flat/ALL/DC_a01.wav`` (the common flat
copy); speakers DC JE JK KL (male); codes a d f h n sa su.
"""

from __future__ import annotations

from pathlib import Path

from .formats import wav_bytes, write_bytes
from .prosody import en
from .render import Job, render_all
from .sizes import SAMPLE_RATES, SIZES

SAVEE_SPEAKERS = {"DC": en("m1", "male", 0), "JE": en("m2", "male", 5, 1.04),
                  "JK": en("m4", "male", -5), "KL": en("m5", "male", 10, 0.96)}  # fmt: skip
SAVEE_EMOTIONS = {"a": "angry", "d": "disgust", "f": "fearful", "h": "happy", "n": "neutral",
                  "sa": "sad", "su": "surprised"}  # fmt: skip
SAVEE_SENTENCES = (
    "She had your dark suit in greasy wash water all year.",
    "Don't ask me to carry an oily rag like that.",
    "Will you tell me why?", "Who authorized the unlimited expense account?",
    "Call an ambulance for medical assistance.", "Tornadoes often destroy acres of farm land.",
    "Those musicians harmonize marvelously.", "The eastern coast is a place for pure pleasure.",
    "Cut a small corner off.", "Where were you while we were away?",
)  # fmt: skip


def _jobs(sr: int, truth: dict) -> tuple[list[Job], list[tuple[str, str]]]:
    """Every job and its (speaker, file name), speaker by speaker."""
    size = SIZES["SAVEE"]
    jobs, names = [], []
    for s_i, (spk_id, spk) in enumerate(SAVEE_SPEAKERS.items()):
        for e_i, (code, emotion) in enumerate(SAVEE_EMOTIONS.items()):
            count = size["neutral"] if code == "n" else size["per_emotion"]
            for k in range(1, count + 1):
                text = SAVEE_SENTENCES[(3 * s_i + 2 * e_i + k) % len(SAVEE_SENTENCES)]
                jobs.append(Job(f"savee/{spk_id}/{code}{k:02d}", text, spk, emotion, sr))
                names.append((spk_id, f"{code}{k:02d}.wav"))
        truth["speakers"][f"SAVEE/{spk_id}"] = spk.gender
    return jobs, names


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/SAVEE`` and ``out_dir/SAVEE-flat``; returns the file count of each."""
    root, flat_root = out_dir / "SAVEE", out_dir / "SAVEE-flat"
    sr = SAMPLE_RATES["SAVEE"]
    jobs, names = _jobs(sr, truth)
    for (spk_id, fname), clip in zip(names, render_all(jobs, seed), strict=True):
        data = wav_bytes(clip.audio, sr)
        write_bytes(root / "AudioData" / spk_id / fname, data)
        write_bytes(flat_root / "ALL" / f"{spk_id}_{fname}", data)
    return {"SAVEE": len(jobs), "SAVEE-flat": len(jobs)}
