"""CMU-MOSEI (16 kHz): ``CMU-MOSEI/Raw/Audio/Full/WAV_16000/<video_id>.wav``, whole videos.

``CMU-MOSEI/sdk/CMU_MOSEI_Labels.csd`` (root ``All Labels``, features [n, 7] = sentiment happy
sad anger surprise disgust fear) and ``CMU-MOSEI/sdk/CMU_MOSEI_TimestampedWords.csd`` (root
``words``, features [n, 1] bytes with ``sp`` pauses), both as the CMU Multimodal SDK writes
them; ``CMU-MOSEI/labels.csv`` (video_id,segment_id,start,end,sentiment,...) and
``CMU-MOSEI/Raw/Transcript/Segmented/Combined/<video_id>.txt`` lines
``<video_id>___<segment_id>___<start>___<end>___<text>``. A few segments' transcripts do not
match their audio.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .formats import wav_bytes, write_bytes, write_csd, write_csv
from .monologue import MONOLOGUE_SENTENCES, compose, video_ids
from .prosody import en
from .render import Job, render_all, rng_for
from .sizes import SAMPLE_RATES, SIZES

MOSEI_KINDS = {  # kind -> (prosody, labels: sentiment happy sad anger surprise disgust fear)
    "positive": ("happy", (2.0, 7 / 3, 0, 0, 0, 0, 0)),
    "sad": ("sad", (-5 / 3, 0, 7 / 3, 0, 0, 0, 0)),
    "neutral": ("neutral", (0, 0, 0, 0, 0, 0, 0)),
    "anger": ("angry", (-2.0, 0, 0, 8 / 3, 0, 0, 0)),
    "mixed": ("calm", (1 / 3, 1.0, 2 / 3, 0, 1 / 3, 0, 0)),
    "ambiguous": ("frustrated", (-1 / 3, 2 / 3, 1.0, 4 / 3, 0, 1 / 3, 1 / 3)),
}
MOSEI_CYCLE = ("positive", "sad", "neutral", "anger", "mixed", "positive", "ambiguous", "neutral")
MOSEI_VOICES = [
    en("m3", "male", 0), en("f1", "female", 4), en("m6", "male", -4, 1.05),
    en("f4", "female", 0, 0.96), en("m2", "male", 6), en("m7", "male", -6),
]  # fmt: skip
MOSEI_DIMS = ("sentiment", "happy", "sad", "anger", "surprise", "disgust", "fear")

Span = tuple[float, float]


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def _csd_metadata(root_name: str, description: str, dims: list[str], seed: int) -> dict:
    """The metadata group of a computational sequence, as the CMU Multimodal SDK writes it."""
    return {
        "root name": root_name,
        "computational sequence description": description,
        "dimension names": dims,
        "computational sequence version": "1.0",
        "alignment compatible": True,
        "dataset name": "CMU-MOSEI",
        "dataset version": "1.0",
        "creator": "crossemo demo (synthetic)",
        "contact": "none",
        "featureset bib citation": "synthetic",
        "dataset bib citation": "synthetic stand-in for Zadeh et al. 2018",
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"crossemo-demo/{seed}/{root_name}")),
    }


def _record(
    root: Path, v_i: int, vid: str, seed: int
) -> tuple[list[str], list[str], list[Span], float]:
    """Render and write the ``v_i``-th video: its segment kinds, texts, spans and duration (s)."""
    n_seg = SIZES["CMU-MOSEI"]["segments_per_video"]
    sr = SAMPLE_RATES["CMU-MOSEI"]
    spk = MOSEI_VOICES[v_i % len(MOSEI_VOICES)]
    rng = rng_for(seed, f"mosei/{vid}")
    kinds = [MOSEI_CYCLE[(v_i * 3 + s) % len(MOSEI_CYCLE)] for s in range(n_seg)]
    texts = [MONOLOGUE_SENTENCES[(v_i * n_seg + s) % len(MONOLOGUE_SENTENCES)]
             for s in range(n_seg)]  # fmt: skip
    jobs = [Job(f"mosei/{vid}/{s}", texts[s], spk, MOSEI_KINDS[k][0], sr, pad=False)
            for s, k in enumerate(kinds)]  # fmt: skip
    clips = render_all(jobs, seed)
    gaps = [float(rng.uniform(0.4, 0.9)) for _ in clips]
    audio, spans = compose(clips, gaps, sr, float(rng.uniform(0.4, 1.0)), 0.3, rng)
    write_bytes(root / "Raw" / "Audio" / "Full" / "WAV_16000" / f"{vid}.wav", wav_bytes(audio, sr))
    return kinds, texts, spans, len(audio) / sr


def _align(segments: Iterable[tuple[str, Span]], total_s: float) -> tuple[list[str], list[Span]]:
    """Word-aligned transcript: words spread over their segment by length, ``sp`` in pauses."""
    words, intervals = [], []
    prev = 0.0
    for shown, (start, end) in segments:
        if start > prev:
            words.append("sp")
            intervals.append((prev, start))
        tokens = [w.strip(".,!?").lower() for w in shown.split()]
        weights = np.array([len(w) + 1 for w in tokens], dtype=float)
        cum = np.concatenate(([0.0], np.cumsum(weights))) / weights.sum()
        edges = start + (end - start) * cum
        for w, a, b in zip(tokens, edges[:-1], edges[1:], strict=True):
            words.append(w)
            intervals.append((float(a), float(b)))
        prev = end
    words.append("sp")
    intervals.append((prev, total_s))
    return words, intervals


def _transcripts(v_i: int, vid: str, texts: list[str], bad: list[dict]) -> list[str]:
    """What the transcripts show; three segments of the demo show some other sentence."""
    n_seg = len(texts)
    mismatched = {(1, 2), (4, 0), (6, n_seg - 1)}
    shown = list(texts)
    for s in range(n_seg):
        if (v_i, s) in mismatched:
            shown[s] = MONOLOGUE_SENTENCES[(v_i * n_seg + s + len(MONOLOGUE_SENTENCES) // 2)
                                           % len(MONOLOGUE_SENTENCES)]  # fmt: skip
            bad.append({"video_id": vid, "segment_id": s, "spoken": texts[s],
                        "transcript": shown[s]})  # fmt: skip
    return shown


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/CMU-MOSEI``; returns its file count (whole videos)."""
    root = out_dir / "CMU-MOSEI"
    ids = video_ids(seed, "mosei", SIZES["CMU-MOSEI"]["videos"])
    ids[0] = "-" + ids[0][1:]  # real ids may start with '-'
    label_rows, labels_csd, words_csd, bad = [], {}, {}, []
    for v_i, vid in enumerate(ids):
        kinds, texts, spans, total_s = _record(root, v_i, vid, seed)
        shown = _transcripts(v_i, vid, texts, bad)
        ivals = [(round(start - 0.05, 3), round(end + 0.05, 3)) for start, end in spans]
        feats = [MOSEI_KINDS[kind][1] for kind in kinds]
        for s, ((lo, hi), values) in enumerate(zip(ivals, feats, strict=True)):
            label_rows.append((vid, s, _fmt(lo), _fmt(hi), *(f"{x:.4f}" for x in values)))
        lines = [f"{vid}___{s}___{_fmt(lo)}___{_fmt(hi)}___{text}"
                 for s, ((lo, hi), text) in enumerate(zip(ivals, shown, strict=True))]  # fmt: skip
        write_bytes(root / "Raw" / "Transcript" / "Segmented" / "Combined" / f"{vid}.txt",
                    ("\n".join(lines) + "\n").encode())  # fmt: skip
        words, intervals = _align(zip(shown, spans, strict=True), total_s)
        labels_csd[vid] = {
            "features": np.asarray(feats, dtype=np.float32),
            "intervals": np.round(np.asarray(ivals, dtype=np.float64), 3),
        }
        words_csd[vid] = {
            "features": np.asarray([[w.encode()] for w in words]),
            "intervals": np.round(np.asarray(intervals, dtype=np.float64), 3),
        }
    dims = list(MOSEI_DIMS)
    write_csd(root / "sdk" / "CMU_MOSEI_Labels.csd", "All Labels", labels_csd,
              _csd_metadata("All Labels", "Sentiment and emotion labels", dims, seed))  # fmt: skip
    write_csd(root / "sdk" / "CMU_MOSEI_TimestampedWords.csd", "words", words_csd,
              _csd_metadata("words", "Word-aligned transcripts", ["word"], seed))  # fmt: skip
    write_csv(root / "labels.csv", ("video_id", "segment_id", "start", "end", *dims), label_rows)
    truth["quirks"]["CMU-MOSEI"] = {"mismatched_transcripts": bad, "video_ids": ids}
    return {"CMU-MOSEI": len(ids)}
