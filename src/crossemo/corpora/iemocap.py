"""IEMOCAP: ``Session{n}/sentences/wav/<dialog>/<utt>.wav`` with per-dialog label files.

Labels come from ``Session{n}/dialog/EmoEvaluation/<dialog>.txt`` lines
``[start - end]\\t<utt>\\t<label>\\t[V, A, D]`` (the annotators' lines below them are ignored),
transcripts from ``Session{n}/dialog/transcriptions/<dialog>.txt`` lines
``<utt> [start-end]: text``. Folder names are matched case-insensitively and wavs are found
anywhere under ``sentences/wav`` (flat copies too). The speaker is the session plus the
utterance's own sex letter (``Ses01F_impro01_M000`` -> ``Ses01M``), the leakage group is the
session: both speakers of a session share dialogs. ``xxx`` (no agreement) and ``oth`` are kept
as ``undecided`` / ``other`` so a label scheme can drop them. A wav without a label line is
rejected ``no_label``, a label line without a wav ``no_audio_for_label``.

Scripted dialogs (``script`` in the dialog name) are read from the same scripts in every session,
so their lines recur across sessions: the ``sentence`` of a scripted utterance is its transcript
in lower case with punctuation and spacing removed (``scripted:<words>``), or, without a
transcript, ``<script>/<utterance index>`` (``script01_1/F000``: the actors' own segmentation, a
weaker id). Improvised utterances have no sentence (null).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from crossemo.core.reasons import (
    NO_AUDIO_FOR_LABEL,
    NO_LABEL,
    UNKNOWN_EMOTION_CODE,
    UNPARSABLE_NAME,
)
from crossemo.corpora.base import (
    Reject,
    Scan,
    Utterance,
    audio_files,
    find_ci,
    no_options,
    walk_audio,
)

EMOTION = {
    "neu": "neutral", "hap": "happiness", "sad": "sadness", "ang": "anger", "fea": "fear",
    "dis": "disgust", "sur": "surprise", "fru": "frustration", "exc": "excitement",
    "xxx": "undecided", "oth": "other",
}  # fmt: skip

_SESSION = re.compile(r"^session_?(\d+)$", re.IGNORECASE | re.ASCII)
_UTT = re.compile(r"^(Ses(\d+))([FM])_(.+)_([FM])(\w*\d+)$", re.IGNORECASE | re.ASCII)
_LABEL_LINE = re.compile(
    r"^\[\s*([\d.]+)\s*-\s*([\d.]+)\s*\]\s+(\S+)\s+(\S+)\s+\[\s*([-\d.]+),\s*([-\d.]+),\s*([-\d.]+)\s*\]",
    re.ASCII,
)
_TRANSCRIPT_LINE = re.compile(r"^(\S+)\s+\[\s*([\d.]+)\s*-\s*([\d.]+)\s*\]:\s?(.*)$", re.ASCII)
_SCRIPT = re.compile(r"_(script\w*?)_([FM]\w*\d+)$", re.IGNORECASE | re.ASCII)
_WORD = re.compile(r"[a-z0-9']+", re.ASCII)


def script_sentence(utt: str, text: str | None) -> str | None:
    """The ``sentence`` of utterance ``utt``: None unless its dialog is scripted; then its
    normalised transcript (``scripted:<words>``), or ``<script>/<index>`` without one."""
    match = _SCRIPT.search(utt)
    if match is None:
        return None
    words = _WORD.findall((text or "").lower())
    if words:
        return "scripted:" + " ".join(words)
    return f"{match[1].lower()}/{match[2].upper()}"


@dataclass
class Label:
    utt: str
    label: str
    start: float
    end: float
    vad: tuple[float, float, float]
    source: Path


def sessions(root: Path) -> list[Path]:
    """``Session{n}`` folders: the root itself, else its children, else its grandchildren."""
    if _SESSION.match(root.name):
        return [root]
    for depth in ("*", "*/*"):
        found = sorted(p for p in root.glob(depth) if p.is_dir() and _SESSION.match(p.name))
        if found:
            return found
    return []


def read_labels(session: Path) -> dict[str, Label]:
    """Utterance -> label from the session's ``dialog/EmoEvaluation/*.txt`` (not subfolders)."""
    labels: dict[str, Label] = {}
    folder = find_ci(session, "dialog", "EmoEvaluation")
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder else []
    for path in files:
        if path.suffix.lower() != ".txt" or path.name.startswith("._"):
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _LABEL_LINE.match(line.strip())
            if match is None:
                continue
            start, end, utt = float(match[1]), float(match[2]), match[3]
            vad = (float(match[5]), float(match[6]), float(match[7]))
            labels[utt] = Label(utt, match[4].lower(), start, end, vad, path)
    return labels


