"""Synthetic emotional-speech corpora in the publishers' on-disk layouts (the embedded demo).

:func:`synthesize` renders short utterances with espeak-ng, gives each emotion its own prosody
(speech rate, pitch, amplitude, then a numpy pitch contour, tremolo, drive or low-pass), resamples
to each corpus's real sample rate with soxr and writes the files exactly where and how the real
releases put them, quirks included. Same seed, same bytes: every random draw comes from a
generator seeded by ``(seed, utterance key)``, no file carries a timestamp (xlsx zip entries and
m4a atoms are pinned), and only espeak-ng voice variants without breath noise are used: ``f2``,
``f3`` and ``f5`` add breath noise, and ``en+f3`` once gave 39 different outputs in 40 identical
calls (breath-free variants never varied), so they are left out and the female speakers differ
by pitch and rate instead. Bytes are identical for the same espeak-ng, soxr and libsndfile.

Layouts written under ``out_dir`` (sizes in :data:`SIZES`):

RAVDESS (48 kHz)
    ``RAVDESS/Actor_NN/03-01-EE-II-SS-RR-AA.wav``: EE emotion 01 neutral 02 calm 03 happy
    04 sad 05 angry 06 fearful 07 disgust 08 surprised; II intensity 01 normal / 02 strong
    (neutral only 01); SS statement 01 "Kids are talking by the door", 02 "Dogs are sitting by
    the door"; RR repetition; AA actor, odd = male. Quirks: every file has a ``LIST`` chunk
    between ``fmt`` and ``data``; a few files are stereo.
TESS (24414 Hz)
    ``TESS/OAF_angry/OAF_back_angry.wav``: speakers OAF (older) and YAF (younger), both female;
    "Say the word <w>"; suffixes angry disgust fear happy neutral ps sad. Folder spellings as
    released (``OAF_Fear``, ``OAF_Pleasant_surprise``, ``OAF_Sad``,
    ``YAF_pleasant_surprised``). Quirks: one file named ``OA_<word>_neutral.wav``, one ``.wav``
    that is really AIFF, one file at 96 kHz.
CREMA-D (16 kHz)
    ``CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav``: actor, sentence code (IEO TIE IOM IWW TAI MTI
    IWL ITH DFA ITS TSI WSI), emotion ANG DIS FEA HAP NEU SAD, level LO MD HI (sentence IEO
    only) or XX; ``CREMA-D/VideoDemographics.csv`` with ActorID,Age,Sex,Race,Ethnicity.
SAVEE (44.1 kHz), two corpus directories with the same audio
    ``SAVEE/AudioData/DC/a01.wav`` (the release) and ``SAVEE-flat/ALL/DC_a01.wav`` (the common
    flat copy); speakers DC JE JK KL (male); codes a d f h n sa su.
EmoDB (16 kHz)
    ``EmoDB/wav/03a01Fa.wav``: speaker 03 08 09 10 11 12 13 14 15 16 (real genders), text
    a01 a02 a04 a07 b01 b10 (the shorter real texts), emotion W L E A F T N (anger boredom
    disgust fear happiness sadness neutral), version a/b. German voice ``de``.
IEMOCAP (16 kHz)
    ``IEMOCAP/Session{n}/sentences/wav/<dialog>/<utt>.wav`` with dialogs ``Ses0nF_impro01`` and
    ``Ses0nM_script01_1`` and utterances ``<dialog>_F000`` / ``_M000``; labels in
    ``Session{n}/dialog/EmoEvaluation/<dialog>.txt`` (``[start - end]\\tutt\\tlabel\\t[V, A, D]``
    blocks with ``C-E1:\\tNeutral;\\t()`` evaluator lines), transcripts in
    ``Session{n}/dialog/transcriptions/<dialog>.txt`` (``utt [006.2901-008.2357]: text``).
    Labels neu hap exc sad ang fru xxx oth sur fea dis.
CMU-MOSEI (16 kHz)
    ``CMU-MOSEI/Raw/Audio/Full/WAV_16000/<video_id>.wav`` whole videos of several segments;
    ``CMU-MOSEI/sdk/CMU_MOSEI_Labels.csd`` (root ``All Labels``, features [n, 7] = sentiment
    happy sad anger surprise disgust fear) and ``CMU-MOSEI/sdk/CMU_MOSEI_TimestampedWords.csd``
    (root ``words``, features [n, 1] bytes with ``sp`` pauses), both as the CMU Multimodal SDK
    writes them; ``CMU-MOSEI/labels.csv`` (video_id,segment_id,start,end,sentiment,...) and
    ``CMU-MOSEI/Raw/Transcript/Segmented/Combined/<video_id>.txt`` lines
    ``<video_id>___<segment_id>___<start>___<end>___<text>``. A few segments' transcripts do
    not match their audio.
StrEmo (44.1 kHz AAC)
    ``StrEmo/strEmo.xlsx`` and ``StrEmo/strEmo.csv`` (Filename, Language, Gender, Ethnicity,
    Accent, Age, Clip Time From, Clip Time To, Video_Id, Source, Emotion; times ``H:MM:SS``;
    Anger/Happiness/Neutral, one emotion per video) and ``StrEmo/media/<video_id>.m4a``. Quirk
    rows: zero-length clip, two overlapping clips of one video, trailing spaces, a video with no
    media, a malformed Video_Id holding shell metacharacters.

``out_dir/demo_truth.json`` records what the layouts hide (speaker genders, the mismatched MOSEI
segments, the StrEmo quirk rows) for tests. Files are rewritten in place; files left from a run
with other :data:`SIZES` are not removed, so write into a fresh directory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

log = logging.getLogger(__name__)

#: espeak-ng's native output rate.
ESPEAK_SR = 22050

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
}

#: Sample rate of each corpus as released.
SAMPLE_RATES: dict[str, int] = {
    "RAVDESS": 48000, "TESS": 24414, "CREMA-D": 16000, "SAVEE": 44100, "SAVEE-flat": 44100,
    "EmoDB": 16000, "IEMOCAP": 16000, "CMU-MOSEI": 16000, "StrEmo": 44100,
}  # fmt: skip

#: Corpus directories in the order they are written (``SAVEE`` also writes ``SAVEE-flat``).
CORPORA = ("RAVDESS", "TESS", "CREMA-D", "SAVEE", "EmoDB", "IEMOCAP", "CMU-MOSEI", "StrEmo")

MIN_CLIP_S = 1.5


# --------------------------------------------------------------------------- prosody


@dataclass(frozen=True)
class Prosody:
    """How one emotion is rendered. ``rate`` scales words/min, ``pitch`` adds to espeak's -p."""

    rate: float = 1.0
    pitch: float = 0.0
    amp: float = 100.0  # espeak -a
    gain: float = 0.5  # output peak
    swing: float = 0.0  # slow pitch undulation depth, cents (lively intonation)
    glide: float = 0.0  # pitch drift over the clip, cents (+ rising, - falling)
    vibrato: float = 0.0  # fast pitch wobble depth, cents (6-7 Hz)
    tremolo: float = 0.0  # amplitude modulation depth 0..1 (8-10 Hz)
    drive: float = 0.0  # tanh saturation (harsh, pressed voice)
    lowpass: float = 0.0  # one-pole low-pass coefficient 0..0.9 (soft, dark voice)


