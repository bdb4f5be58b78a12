"""EmoBox's ``data/`` folder for the demo's corpora: ``EmoBox/data/`` under the demo folder.

EmoBox (github.com/emo-box/EmoBox) describes each corpus it benchmarks in a ``data/`` folder;
this writes that folder for the demo's files exactly as EmoBox writes it for the releases, so
``protocol: emobox_folds`` and ``emobox_track2`` rehearse on the demo:

* ``emodb/emodb.jsonl`` (every file: ``key`` ``emodb-<name>``, ``wav``
  ``downloads/emodb/wav/<name>.wav``, ``sample_rate``, ``num_frame``, ``length``, ``emo``,
  ...; emotion blocks W L E A F N T, names sorted within), EmoBox's ``label_map.json`` (its
  ``boredem`` and ``Neutral`` keys, sic) and ``fold_<k>/emodb_{train,test}_fold_<k>.jsonl``
  for k = 1..5. EmoBox's EmoDB folds are a shuffled partition into five equal test sets, not
  stratified by label but with every class and every speaker in every test set (and so in
  every training set); the demo's are dealt speaker by speaker from a seeded shuffle, the
  first shuffle with every class in every test set, so the same holds on its few files.
* ``track2/<NAME>_selected_balenced.jsonl`` (sic) of IEMOCAP, MELD, RAVDESS and SAVEE: the same
  number of angry, happy, neutral and sad files (as many as the demo corpus allows), spread
  evenly over speakers, listed speaker by speaker and class by class in a seeded order, with
  EmoBox's ``wav_filename`` conventions: IEMOCAP ``<label>/<utterance>.wav`` (happy: ``hap``
  and ``exc``), MELD ``audio/dia<d>_utt<u>.wav``, RAVDESS ``Actor_NN/<name>.wav`` (speech, both
  intensities), SAVEE ``<speaker>/<code><nn>.wav``.

Everything is read back from the files the corpus writers produced (names, label files, wav
headers) and written with a generator keyed by the seed: reruns are byte-identical.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

import soundfile as sf

from .render import rng_for

#: where the folder lies under the demo folder
EMOBOX_DIR = Path("EmoBox") / "data"
#: EmoBox's fold count of EmoDB
EMODB_FOLDS = 5
#: EmoDB's emotion letters -> EmoBox's ``emo`` codes, in the order of EmoBox's ``emodb.jsonl``
EMODB_CODES = {"W": "anger", "L": "boredem", "E": "disgust", "A": "fear", "F": "happy",
               "N": "neutral", "T": "sad"}  # fmt: skip
#: EmoBox's ``emodb/label_map.json`` as published (``Neutral`` while the entries say ``neutral``)
EMODB_LABEL_MAP = {"anger": "Angry", "boredem": "Boredom", "disgust": "Disgust", "fear": "Fear",
                   "happy": "Happy", "Neutral": "Neutral", "sad": "Sad"}  # fmt: skip
#: the classes of EmoBox's track-2 test sets
TRACK2_CLASSES = ("angry", "happy", "neutral", "sad")
_EMODB_NAME = re.compile(r"^(\d\d)([ab]\d\d)([WLEAFTN])([a-z])$")


class Track2File(NamedTuple):
    """One candidate of a track-2 test set."""

    wav_filename: str
    label: str
    speaker: str


def _jsonl(path: Path, entries: Iterable[dict]) -> int:
    """Write ``entries`` one JSON object a line (EmoBox's separators); returns their count."""
    lines = [json.dumps(entry) + "\n" for entry in entries]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def emodb_entries(root: Path) -> list[dict]:
    """EmoBox's ``emodb.jsonl`` entries of the EmoDB files under ``root`` (``wav/*.wav``)."""
    entries = []
    for path in sorted((root / "wav").glob("*.wav")):
        info = sf.info(path)
        entries.append({"key": f"emodb-{path.stem}", "dataset": "emodb",
                        "wav": f"downloads/emodb/wav/{path.name}", "type": "raw",
                        "sample_rate": info.samplerate, "num_frame": float(info.frames),
                        "task": "category", "length": info.frames / info.samplerate,
                        "emo": EMODB_CODES[_EMODB_NAME.match(path.stem).group(3)],
                        "channel": info.channels})  # fmt: skip
    order = list(EMODB_CODES.values())
    return sorted(entries, key=lambda e: order.index(e["emo"]))  # stable: names stay sorted


def _deal(keys: list[str], seed: int, attempt: int, folds: int) -> list[set[str]]:
    """One seeded shuffle of ``keys`` dealt into ``folds`` equal test sets, speaker by speaker."""
    order = rng_for(seed, f"emobox/emodb/folds/{attempt}").permutation(len(keys))
    dealt = sorted((keys[i] for i in order), key=lambda key: key[6:8])  # stable per speaker
    tests: list[set[str]] = [set() for _ in range(folds)]
    for i, key in enumerate(dealt):
        tests[i % folds].add(key)
    return tests


def emodb_test_folds(entries: list[dict], seed: int, folds: int = EMODB_FOLDS,
                     attempts: int = 200) -> list[set[str]]:  # fmt: skip
    """The keys of each fold's test set: a seeded shuffle dealt into ``folds`` equal parts,
    speaker by speaker (every speaker in every test set when it has ``folds`` files). As in
    EmoBox's, every class is in every test set: the first of ``attempts`` shuffles that has
    them all, else the one missing fewest."""
    keys = [e["key"] for e in entries]
    emo = {e["key"]: e["emo"] for e in entries}
    best, best_cells = [], -1
    for attempt in range(attempts):
        tests = _deal(keys, seed, attempt, folds)
        cells = sum(len({emo[k] for k in test}) for test in tests)
        if cells > best_cells:
            best, best_cells = tests, cells
        if cells == folds * len(set(emo.values())):
            break
    return best


def write_emodb(data: Path, root: Path, seed: int) -> int:
    """``data/emodb``: the corpus list, label map and EmoBox's folds; returns the entry count."""
    entries = emodb_entries(root)
    folder = data / "emodb"
    _jsonl(folder / "emodb.jsonl", entries)
    (folder / "label_map.json").write_text(json.dumps(EMODB_LABEL_MAP, indent=4))
    for k, test in enumerate(emodb_test_folds(entries, seed), start=1):
        for part, wanted in (("train", False), ("test", True)):
            _jsonl(folder / f"fold_{k}" / f"emodb_{part}_fold_{k}.jsonl",
                   [e for e in entries if (e["key"] in test) == wanted])  # fmt: skip
    return len(entries)


def iemocap_files(root: Path) -> list[Track2File]:
    """IEMOCAP's candidates: utterances labelled neu, hap/exc, sad, ang in EmoEvaluation."""
    labels = {"neu": "neutral", "hap": "happy", "exc": "happy", "sad": "sad", "ang": "angry"}
    block = re.compile(r"^\[[\d.]+ - [\d.]+\]\t(Ses(\d\d)\w+_([FM])\d{3})\t(\w+)\t")
    out = []
    for sheet in sorted(root.glob("Session*/dialog/EmoEvaluation/*.txt")):
        for match in map(block.match, sheet.read_text().splitlines()):
            if match and match.group(4) in labels:
                utt, session, who, label = match.groups()
                out.append(Track2File(f"{labels[label]}/{utt}.wav", labels[label],
                                      f"{session}{who}"))  # fmt: skip
    return out


def meld_files(root: Path) -> list[Track2File]:
    """MELD's candidates: train clips of neutral, joy, sadness, anger (its label sheet)."""
    labels = {"neutral": "neutral", "joy": "happy", "sadness": "sad", "anger": "angry"}
    with (root / "train" / "train_sent_emo.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [Track2File(f"audio/dia{r['Dialogue_ID']}_utt{r['Utterance_ID']}.wav",
                       labels[r["Emotion"]], r["Speaker"])
            for r in rows if r["Emotion"] in labels]  # fmt: skip


