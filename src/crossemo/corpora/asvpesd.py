"""ASVP-ESD (emotional speech and sounds): ``Audio/actor_7/03-01-05-02-09-07-02-03-01.wav``.

Layout (EmoBox's paths; the Kaggle/Zenodo release): ``Audio/actor_<n>/`` and ``Bonus/actor_<n>/``
(the bonus folders hold mostly babies' voices), plus an ``Audio/actor_/`` folder without a
number. Names are RAVDESS-like, dash-separated two-digit fields, of varying length (8 to 12
fields; five bonus files have a space before the last dash, ``...-14 -03.wav``): modality (03
audio-only), vocal channel (01 speech, 02 non-speech), emotion, intensity (01 normal, 02 high),
statement, actor, age (01 over 65, 02 20-64, 03 under 20, 04 baby), source (01/02 websites and
YouTube, 03 movies), then, when present, language (01 Chinese, 02 English, 04 French, others
Russian and other languages) and numbers of the publisher's own.

The speaker is the actor field of the name (``07`` read as ``7``), as in EmoBox: the folder
disagrees for 187 of EmoBox's files (the number-less ``actor_`` folder and a few others). The
gender follows the publisher's rule (odd actor numbers female, even male, which EmoBox's
script also applies); for babies (age 04) it is ``unknown``. The language is ISO 639-1 from the
language field (``zh``, ``en``, ``fr``), null when the field is absent or another language.
The clips are gathered from films, TV and websites, so the statement field is no shared text:
the ``sentence`` is null. Emotion codes (the publisher's, and EmoBox's label map): 01 boredom
(sigh), 02 neutral (calm), 03 happiness (laugh), 04 sadness (cry), 05 anger (grunt,
frustration), 06 fear (scream, panic), 07 disgust (dislike, contempt), 08 surprise (gasp,
amazed), 09 excitement, 10 pleasure, 11 pain (groan), 12 disappointment (disapproval), 13
breath; 17 (one bonus file), which EmoBox maps to ``UnKnown``, is ``undecided``. Both vocal
channels are kept (EmoBox keeps them). The id is the name's fields joined by dashes (spaces
dropped). Names that are not such fields are ``unparsable_name`` rejects, other emotion codes
``unknown_emotion_code`` ones.
"""

from __future__ import annotations

from pathlib import Path

from crossemo.core.reasons import UNKNOWN_EMOTION_CODE, UNPARSABLE_NAME
from crossemo.corpora.base import Reject, Scan, Utterance, no_options, scan_files

EMOTION = {
    "01": "boredom", "02": "neutral", "03": "happiness", "04": "sadness", "05": "anger",
    "06": "fear", "07": "disgust", "08": "surprise", "09": "excitement", "10": "pleasure",
    "11": "pain", "12": "disappointment", "13": "breath", "17": "undecided",
}  # fmt: skip
VOCAL_CHANNEL = {"01": "speech", "02": "non-speech"}
INTENSITY = {"01": "normal", "02": "high"}
AGE = {"01": "over 65", "02": "20-64", "03": "under 20", "04": "baby"}
SOURCE = {"01": "website", "02": "website", "03": "movies"}
LANGUAGE = {"01": "zh", "02": "en", "04": "fr"}
#: the age code of babies, whose gender the actor number does not give
BABY = "04"
#: fields up to and including the source
MIN_FIELDS = 8


def parse(path: Path) -> Utterance | Reject:
    """One ASVP-ESD file -> utterance, or a reject."""
    fields = [field.strip() for field in path.stem.split("-")]
    if len(fields) < MIN_FIELDS or not all(f.isascii() and f.isdigit() for f in fields):
        return Reject(path, UNPARSABLE_NAME, "expected 03-<vocal>-<emotion>-... digit fields")
    local_id = "-".join(fields)
    modality, vocal, code, intensity, statement, actor, age, source = fields[:MIN_FIELDS]
    if modality != "03":
        return Reject(path, UNPARSABLE_NAME, f"modality {modality!r}, not 03 (audio)", local_id)
    if code not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"emotion {code!r}", local_id)
    speaker = str(int(actor))
    gender = "unknown" if age == BABY else ("male" if int(actor) % 2 == 0 else "female")
    language = LANGUAGE.get(fields[MIN_FIELDS]) if len(fields) > MIN_FIELDS else None
    return Utterance(
        local_id=local_id,
        path=path,
        speaker=speaker,
        raw_label=code,
        emotion=EMOTION[code],
        gender=gender,
        sentence=None,
        language=language,
        extra={
            "vocal_channel": VOCAL_CHANNEL.get(vocal, vocal),
            "intensity": INTENSITY.get(intensity, intensity),
            "statement": statement,
            "age": AGE.get(age, age),
            "source": SOURCE.get(source, source),
        },
    )


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every audio file under ``root``; no options."""
    no_options(options)
    return scan_files(root, parse)
