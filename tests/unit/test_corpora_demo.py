"""Every demo corpus (crossemo.demo, the publishers' layouts with their quirks) ingests whole.

Uses the session fixture ``demo_root`` (the directory ``crossemo.demo.synthesize`` wrote) from
``tests/conftest.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossemo.corpora import ingest
from crossemo.corpora.base import EMOTIONS

BASIC4 = {"anger", "happiness", "neutral", "sadness"}
#: demo directory -> (adapter, the emotions its labels map to)
CORPORA = {
    "RAVDESS": ("ravdess", {"neutral", "calm", "happiness", "sadness", "anger", "fear",
                            "disgust", "surprise"}),
    "TESS": ("tess", {"anger", "disgust", "fear", "happiness", "neutral", "pleasant_surprise",
                      "sadness"}),
    "CREMA-D": ("cremad", {"anger", "disgust", "fear", "happiness", "neutral", "sadness"}),
    "SAVEE": ("savee", {"anger", "disgust", "fear", "happiness", "neutral", "sadness",
                        "surprise"}),
    "SAVEE-flat": ("savee", {"anger", "disgust", "fear", "happiness", "neutral", "sadness",
                             "surprise"}),
    "EmoDB": ("emodb", {"anger", "boredom", "disgust", "fear", "happiness", "sadness",
                        "neutral"}),
    "IEMOCAP": ("iemocap", set(EMOTIONS)),
    "CMU-MOSEI": ("mosei", {"positive", "negative", "neutral", "undecided"}),
    # three of EmoBox's corpora, in basic4's four emotions
    "EMOVO": ("emovo", BASIC4), "MELD": ("meld", BASIC4), "PAVOQUE": ("pavoque", BASIC4),
}  # fmt: skip


@pytest.fixture(scope="module")
def demo(demo_root):
    return demo_root, json.loads((demo_root / "demo_truth.json").read_text())


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_demo_corpus_ingests_without_rejects(demo, name):
    root, truth = demo
    adapter, emotions = CORPORA[name]
    manifest, rejects = ingest(adapter, root / name, adapter)
    # RAVDESS: the song files (vocal channel 02) are rejected by name, the speech ones kept
    songs = truth["quirks"].get(name, {}).get("song", [])
    assert sorted(rejects.path.map(lambda p: str(Path(p).relative_to(root / name)))) == songs
    assert set(rejects.reason) <= {"vocal_channel_excluded"}
    per_emotion = manifest["emotion"].value_counts()
    assert set(per_emotion.index) <= emotions and per_emotion.min() >= 1
    if name == "CMU-MOSEI":  # whole videos, several segments each
        assert manifest.path.nunique() == truth["files"][name] < len(manifest)
        assert set(per_emotion.index) == emotions
        return
    if name == "PAVOQUE":  # long recordings, cut by their YAML segmentations
        assert manifest.path.nunique() == truth["files"][name]
        assert len(manifest) == truth["quirks"][name]["segments"]
        assert (manifest.start < manifest.end).all()
    else:
        assert len(manifest) + len(songs) == truth["files"][name]  # every file, and once
    assert set(per_emotion.index) == emotions or name == "IEMOCAP"
    publisher = name.removesuffix("-flat")
    expected = {f"{adapter}/{k.split('/', 1)[1]}": v for k, v in truth["speakers"].items()
                if k.startswith(f"{publisher}/")}  # fmt: skip
    assert dict(zip(manifest.speaker, manifest.gender, strict=True)) == expected


def test_demo_savee_layouts_and_mosei_label_forms_agree(demo):
    root, _ = demo
    nested, _ = ingest("savee", root / "SAVEE", "savee")
    flat, _ = ingest("savee", root / "SAVEE-flat", "savee")
    assert list(nested.utt_id) == list(flat.utt_id)
    csd, _ = ingest("mosei", root / "CMU-MOSEI", "mosei", labels="csd")
    csv, _ = ingest("mosei", root / "CMU-MOSEI", "mosei", labels="csv")
    keys = ["utt_id", "start", "end", "emotion", "raw_label"]
    assert csd[keys].equals(csv[keys])
