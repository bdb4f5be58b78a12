"""IEMOCAP (16 kHz): ``IEMOCAP/Session{n}/sentences/wav/<dialog>/<utt>.wav``.

Dialogs ``Ses0nF_impro01`` and ``Ses0nM_script01_1`` and utterances ``<dialog>_F000`` /
``_M000``; labels in ``Session{n}/dialog/EmoEvaluation/<dialog>.txt``
(``[start - end]\\tutt\\tlabel\\t[V, A, D]`` blocks with ``C-E1:\\tNeutral;\\t()`` evaluator
lines), transcripts in ``Session{n}/dialog/transcriptions/<dialog>.txt``
(``utt [006.2901-008.2357]: text``). Labels neu hap exc sad ang fru xxx oth sur fea dis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .formats import wav_bytes, write_bytes
from .prosody import Speaker, en
from .render import Clip, Job, render_all, rng_for
from .sizes import SAMPLE_RATES, SIZES

IEMOCAP_SENTENCES = (
    "Excuse me.", "Do you have your forms?", "Yeah, I have them right here.",
    "You need to fill this out completely.", "I already waited in line for two hours.",
    "Is there anything you can do for me?", "I'm sorry, that's just the policy.",
    "Are you kidding me right now?", "We finally got the apartment!", "That's wonderful news.",
    "I don't know what to tell you.", "He left this morning and didn't say anything.",
    "Can we talk about this later?", "I can't believe you did that.",
    "Let's go out and celebrate tonight.", "Nobody ever listens to me.",
    "What was that noise outside?", "It smells awful in here.",
    "Well, I guess that's it then.", "You always do this to me.",
)  # fmt: skip
IEMOCAP_LABELS = {  # label -> (prosody, evaluator word, [V, A, D])
    "neu": ("neutral", "Neutral", (2.5, 2.5, 2.5)),
    "hap": ("happy", "Happiness", (4.0, 3.0, 3.0)),
    "exc": ("excited", "Excited", (4.0, 4.0, 3.5)),
    "sad": ("sad", "Sadness", (1.5, 2.0, 2.0)),
    "ang": ("angry", "Anger", (1.5, 4.0, 4.0)),
    "fru": ("frustrated", "Frustration", (2.0, 3.5, 3.0)),
    "sur": ("surprised", "Surprise", (3.5, 4.0, 2.5)),
    "fea": ("fearful", "Fear", (1.5, 3.5, 1.5)),
    "dis": ("disgust", "Disgust", (1.5, 3.0, 3.5)),
    "oth": ("calm", "Other", (3.0, 2.0, 2.5)),
    "xxx": ("frustrated", "", (2.5, 3.0, 3.0)),  # evaluators disagree
}
IEMOCAP_SPEAKERS = [  # per session: (female, male)
    (en("f1", "female", 4), en("m3", "male", -2)),
    (en("f4", "female", -2, 1.04), en("m6", "male", 5)),
    (en("f1", "female", 12, 0.96), en("m1", "male", 0, 1.03)),
    (en("f4", "female", 7), en("m7", "male", -5, 0.97)),
    (en("f1", "female", -5, 1.02), en("m4", "male", 3)),
]  # fmt: skip

_BASE = ["neu", "hap", "exc", "sad", "ang", "fru", "xxx", "neu", "sad", "ang", "exc", "fru"]
_EXTRAS = ("oth", "sur", "fea", "dis")
_HEADER = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]"

#: One utterance of a dialog: (utterance id, speaker F/M, label, text).
Utterance = tuple[str, str, str, str]


def _block(start: float, end: float, utt: str, label: str, rng: np.random.Generator,
           lead: str) -> list[str]:  # fmt: skip
    """The EmoEvaluation lines of one utterance, in the release's format."""
    _, word, vad = IEMOCAP_LABELS[label]
    if label == "xxx":
        votes = ["Neutral;", "Frustration;", "Anger; Frustration;"]
    else:
        other = ["Neutral;", "Frustration;", "Sadness;", "Happiness;", "Other:unclear;"]
        votes = [f"{word};", f"{word};", other[int(rng.integers(len(other)))]]
        rng.shuffle(votes)
    v, a, d = vad
    lines = [f"[{start:.4f} - {end:.4f}]\t{utt}\t{label}\t[{v:.4f}, {a:.4f}, {d:.4f}]"]
    for ev, vote in zip(("C-E1", "C-E2", "C-E4"), votes, strict=True):
        lines.append(f"{ev}:\t{vote}\t()")
    lines.append(f"C-{lead}1:\t{votes[0]}\t()")
    for ev in ("A-E1", "A-E2", f"A-{lead}1"):
        dv = [int(np.clip(round(x + rng.normal(scale=0.6)), 1, 5)) for x in vad]
        lines.append(f"{ev}:\tval {dv[0]}; act {dv[1]}; dom  {dv[2]};\t()")
    return lines