def ravdess_files(root: Path) -> list[Track2File]:
    """RAVDESS's candidates: speech files (``03-01-``) of neutral, happy, sad, angry."""
    labels = {"01": "neutral", "03": "happy", "04": "sad", "05": "angry"}
    return [Track2File(f"{p.parent.name}/{p.name}", labels[p.name[6:8]], p.parent.name[-2:])
            for p in sorted(root.glob("Actor_*/03-01-*.wav")) if p.name[6:8] in labels]  # fmt: skip


def savee_files(root: Path) -> list[Track2File]:
    """SAVEE's candidates: ``AudioData/<speaker>/`` files of a, h, n, sa."""
    labels = {"a": "angry", "h": "happy", "n": "neutral", "sa": "sad"}
    return [Track2File(f"{p.parent.name}/{p.name}", labels[p.stem.rstrip("0123456789")],
                       p.parent.name)
            for p in sorted(root.glob("AudioData/*/*.wav"))
            if p.stem.rstrip("0123456789") in labels]  # fmt: skip


#: EmoBox's track-2 name -> (demo corpus directory, its candidates)
TRACK2: dict[str, tuple[str, Callable[[Path], list[Track2File]]]] = {
    "IEMOCAP": ("IEMOCAP", iemocap_files), "MELD": ("MELD", meld_files),
    "RAVDESS": ("RAVDESS", ravdess_files), "SAVEE": ("SAVEE", savee_files),
}  # fmt: skip