NEUTRAL = Prosody()

#: Prosody of each rendered emotion; corpora map their labels onto these.
PROSODY: dict[str, Prosody] = {
    "neutral": NEUTRAL,
    "calm": Prosody(rate=0.86, pitch=-5, amp=80, gain=0.32, lowpass=0.6),
    "happy": Prosody(rate=1.12, pitch=14, amp=125, gain=0.7, swing=160),
    "excited": Prosody(rate=1.25, pitch=20, amp=160, gain=0.85, swing=220, drive=0.8),
    "sad": Prosody(rate=0.78, pitch=-10, amp=70, gain=0.28, glide=-180, lowpass=0.75),
    "angry": Prosody(rate=1.18, pitch=6, amp=190, gain=0.95, swing=60, drive=4.0),
    "frustrated": Prosody(rate=1.04, pitch=-2, amp=150, gain=0.75, drive=1.8, glide=-60),
    "fearful": Prosody(rate=1.28, pitch=18, amp=105, gain=0.5, vibrato=70, tremolo=0.35),
    "disgust": Prosody(rate=0.8, pitch=-15, amp=115, gain=0.55, drive=1.0, tremolo=0.2, glide=-90),
    "surprised": Prosody(rate=1.02, pitch=22, amp=145, gain=0.75, glide=420),
    "pleasant_surprise": Prosody(rate=1.06, pitch=24, amp=140, gain=0.72, glide=360, swing=120),
    "boredom": Prosody(rate=0.7, pitch=-12, amp=75, gain=0.33, lowpass=0.5),
}


def _scaled(p: Prosody, k: float) -> Prosody:
    """The prosody ``k`` times as far from neutral (intensity levels)."""
    if k == 1.0:
        return p
    fields = {f: getattr(NEUTRAL, f) + k * (getattr(p, f) - getattr(NEUTRAL, f))
              for f in p.__dataclass_fields__}  # fmt: skip
    fields["gain"] = min(fields["gain"], 0.98)
    fields["lowpass"] = min(max(fields["lowpass"], 0.0), 0.9)
    return Prosody(**fields)


# --------------------------------------------------------------------------- speakers, texts


@dataclass(frozen=True)
class Speaker:
    """A synthetic speaker: espeak voice (breath-free variants only) plus a pitch offset."""

    voice: str
    gender: str  # "male" / "female"
    pitch: int = 0
    rate: float = 1.0


def _en(variant: str, gender: str, pitch: int = 0, rate: float = 1.0) -> Speaker:
    return Speaker(f"en+{variant}", gender, pitch, rate)


RAVDESS_SENTENCES = {1: "Kids are talking by the door.", 2: "Dogs are sitting by the door."}
RAVDESS_EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
RAVDESS_VOICES = [  # actor 1, 2, 3 ...: odd male, even female
    _en("m3", "male", -2), _en("f1", "female", 2), _en("m7", "male", 4, 0.95),
    _en("f4", "female", -3, 1.05), _en("m1", "male", 8), _en("f1", "female", 12, 0.97),
    _en("m6", "male", -6, 1.04), _en("f4", "female", 8),
]  # fmt: skip

TESS_WORDS = ("back", "bite", "chain", "goose", "mess", "youth", "dime", "lease", "rag", "shawl",
              "tough", "wire")  # fmt: skip
