"""How much of each corpus the demo synthesises, and each corpus's released sample rate.

Writers look these up when they run, so a changed entry (``SIZES["TESS"] = {"words": 2}``)
takes effect on the next :func:`crossemo.demo.synthesize`.
"""

from __future__ import annotations

#: How much of each corpus to synthesise (files = product of the counts; see each writer).
SIZES: dict[str, dict[str, int]] = {
    # 6 x (2 + 7*2*2) = 180 speech files, + 2 song files (vocal channel 02) of the first 2 actors
    "RAVDESS": {"actors": 6, "statements": 2, "repetitions": 1, "song_actors": 2},
    "TESS": {"words": 6},  # 2 speakers x 7 emotions x 6 words = 84
    "CREMA-D": {"actors": 6, "sentences_per_actor": 2},  # 6 x 6 emotions x 2 = 72
    "SAVEE": {"per_emotion": 2, "neutral": 4},  # 4 speakers x (6*2 + 4) = 64, twice
    "EmoDB": {"speakers": 10, "second_versions": 1},  # 10 x (7 + 1) = 80
    "IEMOCAP": {"sessions": 5, "utterances_per_dialog": 10},  # 5 x 2 dialogs x 10 = 100
    "CMU-MOSEI": {"videos": 8, "segments_per_video": 5},  # 8 videos, 40 segments
    "StrEmo": {"videos_per_emotion": 3, "sentences_per_video": 7},  # 9 videos of ~25 s
    "EMOVO": {"sentences_per_emotion": 3},  # 4 actors x 4 emotions x 3 = 48
    "MELD": {"dialogues": 8, "utterances_per_dialogue": 6},  # 48 clips
    "PAVOQUE": {"prompts_per_style": 10, "outtakes": 8},  # 4 x 10 + 8 = 48 segments, 5 FLACs
}

#: Sample rate of each corpus as released.
SAMPLE_RATES: dict[str, int] = {
    "RAVDESS": 48000, "TESS": 24414, "CREMA-D": 16000, "SAVEE": 44100, "SAVEE-flat": 44100,
    "EmoDB": 16000, "IEMOCAP": 16000, "CMU-MOSEI": 16000, "StrEmo": 44100, "EMOVO": 48000,
    "MELD": 48000, "PAVOQUE": 44100,
}  # fmt: skip
