"""M3ED (Zhao et al., ACL 2022): ``modality_speech/<speaker>_<utt>.wav`` + ``annotation.json``.

Layout from EmoBox's preparation script (EmoBox ships folds but no file list for M3ED; the
publisher's repository, github.com/aim3-ruc/rucm3ed, documents no layout): the release's
``annotation.json`` maps each TV series (``movie``) to its dialogue clips, each with
``SpeakerInfo`` (``A``, ``B`` ... -> name and, where given, gender) and ``Dialog`` (utterance id
-> ``Speaker``, ``Text``, ``StartTime``, ``EndTime``, ``EmoAnnotation.final_main_emo``); the
speech of each utterance is ``modality_speech/<Speaker>_<utterance id>.wav``;
``splitInfo/movie_list_{train,val,test}.txt`` name the series of each split. The adapter needs
``annotation.json`` (any case, at the root): without it the scan stops with an error naming it.
Audio files are matched by name wherever they lie under the root.

Speaker: ``<movie>_<name>`` (EmoBox's coding; a character keeps one speaker across the series'
dialogues); gender from ``SpeakerInfo`` when it says; language ``zh``; ``text`` the utterance's
``Text``; no ``sentence`` (unscripted dialogue). ``extra``: ``dialog`` (the clip id) and
``m3ed_split`` (from ``splitInfo``, when there).

Labels: ``final_main_emo`` (EmoBox's label map): Anger, Disgust, Fear, Happy, Neutral, Sad,
Surprise. An audio file the annotation does not list is a ``no_label`` reject, an annotated
utterance without audio a ``no_audio_for_label`` one, an unknown label an ``unknown_label`` one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from crossemo.core.reasons import UNKNOWN_LABEL
from crossemo.corpora.base import Reject, Scan, Utterance, find_ci, no_options, normalize_gender
from crossemo.corpora.sheets import scan_keyed

EMOTION = {
    "Anger": "anger", "Disgust": "disgust", "Fear": "fear", "Happy": "happiness",
    "Neutral": "neutral", "Sad": "sadness", "Surprise": "surprise",
}  # fmt: skip
ANNOTATION = "annotation.json"
SPLITS = {"train": "train", "val": "valid", "test": "test"}


@dataclass(frozen=True)
class Label:
    """One annotated utterance of ``annotation.json``."""

    utt: str
    movie: str
    dialog: str
    speaker: str
    gender: str
    text: str | None
    label: str


def find_annotation(root: Path) -> Path:
    """``root/annotation.json``; FileNotFoundError saying what to do when it is absent."""
    found = find_ci(root, ANNOTATION)
    if found is None or not found.is_file():
        raise FileNotFoundError(
            f"M3ED under {root}: no {ANNOTATION} (the release's label file, beside "
            "modality_speech/); unpack it there or check corpora.<name>.root"
        )
    return found


def read_labels(path: Path) -> dict[str, Label]:
    """``<Speaker>_<utterance id>`` (the audio file's stem) -> its label."""
    labels = {}
    for movie, clips in json.loads(path.read_text(encoding="utf-8")).items():
        for dialog, clip in clips.items():
            people = clip.get("SpeakerInfo") or {}
            for utt, item in (clip.get("Dialog") or {}).items():
                who = str(item.get("Speaker", ""))
                person = people.get(who) or {}
                labels[f"{who}_{utt}"] = Label(
                    utt=utt,
                    movie=movie,
                    dialog=dialog,
                    speaker=f"{movie}_{person.get('Name') or who}",
                    gender=normalize_gender(person.get("Gender")),
                    text=item.get("Text"),
                    label=str((item.get("EmoAnnotation") or {}).get("final_main_emo", "")),
                )
    return labels


def read_splits(root: Path) -> dict[str, str]:
    """movie -> split from ``splitInfo/movie_list_<split>.txt`` (empty when absent)."""
    splits = {}
    for name, split in SPLITS.items():
        listing = find_ci(root, "splitInfo", f"movie_list_{name}.txt")
        if listing is not None and listing.is_file():
            for movie in listing.read_text(encoding="utf-8").split():
                splits[movie] = split
    return splits


def parse(path: Path, label: Label, splits: dict[str, str]) -> Utterance | Reject:
    """One utterance's audio and its annotation -> utterance, or a reject."""
    if label.label not in EMOTION:
        return Reject(path, UNKNOWN_LABEL, f"final_main_emo {label.label!r}", label.utt)
    return Utterance(
        local_id=label.utt,
        path=path,
        speaker=label.speaker,
        raw_label=label.label,
        emotion=EMOTION[label.label],
        gender=label.gender,
        text=label.text,
        sentence=None,
        language="zh",
        extra={"dialog": label.dialog, "m3ed_split": splits.get(label.movie)},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root`` with its annotation; no options."""
    no_options(options)
    annotation = find_annotation(root)
    splits = read_splits(root)
    return scan_keyed(
        root, read_labels(annotation), lambda p: p.stem, lambda p, lab: parse(p, lab, splits),
        annotation,
    )  # fmt: skip