def balanced(files: list[Track2File], seed: int, name: str) -> list[Track2File]:
    """As many files of each track-2 class as the scarcest class has, taken in turns from the
    speakers (seeded order), listed speaker by speaker and class by class as EmoBox does."""
    rng = rng_for(seed, f"emobox/track2/{name}")
    pools: dict[tuple[str, str], list[Track2File]] = {}
    for f in sorted(files):
        pools.setdefault((f.speaker, f.label), []).append(f)
    for key in sorted(pools):
        pools[key] = [pools[key][i] for i in rng.permutation(len(pools[key]))]
    speakers = sorted({s for s, _ in pools})
    speakers = [speakers[i] for i in rng.permutation(len(speakers))]
    per_class = min(sum(len(v) for (_, c), v in pools.items() if c == label)
                    for label in TRACK2_CLASSES)  # fmt: skip
    taken = {key: 0 for key in pools}
    for label in TRACK2_CLASSES:
        left = per_class
        while left:
            for s in speakers:
                if left and taken.get((s, label), 0) < len(pools.get((s, label), [])):
                    taken[(s, label)] += 1
                    left -= 1
    out = []
    for s in speakers:
        for i in rng.permutation(len(TRACK2_CLASSES)):
            out += pools.get((s, TRACK2_CLASSES[i]), [])[: taken.get((s, TRACK2_CLASSES[i]), 0)]
    return out


def write(out_dir: Path, seed: int, truth: dict, corpora: Iterable[str]) -> None:
    """Write ``out_dir/EmoBox/data`` for those of ``corpora`` (demo corpus directories just
    written) that EmoBox describes here; their entry counts go to ``truth["emobox"]``."""
    data, written = out_dir / EMOBOX_DIR, set(corpora)
    counts: dict[str, int] = {}
    if "EmoDB" in written:
        counts["emodb"] = write_emodb(data, out_dir / "EmoDB", seed)
    for name, (corpus, candidates) in TRACK2.items():
        if corpus in written:
            chosen = balanced(candidates(out_dir / corpus), seed, name)
            counts[f"track2/{name}"] = _jsonl(data / "track2" / f"{name}_selected_balenced.jsonl",
                                              (f._asdict() for f in chosen))  # fmt: skip
    if counts:
        truth["emobox"] = {"folds": {"emodb": EMODB_FOLDS}, "entries": counts}
