"""ShEMO (Sharif Emotional Speech Database, Mohamad Nezami et al. 2019): ``female/F01A01.wav``,
``male/M01A01.wav`` and the label sheet ``shemo.json``, Persian.

Layout: the publisher's ``female.zip`` and ``male.zip`` unpack to ``female/`` and ``male/`` (3000
WAV files of radio-play speech, 87 speakers); ``shemo.json`` (labels and transcripts, from the
repository github.com/pariajm/sharif-emotional-speech-dataset) sits at the root, as in EmoBox's
``downloads/shemo/{female,male}/<id>.wav`` and ``downloads/shemo/shemo.json``. Names are
``<sex><speaker:2><emotion><number:2>``: ``F``/``M`` (the gender), the speaker's number within that
sex (``F01`` and ``M01`` are different people: the ``speaker`` is ``F01``), the emotion letter
(A anger, H happiness, N neutral, S sadness, W surprise, F fear) and the utterance number.

``shemo.json`` maps each id to ``speaker_id``, ``gender``, ``emotion`` (angry, happy, neutral,
sad, surprised, fearful: the ``raw_label``, EmoBox's ``emo``) and ``transcript`` (the ``text``);
an older form is a list of such objects with an ``id``. It lists 2838 of the 3000 files, those
whose transcript file matched the audio, and so does EmoBox: an audio file it does not list is a
``no_label`` reject, an entry without its audio a ``no_audio_for_label`` one, an emotion word it
does not know an ``unknown_label`` one. Without the sheet the scan stops naming it, unless the
option ``metadata: null`` takes the labels from the names' letters (all 3000 files, no text).
Radio-play lines are not repeated across speakers: ``sentence`` is null. Language ``fa``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from crossemo.core.reasons import (
    NO_AUDIO_FOR_LABEL,
    NO_LABEL,
    UNKNOWN_EMOTION_CODE,
    UNKNOWN_LABEL,
    UNPARSABLE_NAME,
)
from crossemo.corpora.base import Reject, Scan, Utterance, find_ci, scan_files

#: the publisher's label sheet, relative to the root (the default of the option ``metadata``)
METADATA = "shemo.json"
#: emotion letters of the file names
LETTER = {
    "A": "anger", "H": "happiness", "N": "neutral", "S": "sadness", "W": "surprise", "F": "fear",
}  # fmt: skip
#: emotion words of shemo.json (EmoBox's ``emo``)
WORD = {
    "angry": "anger", "happy": "happiness", "neutral": "neutral", "sad": "sadness",
    "surprised": "surprise", "fearful": "fear",
}  # fmt: skip
GENDER = {"F": "female", "M": "male"}
FOLDER = {"F": "female", "M": "male"}

_NAME = re.compile(r"^(?P<speaker>(?P<sex>[FM])\d\d)(?P<code>[A-Z])(?P<num>\d\d)$",
                   re.ASCII | re.IGNORECASE)  # fmt: skip


def read_metadata(path: Path) -> dict[str, dict]:
    """``shemo.json``: utterance id -> its entry (either published form); ValueError naming the
    file when it is neither."""
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(data, list):
        data = {str(entry.get("id")): entry for entry in data if isinstance(entry, dict)}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object of utterance ids (ShEMO's shemo.json)")
    return {str(key).upper(): value for key, value in data.items()}


def _utterance(path: Path, entry: dict | None) -> Utterance | Reject:
    """One ShEMO file and its sheet entry (None: labels from the name) -> utterance or reject
    (an unparsable name first)."""
    match = _NAME.match(path.stem)
    if match is None:
        return Reject(path, UNPARSABLE_NAME, "expected <F|M><speaker:2><emotion><number:2>")
    local_id, code = path.stem.upper(), match["code"].upper()
    if entry is None:
        if code not in LETTER:
            return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
        raw, emotion, text = code, LETTER[code], None
    else:
        raw = str(entry.get("emotion", "")).strip().lower()
        if raw not in WORD:
            return Reject(path, UNKNOWN_LABEL, f"{METADATA} emotion {raw!r}", local_id)
        emotion, text = WORD[raw], entry.get("transcript")
    sex = match["sex"].upper()
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=match["speaker"].upper(),
        raw_label=raw,
        emotion=emotion,
        gender=GENDER[sex],
        text=text.strip().lstrip("\ufeff") if isinstance(text, str) else None,
        language="fa",
        extra={"name_emotion": LETTER.get(code, code)},
    )


def scan(root: Path, corpus: str, metadata: str | None = METADATA) -> Scan:
    """Every audio file under ``root`` labelled by ``metadata`` (a file relative to the root;
    None: labels from the file names)."""
    if metadata is None:
        return scan_files(root, lambda path: _utterance(path, None))
    sheet = find_ci(root, *Path(metadata).parts)
    if sheet is None or not sheet.is_file():
        raise FileNotFoundError(
            f"{corpus}: {root / metadata} not found: ShEMO's labels and transcripts "
            "(shemo.json of github.com/pariajm/sharif-emotional-speech-dataset); put it in the "
            f"corpus root, or set corpora.{corpus}.options.metadata: null to take the labels "
            "from the file names (all 3000 files, no transcripts)"
        )
    entries = read_metadata(sheet)
    result = scan_files(root, lambda path: _labelled(path, entries))
    seen = {u.local_id for u in result.utterances} | {r.local_id for r in result.rejects}
    for utt_id in sorted(set(entries) - seen):
        folder = FOLDER.get(utt_id[:1], "")
        missing = root / folder / f"{utt_id}.wav"
        result.rejects.append(Reject(missing, NO_AUDIO_FOR_LABEL, f"{sheet.name}: {utt_id}",
                                     utt_id))  # fmt: skip
    return result


def _labelled(path: Path, entries: dict[str, dict]) -> Utterance | Reject:
    """A file with its sheet entry; a ``no_label`` reject when the sheet does not list it."""
    entry = entries.get(path.stem.upper())
    if entry is None and _NAME.match(path.stem):
        return Reject(path, NO_LABEL, f"not listed in {METADATA}", path.stem.upper())
    return _utterance(path, entry or {})