TESS_SPEAKERS = {"OAF": _en("f4", "female", -8, 0.92), "YAF": _en("f1", "female", 6, 1.05)}
TESS_EMOTIONS = {  # suffix -> (prosody, OAF folder, YAF folder), folder spellings as released
    "angry": ("angry", "OAF_angry", "YAF_angry"),
    "disgust": ("disgust", "OAF_disgust", "YAF_disgust"),
    "fear": ("fearful", "OAF_Fear", "YAF_fear"),
    "happy": ("happy", "OAF_happy", "YAF_happy"),
    "neutral": ("neutral", "OAF_neutral", "YAF_neutral"),
    "ps": ("pleasant_surprise", "OAF_Pleasant_surprise", "YAF_pleasant_surprised"),
    "sad": ("sad", "OAF_Sad", "YAF_sad"),
}

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
    (1001, 51, "Male", "Caucasian", "Not Hispanic", _en("m3", "male", -4)),
    (1002, 21, "Female", "Caucasian", "Not Hispanic", _en("f1", "female", 6)),
    (1003, 21, "Female", "Caucasian", "Not Hispanic", _en("f4", "female", 0, 1.05)),
    (1004, 42, "Female", "Caucasian", "Not Hispanic", _en("f1", "female", -4, 0.95)),
    (1005, 29, "Male", "African American", "Not Hispanic", _en("m6", "male", 6)),
    (1006, 58, "Female", "Caucasian", "Not Hispanic", _en("f4", "female", -9)),
    (1007, 38, "Male", "Asian", "Not Hispanic", _en("m2", "male", 0, 1.05)),
    (1008, 46, "Female", "Caucasian", "Hispanic", _en("f1", "female", 10)),
]  # fmt: skip

SAVEE_SPEAKERS = {"DC": _en("m1", "male", 0), "JE": _en("m2", "male", 5, 1.04),
                  "JK": _en("m4", "male", -5), "KL": _en("m5", "male", 10, 0.96)}  # fmt: skip
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
    (_en("f1", "female", 4), _en("m3", "male", -2)),
    (_en("f4", "female", -2, 1.04), _en("m6", "male", 5)),
    (_en("f1", "female", 12, 0.96), _en("m1", "male", 0, 1.03)),
    (_en("f4", "female", 7), _en("m7", "male", -5, 0.97)),
    (_en("f1", "female", -5, 1.02), _en("m4", "male", 3)),
]  # fmt: skip

MONOLOGUE_SENTENCES = (
    "I honestly think this is the best phone I have ever owned.",
    "The battery lasts all day and the screen is gorgeous.",
    "This movie was a complete waste of my time.",
    "The plot made no sense and the acting was terrible.",
    "So today I want to talk about my trip to the mountains.",
    "We drove for about six hours before we reached the lake.",
    "I was really disappointed with the customer service.",
    "They kept me on hold for almost an hour.",
    "My grandmother passed away last winter.",
    "I still miss her every single day.",
    "You have to try the pasta at this little place downtown.",
    "The price is reasonable for what you get.",
    "I can't stand it when people talk during the show.",
    "The first thing you need to do is open the settings menu.",
    "Honestly, I was not expecting it to be this good.",
    "It arrived two weeks late and the box was crushed.",
    "Thank you all so much for watching my channel.",
    "Let me know in the comments what you think.",
    "The weather was perfect the whole week.",
    "Nobody told us the road was closed.",
    "I'm so excited to finally share this with you.",
    "That is absolutely unacceptable and I want my money back.",
    "Okay, so this is the second part of the review.",
    "The camera takes decent pictures in daylight.",
)
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
    _en("m3", "male", 0), _en("f1", "female", 4), _en("m6", "male", -4, 1.05),
    _en("f4", "female", 0, 0.96), _en("m2", "male", 6), _en("m7", "male", -6),
]  # fmt: skip

STREMO_COLUMNS = ("Filename", "Language", "Gender", "Ethnicity", "Accent", "Age",
                  "Clip Time From", "Clip Time To", "Video_Id", "Source", "Emotion")  # fmt: skip
STREMO_EMOTIONS = {"Anger": "angry", "Happiness": "happy", "Neutral": "neutral"}
STREMO_SPEAKERS = [  # voice, Gender, Ethnicity, Accent, Age
    (_en("m3", "male", 0), "Male", "White", "American", "30-40"),
    (_en("f1", "female", 5), "Female", "Black", "American", "20-30"),
    (_en("m6", "male", -5, 1.04), "Male", "White", "British", "40-50"),
    (_en("f4", "female", -3), "Female", "Asian", "Australian", "30-40"),
    (_en("m7", "male", 6, 0.96), "Male", "Hispanic", "American", "20-30"),
]  # fmt: skip
STREMO_MALFORMED_ID = "abc;rm -rf x"


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Job:
    """One utterance to render. ``key`` seeds its random draws and must be unique."""

    key: str
    text: str
    speaker: Speaker
    emotion: str
    sr: int
    intensity: float = 1.0
    pad: bool = True  # leading/trailing silence and MIN_CLIP_S


@dataclass
class Clip:
    audio: np.ndarray  # float32 mono at job.sr
    sr: int
    lead: float  # seconds of silence before the speech
    speech: float  # seconds of speech