def _labels(n: int, d_i: int, rng: np.random.Generator) -> list[str]:
    """The shuffled labels of the ``d_i``-th dialog's ``n`` utterances, two of them rare."""
    labels = [_BASE[i % len(_BASE)] for i in range(n - 2)]
    labels += [_EXTRAS[(2 * d_i) % 4], _EXTRAS[(2 * d_i + 1) % 4]][: max(0, n - len(labels))]
    rng.shuffle(labels)
    return labels


def _utterances(dialog: str, d_i: int, voices: tuple[Speaker, Speaker], sr: int,
                rng: np.random.Generator) -> tuple[list[Job], list[Utterance]]:  # fmt: skip
    """The jobs and utterances of the ``d_i``-th dialog; speakers take turns."""
    female, male = voices
    jobs, utts = [], []
    counts = {"F": 0, "M": 0}
    for i, label in enumerate(_labels(SIZES["IEMOCAP"]["utterances_per_dialog"], d_i, rng)):
        who = "F" if (i + d_i) % 2 == 0 else "M"
        utt = f"{dialog}_{who}{counts[who]:03d}"
        counts[who] += 1
        text = IEMOCAP_SENTENCES[(7 * d_i + i) % len(IEMOCAP_SENTENCES)]
        emotion = IEMOCAP_LABELS[label][0]
        if label == "xxx":
            emotion = ("neutral", "frustrated", "sad")[int(rng.integers(3))]
        spk = female if who == "F" else male
        jobs.append(Job(f"iemocap/{utt}", text, spk, emotion, sr))
        utts.append((utt, who, label, text))
    return jobs, utts


def _write_dialog(sess: Path, dialog: str, utts: list[Utterance], clips: list[Clip], sr: int,
                  rng: np.random.Generator) -> None:  # fmt: skip
    """The dialog's wavs, EmoEvaluation and transcription, utterances placed on one timeline."""
    evaluation = [_HEADER, ""]
    transcript = []
    t = float(rng.uniform(2.0, 6.0))
    for (utt, who, label, text), clip in zip(utts, clips, strict=True):
        dur = len(clip.audio) / sr
        start, end = t, t + dur
        write_bytes(sess / "sentences" / "wav" / dialog / f"{utt}.wav",
                    wav_bytes(clip.audio, sr))  # fmt: skip
        evaluation += _block(start, end, utt, label, rng, who) + [""]
        transcript.append(f"{utt} [{start:08.4f}-{end:08.4f}]: {text}")
        t = end + float(rng.uniform(0.3, 2.5))
    write_bytes(sess / "dialog" / "EmoEvaluation" / f"{dialog}.txt",
                ("\n".join(evaluation) + "\n").encode())  # fmt: skip
    write_bytes(sess / "dialog" / "transcriptions" / f"{dialog}.txt",
                ("\n".join(transcript) + "\n").encode())  # fmt: skip


def write(out_dir: Path, seed: int, truth: dict) -> dict[str, int]:
    """Write ``out_dir/IEMOCAP``; returns its file count."""
    root = out_dir / "IEMOCAP"
    sr = SAMPLE_RATES["IEMOCAP"]
    total = 0
    d_i = 0
    for session in range(1, SIZES["IEMOCAP"]["sessions"] + 1):
        female, male = IEMOCAP_SPEAKERS[(session - 1) % len(IEMOCAP_SPEAKERS)]
        truth["speakers"][f"IEMOCAP/Ses{session:02d}F"] = female.gender
        truth["speakers"][f"IEMOCAP/Ses{session:02d}M"] = male.gender
        for dialog in (f"Ses{session:02d}F_impro01", f"Ses{session:02d}M_script01_1"):
            rng = rng_for(seed, f"iemocap/{dialog}")
            jobs, utts = _utterances(dialog, d_i, (female, male), sr, rng)
            clips = render_all(jobs, seed)
            _write_dialog(root / f"Session{session}", dialog, utts, clips, sr, rng)
            total += len(jobs)
            d_i += 1
    return {"IEMOCAP": total}
