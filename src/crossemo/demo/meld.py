"""MELD (48 kHz video): ``MELD/train/train_splits/dia0_utt0.mp4`` and its label sheet.

EmoBox's arrangement of the publisher's train split: clips ``dia<d>_utt<u>.mp4`` (a black
picture and the speech as AAC) under ``train/train_splits/``, labels in
``train/train_sent_emo.csv`` with the publisher's columns (``Sr No.``, ``Utterance``,
``Speaker``, ``Emotion``, ``Sentiment``, ``Dialogue_ID``, ``Utterance_ID``, ``Season``,
``Episode``, ``StartTime``, ``EndTime``). Each dialogue is two of the six main characters
taking turns; emotions neutral, joy, sadness, anger (the four of basic4) in rotation.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .formats import write_csv, write_video
from .prosody import en
from .render import Job, render_all, workers
from .sizes import SAMPLE_RATES, SIZES

MELD_SPEAKERS = {
    "Chandler": en("m1", "male", 2, 1.08), "Joey": en("m4", "male", -4),
    "Ross": en("m6", "male", 6, 0.96), "Monica": en("f1", "female", 4, 1.06),
    "Phoebe": en("f4", "female", 10), "Rachel": en("f1", "female", -4, 0.98),
}  # fmt: skip
#: the sheet's emotion -> (prosody, sentiment)
MELD_EMOTIONS = {"neutral": ("neutral", "neutral"), "joy": ("happy", "positive"),
                 "sadness": ("sad", "negative"), "anger": ("angry", "negative")}  # fmt: skip
MELD_LINES = (
    "Oh, so you're not coming tonight?", "I got the part in the play.",
    "We were on a break!", "She took the last cookie again.",
    "Could this meeting be any longer?", "I think the couch is stuck.",
    "My grandmother gave me this ring.", "Nobody told me about the party.",
    "The coffee house is closed today.", "You said you would call me.",
    "I just bought a new chair.", "They moved to another city.",
)  # fmt: skip
MELD_COLUMNS = ("Sr No.", "Utterance", "Speaker", "Emotion", "Sentiment", "Dialogue_ID",
                "Utterance_ID", "Season", "Episode", "StartTime", "EndTime")  # fmt: skip


def _stamp(seconds: float) -> str:
    """``HH:MM:SS,mmm`` as in the sheet's StartTime/EndTime."""
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def _script(truth: dict) -> list[tuple[int, int, str, str]]:
    """(dialogue, utterance, character, emotion) of every clip, dialogue by dialogue."""
    size = SIZES["MELD"]
    names, emotions = list(MELD_SPEAKERS), list(MELD_EMOTIONS)
    rows = []
    for d in range(size["dialogues"]):
        pair = (names[d % len(names)], names[(d + 1 + d // len(names)) % len(names)])
        for u in range(size["utterances_per_dialogue"]):
            rows.append((d, u, pair[u % 2], emotions[(d + u) % len(emotions)]))
    for name in {r[2] for r in rows}:
        truth["speakers"][f"MELD/{name}"] = MELD_SPEAKERS[name].gender
    return rows


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/MELD``; returns its clip count."""
    root, sr = out_dir / "MELD" / "train", SAMPLE_RATES["MELD"]
    script = _script(truth)
    jobs = [Job(f"meld/dia{d}_utt{u}", MELD_LINES[(3 * d + u) % len(MELD_LINES)],
                MELD_SPEAKERS[who], MELD_EMOTIONS[emotion][0], sr)
            for d, u, who, emotion in script]  # fmt: skip
    clips = render_all(jobs, seed)
    paths = [root / "train_splits" / f"dia{d}_utt{u}.mp4" for d, u, _, _ in script]
    with ThreadPoolExecutor(max_workers=workers()) as pool:  # ffmpeg runs in subprocesses
        list(pool.map(lambda path, clip: write_video(path, clip.audio, sr), paths, clips))
    rows, clock = [], 60.0
    for i, ((d, u, who, emotion), job, clip) in enumerate(zip(script, jobs, clips, strict=True)):
        end = clock + len(clip.audio) / sr
        rows.append((i + 1, job.text, who, emotion, MELD_EMOTIONS[emotion][1], d, u, 1,
                     1 + d, _stamp(clock), _stamp(end)))  # fmt: skip
        clock = end + 0.5
    write_csv(root / "train_sent_emo.csv", MELD_COLUMNS, rows)
    return {"MELD": len(jobs)}