def _rng(seed: int, key: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}/{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _espeak(text: str, voice: str, speed: int, pitch: int, amp: int) -> np.ndarray:
    """espeak-ng's rendering of ``text`` as float32 at ``ESPEAK_SR``."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory(prefix="crossemo-espeak-") as tmp:
        wav = Path(tmp) / "out.wav"
        cmd = [exe, "-w", str(wav), "-v", voice, "-s", str(speed), "-p", str(pitch),
               "-a", str(amp)]  # fmt: skip
        # text on stdin: no quoting issues and nothing read as an option
        subprocess.run(cmd, input=text.encode(), check=True, capture_output=True, timeout=60)
        audio, sr = sf.read(wav, dtype="float32")
    if sr != ESPEAK_SR or audio.ndim != 1 or audio.size == 0:
        raise RuntimeError(f"unexpected espeak-ng output for {text!r}: sr={sr} {audio.shape}")
    return audio


def _warp_pitch(y: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """Tape-style pitch contour: read ``y`` at a time-varying speed of 2**(cents/1200)."""
    speed = np.exp2(cents / 1200.0)
    pos = np.concatenate(([0.0], np.cumsum(speed[:-1])))
    pos = pos[pos <= len(y) - 1]
    return np.interp(pos, np.arange(len(y)), y).astype(np.float32)


def _one_pole(y: np.ndarray, a: float) -> np.ndarray:
    from scipy.signal import lfilter

    return lfilter([1.0 - a], [1.0, -a], y).astype(np.float32)


def _trim(y: np.ndarray, thresh: float = 1e-3) -> np.ndarray:
    idx = np.flatnonzero(np.abs(y) > thresh)
    return y[idx[0] : idx[-1] + 1] if idx.size else y


def _render(job: Job, seed: int) -> Clip:
    rng = _rng(seed, job.key)
    p = _scaled(PROSODY[job.emotion], job.intensity)
    spk = job.speaker
    jitter = rng.normal(size=4)
    speed = int(round(165 * spk.rate * p.rate * (1 + 0.04 * jitter[0])))
    pitch = int(np.clip(round(50 + spk.pitch + p.pitch + 2.5 * jitter[1]), 0, 99))
    amp = int(np.clip(round(p.amp * (1 + 0.05 * jitter[2])), 10, 200))
    y = _trim(_espeak(job.text, spk.voice, speed, pitch, amp))

    sr = ESPEAK_SR
    n = len(y)
    t = np.arange(n) / sr
    cents = np.zeros(n)
    if p.swing:
        f = rng.uniform(1.8, 3.0)
        cents += p.swing * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    if p.glide:
        cents += p.glide * (t / max(t[-1], 1e-3)) ** 2
    if p.vibrato:
        cents += p.vibrato * np.sin(2 * np.pi * rng.uniform(6.0, 7.5) * t)
    if cents.any():
        y = _warp_pitch(y, cents)
        t = np.arange(len(y)) / sr
    if p.tremolo:
        y = y * (1 - p.tremolo * 0.5 * (1 + np.sin(2 * np.pi * rng.uniform(8, 10) * t)))
    if p.drive:
        y = np.tanh(p.drive * y / (np.max(np.abs(y)) + 1e-9))
    if p.lowpass:
        y = _one_pole(y, p.lowpass)
    y = y / (np.max(np.abs(y)) + 1e-9) * p.gain * (1 + 0.06 * jitter[3])

    y = soxr.resample(y.astype(np.float32), sr, job.sr, quality="HQ")
    lead = tail = 0
    if job.pad:
        lead = int(rng.uniform(0.12, 0.35) * job.sr)
        tail = int(rng.uniform(0.15, 0.4) * job.sr)
        tail = max(tail, int(MIN_CLIP_S * job.sr) - lead - len(y))
    out = np.concatenate([np.zeros(lead), y, np.zeros(tail)])
    out += rng.normal(scale=3e-4, size=out.size)  # room noise floor, about -70 dBFS
    return Clip(np.clip(out, -1, 1).astype(np.float32), job.sr, lead / job.sr, len(y) / job.sr)


def _workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def render_all(jobs: Sequence[Job], seed: int) -> list[Clip]:
    """Render ``jobs`` in parallel (espeak-ng runs in subprocesses); order is kept."""
    keys = [j.key for j in jobs]
    if len(set(keys)) != len(keys):
        raise ValueError("job keys must be unique")
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        return list(pool.map(lambda j: _render(j, seed), jobs))


# --------------------------------------------------------------------------- writing helpers


def _wav_bytes(audio: np.ndarray, sr: int, fmt: str = "WAV") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, audio, sr, format=fmt, subtype="PCM_16")
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _with_list_chunk(wav: bytes) -> bytes:
    """Insert a ``LIST/INFO`` chunk before ``data`` (as in the RAVDESS release headers)."""
    pos = wav.find(b"data", 12)
    text = b"Lavf58.29.100\x00"
    info = b"INFO" + b"ISFT" + struct.pack("<I", len(text)) + text
    chunk = b"LIST" + struct.pack("<I", len(info)) + info
    out = wav[:pos] + chunk + wav[pos:]
    return out[:4] + struct.pack("<I", len(out) - 8) + out[8:]


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _fmt(x: float) -> str:
    return f"{x:.3f}"


# --------------------------------------------------------------------------- corpora


def _ravdess(root: Path, seed: int, truth: dict) -> int:
    size = SIZES["RAVDESS"]
    sr = SAMPLE_RATES["RAVDESS"]
    jobs, paths = [], []
    for actor in range(1, size["actors"] + 1):
        spk = RAVDESS_VOICES[(actor - 1) % len(RAVDESS_VOICES)]
        if (spk.gender == "male") != (actor % 2 == 1):
            raise ValueError("RAVDESS voices must alternate male (odd) / female (even)")
        for e, emotion in enumerate(RAVDESS_EMOTIONS, start=1):
            for intensity in (1,) if e == 1 else (1, 2):
                for stmt in range(1, size["statements"] + 1):
                    for rep in range(1, size["repetitions"] + 1):
                        name = f"03-01-{e:02d}-{intensity:02d}-{stmt:02d}-{rep:02d}-{actor:02d}"
                        k = 1.0 if intensity == 1 else 1.35
                        jobs.append(Job(f"ravdess/{name}", RAVDESS_SENTENCES[stmt], spk, emotion,
                                        sr, intensity=k))  # fmt: skip
                        paths.append(root / f"Actor_{actor:02d}" / f"{name}.wav")
        if actor <= size["song_actors"]:  # the song release unpacks into the same folders
            for e in (3, 4):  # happy, sad
                name = f"03-02-{e:02d}-01-01-01-{actor:02d}"
                jobs.append(Job(f"ravdess/{name}", RAVDESS_SENTENCES[1], spk,
                                RAVDESS_EMOTIONS[e - 1], sr))  # fmt: skip
                paths.append(root / f"Actor_{actor:02d}" / f"{name}.wav")
        truth["speakers"][f"RAVDESS/Actor_{actor:02d}"] = spk.gender
    stereo = {1, len(jobs) // 2 + 3}  # a few files are stereo in the release
    for i, (path, clip) in enumerate(zip(paths, render_all(jobs, seed), strict=True)):
        audio = np.stack([clip.audio, clip.audio], axis=1) if i in stereo else clip.audio
        _write(path, _with_list_chunk(_wav_bytes(audio, sr)))
    truth["quirks"]["RAVDESS"] = {
        "stereo": sorted(str(paths[i].relative_to(root)) for i in stereo),
        "song": sorted(str(p.relative_to(root)) for p in paths if p.name[3:5] == "02"),
    }
    return len(jobs)


def _tess(root: Path, seed: int, truth: dict) -> int:
    sr = SAMPLE_RATES["TESS"]
    words = TESS_WORDS[: SIZES["TESS"]["words"]]
    jobs, paths = [], []
    for who, spk in TESS_SPEAKERS.items():
        for suffix, (emotion, oaf_dir, yaf_dir) in TESS_EMOTIONS.items():
            folder = oaf_dir if who == "OAF" else yaf_dir
            for word in words:
                jobs.append(Job(f"tess/{who}/{word}/{suffix}", f"Say the word {word}.", spk,
                                emotion, sr))  # fmt: skip
                paths.append(root / folder / f"{who}_{word}_{suffix}.wav")
        truth["speakers"][f"TESS/{who}"] = spk.gender
    # release quirks: a misnamed file, AIFF behind .wav, one 96 kHz file
    misnamed = paths.index(root / "OAF_neutral" / f"OAF_{words[1]}_neutral.wav")
    paths[misnamed] = paths[misnamed].with_name(f"OA_{words[1]}_neutral.wav")
    aiff = paths.index(root / "YAF_disgust" / f"YAF_{words[-1]}_disgust.wav")
    hi_rate = paths.index(root / "OAF_happy" / f"OAF_{words[0]}_happy.wav")
    jobs[hi_rate] = replace(jobs[hi_rate], sr=96000)
    for i, (path, clip) in enumerate(zip(paths, render_all(jobs, seed), strict=True)):
        _write(path, _wav_bytes(clip.audio, clip.sr, "AIFF" if i == aiff else "WAV"))
    truth["quirks"]["TESS"] = {
        "misnamed": str(paths[misnamed].relative_to(root)),
        "aiff_content": str(paths[aiff].relative_to(root)),
        "rate_96k": str(paths[hi_rate].relative_to(root)),
    }
    return len(jobs)


def _crema(root: Path, seed: int, truth: dict) -> int:
    size = SIZES["CREMA-D"]
    sr = SAMPLE_RATES["CREMA-D"]
    actors = CREMA_ACTORS[: size["actors"]]
    codes = list(CREMA_SENTENCES)
    jobs, paths = [], []
    for a, (actor, _age, sex, _race, _eth, spk) in enumerate(actors):
        sentences = [codes[(a * size["sentences_per_actor"] + i) % len(codes)]
                     for i in range(size["sentences_per_actor"])]  # fmt: skip
        if a == 0 and "IEO" not in sentences:
            sentences[0] = "IEO"  # the one sentence recorded at several levels
        for s_i, code in enumerate(sentences):
            for e_i, (emo, emotion) in enumerate(CREMA_EMOTIONS.items()):
                level = "XX"
                if code == "IEO" and emo != "NEU":
                    level = ("LO", "MD", "HI")[(a + s_i + e_i) % 3]
                name = f"{actor}_{code}_{emo}_{level}"
                jobs.append(Job(f"crema/{name}", CREMA_SENTENCES[code], spk, emotion, sr,
                                intensity=CREMA_LEVELS[level]))  # fmt: skip
                paths.append(root / "AudioWAV" / f"{name}.wav")
        truth["speakers"][f"CREMA-D/{actor}"] = spk.gender
        if spk.gender != sex.lower():
            raise ValueError(f"CREMA-D actor {actor}: voice gender differs from sheet")
    for path, clip in zip(paths, render_all(jobs, seed), strict=True):
        _write(path, _wav_bytes(clip.audio, sr))
    _write_csv(root / "VideoDemographics.csv", ("ActorID", "Age", "Sex", "Race", "Ethnicity"),
               [row[:5] for row in actors])  # fmt: skip
    return len(jobs)


def _savee(root: Path, flat_root: Path, seed: int, truth: dict) -> tuple[int, int]:
    size = SIZES["SAVEE"]
    sr = SAMPLE_RATES["SAVEE"]
    jobs, names = [], []
    for s_i, (spk_id, spk) in enumerate(SAVEE_SPEAKERS.items()):
        for e_i, (code, emotion) in enumerate(SAVEE_EMOTIONS.items()):
            count = size["neutral"] if code == "n" else size["per_emotion"]
            for k in range(1, count + 1):
                text = SAVEE_SENTENCES[(3 * s_i + 2 * e_i + k) % len(SAVEE_SENTENCES)]
                jobs.append(Job(f"savee/{spk_id}/{code}{k:02d}", text, spk, emotion, sr))
                names.append((spk_id, f"{code}{k:02d}.wav"))
        truth["speakers"][f"SAVEE/{spk_id}"] = spk.gender
    for (spk_id, fname), clip in zip(names, render_all(jobs, seed), strict=True):
        data = _wav_bytes(clip.audio, sr)
        _write(root / "AudioData" / spk_id / fname, data)
        _write(flat_root / "ALL" / f"{spk_id}_{fname}", data)
    return len(jobs), len(jobs)


def _emodb(root: Path, seed: int, truth: dict) -> int:
    size = SIZES["EmoDB"]
    sr = SAMPLE_RATES["EmoDB"]
    texts = list(EMODB_TEXTS)
    jobs, names = [], []
    for s_i, (spk_id, spk) in enumerate(list(EMODB_SPEAKERS.items())[: size["speakers"]]):
        for e_i, (letter, emotion) in enumerate(EMODB_EMOTIONS.items()):
            text = texts[(s_i + 3 * e_i) % len(texts)]
            versions = ["a"]
            if (e_i - s_i) % len(EMODB_EMOTIONS) < size["second_versions"]:
                versions.append("b")
            for v in versions:
                name = f"{spk_id}{text}{letter}{v}"
                jobs.append(Job(f"emodb/{name}", EMODB_TEXTS[text], spk, emotion, sr))
                names.append(name)
        truth["speakers"][f"EmoDB/{spk_id}"] = spk.gender
    for name, clip in zip(names, render_all(jobs, seed), strict=True):
        _write(root / "wav" / f"{name}.wav", _wav_bytes(clip.audio, sr))
    return len(jobs)


def _iemocap_block(start: float, end: float, utt: str, label: str, rng: np.random.Generator,
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


def _iemocap(root: Path, seed: int, truth: dict) -> int:
    size = SIZES["IEMOCAP"]
    sr = SAMPLE_RATES["IEMOCAP"]
    extras = ("oth", "sur", "fea", "dis")
    base = ["neu", "hap", "exc", "sad", "ang", "fru", "xxx", "neu", "sad", "ang", "exc", "fru"]
    total = 0
    d_i = 0
    for session in range(1, size["sessions"] + 1):
        female, male = IEMOCAP_SPEAKERS[(session - 1) % len(IEMOCAP_SPEAKERS)]
        truth["speakers"][f"IEMOCAP/Ses{session:02d}F"] = female.gender
        truth["speakers"][f"IEMOCAP/Ses{session:02d}M"] = male.gender
        sess = root / f"Session{session}"
        for dialog in (f"Ses{session:02d}F_impro01", f"Ses{session:02d}M_script01_1"):
            rng = _rng(seed, f"iemocap/{dialog}")
            n = size["utterances_per_dialog"]
            labels = [base[i % len(base)] for i in range(n - 2)]
            labels += [extras[(2 * d_i) % 4], extras[(2 * d_i + 1) % 4]][: max(0, n - len(labels))]
            rng.shuffle(labels)
            jobs, utts = [], []
            counts = {"F": 0, "M": 0}
            for i, label in enumerate(labels):
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
            clips = render_all(jobs, seed)
            evaluation = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""]
            transcript = []
            t = float(rng.uniform(2.0, 6.0))
            for (utt, who, label, text), clip in zip(utts, clips, strict=True):
                dur = len(clip.audio) / sr
                start, end = t, t + dur
                _write(sess / "sentences" / "wav" / dialog / f"{utt}.wav",
                       _wav_bytes(clip.audio, sr))  # fmt: skip
                evaluation += _iemocap_block(start, end, utt, label, rng, who) + [""]
                transcript.append(f"{utt} [{start:08.4f}-{end:08.4f}]: {text}")
                t = end + float(rng.uniform(0.3, 2.5))
            _write(sess / "dialog" / "EmoEvaluation" / f"{dialog}.txt",
                   ("\n".join(evaluation) + "\n").encode())  # fmt: skip
            _write(sess / "dialog" / "transcriptions" / f"{dialog}.txt",
                   ("\n".join(transcript) + "\n").encode())  # fmt: skip
            total += len(jobs)
            d_i += 1
    return total


_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _video_ids(seed: int, salt: str, n: int) -> list[str]:
    rng = _rng(seed, f"video-ids/{salt}")
    ids: list[str] = []
    while len(ids) < n:
        vid = "".join(_ID_CHARS[i] for i in rng.integers(0, 64, size=11))
        if vid not in ids:
            ids.append(vid)
    return ids


def _compose(clips: Sequence[Clip], gaps: Sequence[float], sr: int, lead: float, tail: float,
             rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[float, float]]]:  # fmt: skip
    """One long recording of ``clips`` separated by silences; returns the speech spans (s)."""
    parts = [np.zeros(int(lead * sr), dtype=np.float32)]
    spans = []
    t = lead
    for clip, gap in zip(clips, gaps, strict=True):
        s = clip.audio[round(clip.lead * sr) : round((clip.lead + clip.speech) * sr)]
        spans.append((t, t + len(s) / sr))
        parts += [s, np.zeros(int(gap * sr), dtype=np.float32)]
        t += (len(s) + int(gap * sr)) / sr
    parts.append(np.zeros(int(tail * sr), dtype=np.float32))
    audio = np.concatenate(parts)
    audio += rng.normal(scale=3e-4, size=audio.size).astype(np.float32)
    return np.clip(audio, -1, 1), spans


def _write_csd(path: Path, root_name: str, data: dict[str, dict[str, np.ndarray]],
               metadata: dict[str, object]) -> None:  # fmt: skip
    """A computational sequence laid out as the CMU Multimodal SDK's ``write_CSD`` does."""
    import h5py

    path.parent.mkdir(parents=True, exist_ok=True)
    md5 = hashlib.md5()
    for vid in data:
        md5.update(vid.encode())
        md5.update(np.ascontiguousarray(data[vid]["features"]).tobytes())
        md5.update(np.ascontiguousarray(data[vid]["intervals"]).tobytes())
    metadata = {**metadata, "md5": md5.hexdigest()}
    with h5py.File(path, "w", track_order=False) as fh:
        root = fh.create_group(root_name)
        group = root.create_group("data")
        for vid, entry in data.items():
            g = group.create_group(vid)
            g.create_dataset("features", data=entry["features"])
            g.create_dataset("intervals", data=entry["intervals"])
        meta = root.create_group("metadata")
        for key, value in metadata.items():
            ds = meta.create_dataset(key, (1,), dtype=h5py.special_dtype(vlen=str))
            ds[0] = json.dumps(value)


def _csd_metadata(root_name: str, description: str, dims: list[str], seed: int) -> dict:
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


def _mosei(root: Path, seed: int, truth: dict) -> int:
    size = SIZES["CMU-MOSEI"]
    sr = SAMPLE_RATES["CMU-MOSEI"]
    ids = _video_ids(seed, "mosei", size["videos"])
    ids[0] = "-" + ids[0][1:]  # real ids may start with '-'
    n_seg = size["segments_per_video"]
    mismatched = {(1, 2), (4, 0), (6, n_seg - 1)}
    label_rows, labels_csd, words_csd, bad = [], {}, {}, []
    sentences = MONOLOGUE_SENTENCES
    for v_i, vid in enumerate(ids):
        spk = MOSEI_VOICES[v_i % len(MOSEI_VOICES)]
        rng = _rng(seed, f"mosei/{vid}")
        kinds = [MOSEI_CYCLE[(v_i * 3 + s) % len(MOSEI_CYCLE)] for s in range(n_seg)]
        texts = [sentences[(v_i * n_seg + s) % len(sentences)] for s in range(n_seg)]
        jobs = [Job(f"mosei/{vid}/{s}", texts[s], spk, MOSEI_KINDS[k][0], sr, pad=False)
                for s, k in enumerate(kinds)]  # fmt: skip
        clips = render_all(jobs, seed)
        gaps = [float(rng.uniform(0.4, 0.9)) for _ in clips]
        audio, spans = _compose(clips, gaps, sr, float(rng.uniform(0.4, 1.0)), 0.3, rng)
        _write(root / "Raw" / "Audio" / "Full" / "WAV_16000" / f"{vid}.wav", _wav_bytes(audio, sr))
        words, intervals, feats, ivals, lines = [], [], [], [], []
        prev = 0.0
        for s, (kind, (start, end)) in enumerate(zip(kinds, spans, strict=True)):
            shown = texts[s]
            if (v_i, s) in mismatched:  # transcript of some other sentence
                shown = sentences[(v_i * n_seg + s + len(sentences) // 2) % len(sentences)]
                bad.append({"video_id": vid, "segment_id": s, "spoken": texts[s],
                            "transcript": shown})  # fmt: skip
            lo, hi = round(start - 0.05, 3), round(end + 0.05, 3)
            feats.append(MOSEI_KINDS[kind][1])
            ivals.append((lo, hi))
            label_rows.append((vid, s, _fmt(lo), _fmt(hi),
                               *(f"{x:.4f}" for x in MOSEI_KINDS[kind][1])))  # fmt: skip
            lines.append(f"{vid}___{s}___{_fmt(lo)}___{_fmt(hi)}___{shown}")
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
        total_s = len(audio) / sr
        words.append("sp")
        intervals.append((prev, total_s))
        labels_csd[vid] = {
            "features": np.asarray(feats, dtype=np.float32),
            "intervals": np.round(np.asarray(ivals, dtype=np.float64), 3),
        }
        words_csd[vid] = {
            "features": np.asarray([[w.encode()] for w in words]),
            "intervals": np.round(np.asarray(intervals, dtype=np.float64), 3),
        }
        _write(root / "Raw" / "Transcript" / "Segmented" / "Combined" / f"{vid}.txt",
               ("\n".join(lines) + "\n").encode())  # fmt: skip
    dims = ["sentiment", "happy", "sad", "anger", "surprise", "disgust", "fear"]
    _write_csd(root / "sdk" / "CMU_MOSEI_Labels.csd", "All Labels", labels_csd,
               _csd_metadata("All Labels", "Sentiment and emotion labels", dims, seed))  # fmt: skip
    _write_csd(root / "sdk" / "CMU_MOSEI_TimestampedWords.csd", "words", words_csd,
               _csd_metadata("words", "Word-aligned transcripts", ["word"], seed))  # fmt: skip
    _write_csv(root / "labels.csv", ("video_id", "segment_id", "start", "end", *dims), label_rows)
    truth["quirks"]["CMU-MOSEI"] = {"mismatched_transcripts": bad, "video_ids": ids}
    return len(ids)


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _m4a(path: Path, audio: np.ndarray, sr: int) -> None:
    """AAC in an MP4 container, bit-exact (no creation time, no encoder tag)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [exe, "-nostdin", "-loglevel", "error", "-y", "-threads", "1", "-f", "wav",
           "-i", "pipe:0", "-c:a", "aac", "-b:a", "96k", "-map_metadata", "-1",
           "-fflags", "+bitexact", "-flags:a", "+bitexact", "-movflags", "+faststart",
           str(path)]  # fmt: skip
    subprocess.run(cmd, input=_wav_bytes(audio, sr), check=True, capture_output=True, timeout=120)


def _write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    """An xlsx with fixed document times and zip entry dates (byte-identical reruns)."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    fixed = dt.datetime(2023, 1, 1)
    wb.properties.creator = "crossemo demo"
    wb.properties.created = wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with now()
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2023-01-01T00:00:00Z",
                              data)  # fmt: skip
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)
    _write(path, out.getvalue())


def _stremo(root: Path, seed: int, truth: dict) -> int:
    size = SIZES["StrEmo"]
    sr = SAMPLE_RATES["StrEmo"]
    labels = list(STREMO_EMOTIONS)
    n_videos = size["videos_per_emotion"] * len(labels)
    ids = _video_ids(seed, "stremo", n_videos + 1)
    missing_id = ids.pop()
    n_sent = size["sentences_per_video"]
    rows: list[list] = []
    quirks: dict[str, object] = {}
    for v_i, vid in enumerate(ids):
        label = labels[v_i % len(labels)]
        s_i = v_i % len(STREMO_SPEAKERS)
        spk, gender, ethnicity, accent, age = STREMO_SPEAKERS[s_i]
        rng = _rng(seed, f"stremo/{vid}")
        texts = [MONOLOGUE_SENTENCES[(5 * v_i + k) % len(MONOLOGUE_SENTENCES)]
                 for k in range(n_sent)]  # fmt: skip
        jobs = [Job(f"stremo/{vid}/{k}", t, spk, STREMO_EMOTIONS[label], sr, pad=False)
                for k, t in enumerate(texts)]  # fmt: skip
        gaps = [float(rng.uniform(1.0, 1.6)) for _ in jobs]
        audio, spans = _compose(render_all(jobs, seed), gaps, sr, 1.5, 1.0, rng)
        _m4a(root / "media" / f"{vid}.m4a", audio, sr)
        person = ["English", gender, ethnicity, accent, age]
        groups = [(0, 1), (3, 3), (5, 6)] if n_sent >= 7 else [(0, n_sent - 1)]
        for a, b in groups:
            t0, t1 = math.floor(spans[a][0] - 0.2), math.ceil(spans[b][1] + 0.2)
            rows.append([*person, _hms(t0), _hms(t1), vid, "YouTube", label])
        if v_i == 0:  # two overlapping clips of one video
            t0, t1 = math.floor(spans[1][0]), math.ceil(spans[2][1])
            rows.append([*person, _hms(t0), _hms(t1), vid, "YouTube", label])
            quirks["overlap"] = {"video_id": vid, "rows": [len(rows) - 4, len(rows) - 1]}
        if v_i == 1:  # a zero-length clip
            t0 = math.floor(spans[2][0])
            rows.append([*person, _hms(t0), _hms(t0), vid, "YouTube", label])
            quirks["zero_length"] = len(rows) - 1
        if v_i in (3, 4):  # trailing spaces ('Anger ', 'Happiness ', 'Male ')
            rows[-1][-1] = label + " "
            quirks.setdefault("trailing_space", []).append(len(rows) - 1)
        if v_i == 5:
            rows[-2][1] = gender + " "
            quirks.setdefault("trailing_space", []).append(len(rows) - 2)
    spk, gender, ethnicity, accent, age = STREMO_SPEAKERS[0]
    person = ["English", gender, ethnicity, accent, age]
    rows.append([*person, "0:00:05", "0:00:11", missing_id, "YouTube", "Anger"])
    quirks["unavailable"] = {"row": len(rows) - 1, "video_id": missing_id}
    rows.append([*person, "0:00:02", "0:00:07", STREMO_MALFORMED_ID, "YouTube", "Neutral"])
    quirks["malformed"] = {"row": len(rows) - 1, "video_id": STREMO_MALFORMED_ID}
    table = [[f"StrEmo_{i + 1:04d}.wav", *r] for i, r in enumerate(rows)]
    _write_xlsx(root / "strEmo.xlsx", STREMO_COLUMNS, table)
    _write_csv(root / "strEmo.csv", STREMO_COLUMNS, table)
    truth["quirks"]["StrEmo"] = quirks
    for i, (voice, *_rest) in enumerate(STREMO_SPEAKERS):
        truth["speakers"][f"StrEmo/speaker{i}"] = voice.gender
    return len(ids)


# --------------------------------------------------------------------------- entry point


def synthesize(out_dir: Path, seed: int = 0, *,
               corpora: Iterable[str] | None = None) -> dict[str, int]:  # fmt: skip
    """Write the demo corpora under ``out_dir``; returns the audio files written per corpus.

    ``corpora`` limits the run to some of :data:`CORPORA` (``SAVEE`` writes ``SAVEE-flat``
    too). The same ``seed`` gives byte-identical files.
    """
    out_dir = Path(out_dir)
    wanted = list(CORPORA) if corpora is None else list(corpora)
    unknown = sorted(set(wanted) - set(CORPORA))
    if unknown:
        raise ValueError(f"unknown demo corpora: {unknown}; choose from {CORPORA}")
    out_dir.mkdir(parents=True, exist_ok=True)
    truth: dict = {"seed": seed, "speakers": {}, "quirks": {}}
    counts: dict[str, int] = {}
    writers = {"RAVDESS": _ravdess, "TESS": _tess, "CREMA-D": _crema, "EmoDB": _emodb,
               "IEMOCAP": _iemocap, "CMU-MOSEI": _mosei, "StrEmo": _stremo}  # fmt: skip
    for name in CORPORA:
        if name not in wanted:
            continue
        log.info("synthesising %s", name)
        if name == "SAVEE":
            flat = out_dir / "SAVEE-flat"
            counts["SAVEE"], counts["SAVEE-flat"] = _savee(out_dir / "SAVEE", flat, seed, truth)
        else:
            counts[name] = writers[name](out_dir / name, seed, truth)
    truth["files"] = counts
    (out_dir / "demo_truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    return counts
