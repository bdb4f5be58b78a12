"""StrEmo (44.1 kHz AAC): ``StrEmo/strEmo.xlsx``, ``StrEmo/strEmo.csv`` and ``StrEmo/media/``.

The sheet has Filename, Language, Gender, Ethnicity, Accent, Age, Clip Time From, Clip Time To,
Video_Id, Source, Emotion; times ``H:MM:SS``; Anger/Happiness/Neutral, one emotion per video;
media are ``StrEmo/media/<video_id>.m4a``. Quirk rows: zero-length clip, two overlapping clips
of one video, trailing spaces, a video with no media, a malformed Video_Id holding shell
metacharacters.
"""

from __future__ import annotations

import math
from pathlib import Path

from .formats import write_csv, write_m4a, write_xlsx
from .monologue import MONOLOGUE_SENTENCES, compose, video_ids
from .prosody import Speaker, en
from .render import Job, render_all, rng_for
from .sizes import SAMPLE_RATES, SIZES

STREMO_COLUMNS = ("Filename", "Language", "Gender", "Ethnicity", "Accent", "Age",
                  "Clip Time From", "Clip Time To", "Video_Id", "Source", "Emotion")  # fmt: skip
STREMO_EMOTIONS = {"Anger": "angry", "Happiness": "happy", "Neutral": "neutral"}
STREMO_SPEAKERS = [  # voice, Gender, Ethnicity, Accent, Age
    (en("m3", "male", 0), "Male", "White", "American", "30-40"),
    (en("f1", "female", 5), "Female", "Black", "American", "20-30"),
    (en("m6", "male", -5, 1.04), "Male", "White", "British", "40-50"),
    (en("f4", "female", -3), "Female", "Asian", "Australian", "30-40"),
    (en("m7", "male", 6, 0.96), "Male", "Hispanic", "American", "20-30"),
]  # fmt: skip
STREMO_MALFORMED_ID = "abc;rm -rf x"

Span = tuple[float, float]


def _hms(seconds: float) -> str:
    """``H:MM:SS`` of whole ``seconds``."""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _row(person: list, t0: float, t1: float, vid: str, label: str) -> list:
    """A sheet row without its Filename."""
    return [*person, _hms(t0), _hms(t1), vid, "YouTube", label]


def _record(root: Path, v_i: int, vid: str, label: str, spk: Speaker, seed: int) -> list[Span]:
    """Render the ``v_i``-th video as ``media/<vid>.m4a``; returns its sentences' spans (s)."""
    sr = SAMPLE_RATES["StrEmo"]
    n_sent = SIZES["StrEmo"]["sentences_per_video"]
    rng = rng_for(seed, f"stremo/{vid}")
    texts = [MONOLOGUE_SENTENCES[(5 * v_i + k) % len(MONOLOGUE_SENTENCES)]
             for k in range(n_sent)]  # fmt: skip
    jobs = [Job(f"stremo/{vid}/{k}", t, spk, STREMO_EMOTIONS[label], sr, pad=False)
            for k, t in enumerate(texts)]  # fmt: skip
    gaps = [float(rng.uniform(1.0, 1.6)) for _ in jobs]
    audio, spans = compose(render_all(jobs, seed), gaps, sr, 1.5, 1.0, rng)
    write_m4a(root / "media" / f"{vid}.m4a", audio, sr)
    return spans


def _clip_rows(person: list, spans: list[Span], vid: str, label: str) -> list[list]:
    """The video's clips: sentences 1-2, 4 and 6-7 (all of them when there are fewer than 7)."""
    n_sent = len(spans)
    groups = [(0, 1), (3, 3), (5, 6)] if n_sent >= 7 else [(0, n_sent - 1)]
    return [_row(person, math.floor(spans[a][0] - 0.2), math.ceil(spans[b][1] + 0.2), vid, label)
            for a, b in groups]  # fmt: skip


def _quirk_rows(v_i: int, person: list, spans: list[Span], vid: str, label: str,
                rows: list[list], quirks: dict) -> None:  # fmt: skip
    """Add the quirk rows of the ``v_i``-th video to ``rows`` and note them in ``quirks``."""
    if v_i == 0:  # two overlapping clips of one video
        rows.append(_row(person, math.floor(spans[1][0]), math.ceil(spans[2][1]), vid, label))
        quirks["overlap"] = {"video_id": vid, "rows": [len(rows) - 4, len(rows) - 1]}
    if v_i == 1:  # a zero-length clip
        t0 = math.floor(spans[2][0])
        rows.append(_row(person, t0, t0, vid, label))
        quirks["zero_length"] = len(rows) - 1
    if v_i in (3, 4):  # trailing spaces ('Anger ', 'Happiness ', 'Male ')
        rows[-1][-1] = label + " "
        quirks.setdefault("trailing_space", []).append(len(rows) - 1)
    if v_i == 5:
        rows[-2][1] = person[1] + " "
        quirks.setdefault("trailing_space", []).append(len(rows) - 2)


def _person(s_i: int) -> list:
    """Language, Gender, Ethnicity, Accent and Age of the ``s_i``-th speaker."""
    _voice, gender, ethnicity, accent, age = STREMO_SPEAKERS[s_i]
    return ["English", gender, ethnicity, accent, age]


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/StrEmo``; returns its media file count."""
    root = out_dir / "StrEmo"
    labels = list(STREMO_EMOTIONS)
    n_videos = SIZES["StrEmo"]["videos_per_emotion"] * len(labels)
    ids = video_ids(seed, "stremo", n_videos + 1)
    missing_id = ids.pop()
    rows: list[list] = []
    quirks: dict[str, object] = {}
    for v_i, vid in enumerate(ids):
        label = labels[v_i % len(labels)]
        s_i = v_i % len(STREMO_SPEAKERS)
        spans = _record(root, v_i, vid, label, STREMO_SPEAKERS[s_i][0], seed)
        rows += _clip_rows(_person(s_i), spans, vid, label)
        _quirk_rows(v_i, _person(s_i), spans, vid, label, rows, quirks)
    rows.append(_row(_person(0), 5, 11, missing_id, "Anger"))
    quirks["unavailable"] = {"row": len(rows) - 1, "video_id": missing_id}
    rows.append(_row(_person(0), 2, 7, STREMO_MALFORMED_ID, "Neutral"))
    quirks["malformed"] = {"row": len(rows) - 1, "video_id": STREMO_MALFORMED_ID}
    table = [[f"StrEmo_{i + 1:04d}.wav", *r] for i, r in enumerate(rows)]
    write_xlsx(root / "strEmo.xlsx", STREMO_COLUMNS, table)
    write_csv(root / "strEmo.csv", STREMO_COLUMNS, table)
    truth["quirks"]["StrEmo"] = quirks
    for i, (voice, *_rest) in enumerate(STREMO_SPEAKERS):
        truth["speakers"][f"StrEmo/speaker{i}"] = voice.gender
    return {"StrEmo": len(ids)}
