"""TESS (24414 Hz): ``TESS/OAF_angry/OAF_back_angry.wav``.

Speakers OAF (older) and YAF (younger), both female; "Say the word <w>"; suffixes angry
disgust fear happy neutral ps sad. Folder spellings as released (``OAF_Fear``,
``OAF_Pleasant_surprise``, ``OAF_Sad``, ``YAF_pleasant_surprised``). Quirks: one file named
``OA_<word>_neutral.wav``, one ``.wav`` that is really AIFF, one file at 96 kHz.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .formats import wav_bytes, write_bytes
from .prosody import en
from .render import Job, render_all
from .sizes import SAMPLE_RATES, SIZES

TESS_WORDS = ("back", "bite", "chain", "goose", "mess", "youth", "dime", "lease", "rag", "shawl",
              "tough", "wire")  # fmt: skip
TESS_SPEAKERS = {"OAF": en("f4", "female", -8, 0.92), "YAF": en("f1", "female", 6, 1.05)}
TESS_EMOTIONS = {  # suffix -> (prosody, OAF folder, YAF folder), folder spellings as released
    "angry": ("angry", "OAF_angry", "YAF_angry"),
    "disgust": ("disgust", "OAF_disgust", "YAF_disgust"),
    "fear": ("fearful", "OAF_Fear", "YAF_fear"),
    "happy": ("happy", "OAF_happy", "YAF_happy"),
    "neutral": ("neutral", "OAF_neutral", "YAF_neutral"),
    "ps": ("pleasant_surprise", "OAF_Pleasant_surprise", "YAF_pleasant_surprised"),
    "sad": ("sad", "OAF_Sad", "YAF_sad"),
}


def _jobs(root: Path, words: tuple[str, ...], sr: int, truth: dict) -> tuple[list, list]:
    """Every (job, path), speaker by speaker, emotion by emotion, word by word."""
    jobs, paths = [], []
    for who, spk in TESS_SPEAKERS.items():
        for suffix, (emotion, oaf_dir, yaf_dir) in TESS_EMOTIONS.items():
            folder = oaf_dir if who == "OAF" else yaf_dir
            for word in words:
                jobs.append(Job(f"tess/{who}/{word}/{suffix}", f"Say the word {word}.", spk,
                                emotion, sr))  # fmt: skip
                paths.append(root / folder / f"{who}_{word}_{suffix}.wav")
        truth["speakers"][f"TESS/{who}"] = spk.gender
    return jobs, paths


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/TESS``; returns its file count."""
    root = out_dir / "TESS"
    sr = SAMPLE_RATES["TESS"]
    words = TESS_WORDS[: SIZES["TESS"]["words"]]
    jobs, paths = _jobs(root, words, sr, truth)
    # release quirks: a misnamed file, AIFF behind .wav, one 96 kHz file
    misnamed = paths.index(root / "OAF_neutral" / f"OAF_{words[1]}_neutral.wav")
    paths[misnamed] = paths[misnamed].with_name(f"OA_{words[1]}_neutral.wav")
    aiff = paths.index(root / "YAF_disgust" / f"YAF_{words[-1]}_disgust.wav")
    hi_rate = paths.index(root / "OAF_happy" / f"OAF_{words[0]}_happy.wav")
    jobs[hi_rate] = replace(jobs[hi_rate], sr=96000)
    for i, (path, clip) in enumerate(zip(paths, render_all(jobs, seed), strict=True)):
        write_bytes(path, wav_bytes(clip.audio, clip.sr, "AIFF" if i == aiff else "WAV"))
    truth["quirks"]["TESS"] = {
        "misnamed": str(paths[misnamed].relative_to(root)),
        "aiff_content": str(paths[aiff].relative_to(root)),
        "rate_96k": str(paths[hi_rate].relative_to(root)),
    }
    return {"TESS": len(jobs)}
