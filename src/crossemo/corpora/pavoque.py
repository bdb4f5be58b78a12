"""PAVOQUE (Prosody and Voice Quality corpus, DFKI/MaryTTS; github.com/marytts/pavoque-data
releases): long ``pavoque-<style>.flac`` recordings cut by ``pavoque-<style>.yaml``, German.

Layout: one speaker (Stefan Röttig, male) reading prompts in five styles; the release ships, per
recording, a FLAC (44.1 kHz mono, up to several hours long) and beside it a YAML segmentation
file of the same name: ``pavoque-{neutral,angry,happy,sad,poker,outtakes}.{flac,yaml}`` (EmoBox's
``downloads/pavoque/pavoque-<style>.flac`` with ``start_time``/``end_time``, read by EmoBox from
the same YAML files). A YAML file is a list of segments with ``prompt`` (e.g. ``m0072``,
``spike0018``, ``poker_n0095``), ``style``, ``start`` and ``end`` in seconds (and ``text`` when
given: the ``text``). Each segment is one utterance (``start``/``end`` of the FLAC), its id
``<prompt>-<style>`` (EmoBox's key). The label is the segment's ``style``, not the file's name:
``pavoque-outtakes`` holds further takes of all five styles (1892 of EmoBox's 7334 segments),
whose prompts carry a take letter (``m0128a``, ``a0417c``). The ``sentence`` is the prompt
without that letter, so every take of a prompt, in any style, shares it.

Styles (EmoBox's ``emo``): neutral, angry anger, happy happiness, sad sadness, poker
``poker_face`` (the speaker's deliberately expressionless style). A segment with another style is
an ``unknown_label`` reject, one without a prompt ``no_label``, times that are not numbers
``bad_time``; a YAML file without its FLAC gives a ``no_audio_for_label`` reject per segment, one
that cannot be read an ``unreadable`` reject; audio without a YAML file beside it (a converted
copy, a second format) is a ``no_label`` reject. Segment times beyond the audio are checked on
ingestion (``end_beyond_file``, ``segment_out_of_range``). Language ``de``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from crossemo.core.reasons import BAD_TIME, NO_AUDIO_FOR_LABEL, NO_LABEL, UNKNOWN_LABEL, UNREADABLE
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, walk_audio

STYLE = {
    "neutral": "neutral", "angry": "anger", "happy": "happiness", "sad": "sadness",
    "poker": "poker_face",
}  # fmt: skip
SPEAKER = "roettig"
#: the segmentation files: ``pavoque-<name>.yaml`` beside ``pavoque-<name>.flac``
SEGMENTATION = re.compile(r"^pavoque-[\w-]+\.ya?ml$", re.ASCII | re.IGNORECASE)
_TAKE = re.compile(r"^(?P<base>.*\d)[a-z]?$", re.ASCII)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sentence_of(prompt: str) -> str:
    """The ``sentence`` of a prompt: its id without the outtakes' take letter."""
    match = _TAKE.match(prompt)
    return match["base"] if match else prompt


def segmentations(root: Path) -> list[Path]:
    """Every ``pavoque-*.yaml`` under ``root``, sorted."""
    return sorted(p for p in root.rglob("*") if SEGMENTATION.match(p.name) and p.is_file())


def read_segments(path: Path) -> list | Reject:
    """The segments of one YAML file, or an ``unreadable`` reject naming the problem."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        return Reject(path, UNREADABLE, f"not a PAVOQUE segmentation: {err}")
    if not isinstance(data, list):
        return Reject(path, UNREADABLE, "not a PAVOQUE segmentation: expected a list of segments")
    return data


def segment(audio: Path, sheet: Path, entry: object) -> Utterance | Reject:
    """One YAML segment of ``audio`` -> utterance, or a reject."""
    if not isinstance(entry, dict) or not str(entry.get("prompt") or "").strip():
        return Reject(audio, NO_LABEL, f"{sheet.name}: a segment without a prompt: {entry!r}")
    prompt, style = str(entry["prompt"]).strip(), str(entry.get("style", "")).strip().lower()
    local_id = f"{prompt}-{style}"
    if style not in STYLE:
        return Reject(audio, UNKNOWN_LABEL, f"{sheet.name}: style {style!r}", local_id)
    try:
        start, end = float(entry["start"]), float(entry["end"])
    except (KeyError, TypeError, ValueError) as err:
        return Reject(audio, BAD_TIME, f"{sheet.name}: {local_id}: start/end {err}", local_id)
    text = entry.get("text")
    return Utterance(
        local_id=local_id,
        path=audio,
        speaker=SPEAKER,
        raw_label=style,
        emotion=STYLE[style],
        gender="male",
        start=start,
        end=end,
        text=str(text).strip() if text is not None else None,
        sentence=sentence_of(prompt),
        language="de",
        extra={"prompt": prompt, "recording": audio.stem},
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every segment of every ``pavoque-*.yaml`` under ``root``; no options."""
    no_options(options)
    audio, junk = walk_audio(root)
    result = Scan(rejects=junk)
    by_stem = {(p.parent, p.stem.lower()): p for p in audio}
    used: set[Path] = set()
    for sheet in segmentations(root):
        flac = by_stem.get((sheet.parent, sheet.stem.lower()))
        segments = read_segments(sheet)
        if isinstance(segments, Reject):
            result.add(segments)
            continue
        for entry in segments:
            if flac is None:
                missing = sheet.with_suffix(".flac")
                item = segment(missing, sheet, entry)
                if isinstance(item, Utterance):
                    item = Reject(missing, NO_AUDIO_FOR_LABEL, f"{sheet.name}", item.local_id)
                result.add(item)
            else:
                result.add(segment(flac, sheet, entry))
        if flac is not None:
            used.add(flac)
    for path in audio:
        if path not in used:
            result.add(Reject(path, NO_LABEL, "no PAVOQUE segmentation (pavoque-*.yaml) beside it"))
    return result