def read_transcripts(session: Path) -> dict[str, str]:
    """Utterance -> transcript from the session's ``dialog/transcriptions/*.txt``."""
    folder = find_ci(session, "dialog", "transcriptions")
    texts: dict[str, str] = {}
    if folder is None:
        return texts
    for path in sorted(folder.glob("*")):
        if not path.is_file() or path.suffix.lower() != ".txt" or path.name.startswith("._"):
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _TRANSCRIPT_LINE.match(line.strip())
            if match:
                texts[match[1]] = match[4].strip()
    return texts


def _session_audio(session: Path) -> tuple[list[Path], list[Reject]]:
    wav_dir = find_ci(session, "sentences", "wav")
    if wav_dir is not None:
        return walk_audio(wav_dir)
    # No sentences/wav: any audio in the session except whole-dialog recordings (dialog/wav).
    dialog = find_ci(session, "dialog")
    whole = set(audio_files(dialog)) if dialog else set()
    audio, junk = walk_audio(session)
    return [p for p in audio if p not in whole], junk


def scan(root: Path, corpus: str, **options) -> Scan:
    """Every labelled utterance of every session under ``root``."""
    no_options(options)
    found = Scan()
    folders = sessions(root)
    if not folders:
        raise FileNotFoundError(f"no Session<n> folder under {root} (IEMOCAP layout)")
    for session in folders:
        labels = read_labels(session)
        texts = read_transcripts(session)
        audio, junk = _session_audio(session)
        found.rejects += junk
        group = f"Session{int(_SESSION.match(session.name)[1])}"
        for path in audio:
            found.add(_utterance(path, labels, texts, group))
        seen = {path.stem for path in audio}
        for utt, label in sorted(labels.items()):
            if utt not in seen:
                found.rejects.append(Reject(label.source, NO_AUDIO_FOR_LABEL, utt, utt))
    return found


def _utterance(
    path: Path, labels: dict[str, Label], texts: dict[str, str], group: str
) -> Utterance | Reject:
    utt = path.stem
    name = _UTT.match(utt)
    if name is None:
        return Reject(path, UNPARSABLE_NAME, "expected Ses<nn><F|M>_<dialog>_<F|M><nnn>", utt)
    label = labels.get(utt)
    if label is None:
        return Reject(path, NO_LABEL, "no line in dialog/EmoEvaluation", utt)
    if label.label not in EMOTION:
        return Reject(path, UNKNOWN_EMOTION_CODE, f"{label.label!r} in {label.source}", utt)
    session_code, sex = name[1], name[5].upper()
    session_code = session_code[:1].upper() + session_code[1:].lower()
    valence, arousal, dominance = label.vad
    return Utterance(
        local_id=utt,
        path=path,
        speaker=f"{session_code}{sex}",
        raw_label=label.label,
        emotion=EMOTION[label.label],
        gender="female" if sex == "F" else "male",
        group=group,
        text=texts.get(utt),
        sentence=script_sentence(utt, texts.get(utt)),
        extra={
            "valence": valence,
            "arousal": arousal,
            "dominance": dominance,
            "session": group,
            "dialog": utt.rsplit("_", 1)[0],
            "dialog_start": label.start,
            "dialog_end": label.end,
        },
    )
