"""Adapters of EmoBox corpora AESDD, ASED, ASVP-ESD, CaFE and CASIA: each yields exactly the files
and labels of EmoBox's metadata excerpt (a tree of synthetic recordings at its paths), the
speakers, genders, sentences and languages its docstring states, and rejects look-alikes."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_quirks import reject_reasons, write
from emobox_trees import build_tree, excerpt, expected, found

from crossemo.corpora import ingest, scan

CORPORA = ("aesdd", "ased", "asvpesd", "cafe", "casia")


def label_map(corpus: str) -> dict[str, str]:
    """The excerpt's label map with EmoBox's class names as EMOBOX_CLASSES spells them (ASVP-ESD's
    map writes ``"pain, groan"`` and ``"disappointment, disapproval"`` with a space)."""
    return {code: name.replace(", ", ",") for code, name in excerpt(corpus)[1].items()}


@pytest.fixture(scope="module")
def trees(tmp_path_factory) -> dict[str, Path]:
    """Each corpus's excerpt tree, written once for the module."""
    roots = {}
    for corpus in CORPORA:
        root = tmp_path_factory.mktemp(corpus)
        build_tree(root, corpus, excerpt(corpus)[0])
        roots[corpus] = root
    return roots


def utterances(trees: dict[str, Path], corpus: str) -> dict[str, object]:
    """The scan's utterances by path relative to the corpus root."""
    root = trees[corpus]
    return {str(u.path.relative_to(root)): u for u in scan(corpus, root, corpus).utterances}


@pytest.mark.parametrize("corpus", CORPORA)
def test_adapter_yields_exactly_emobox_files_and_labels(trees, corpus):
    root = trees[corpus]
    found_scan = scan(corpus, root, corpus)
    assert found(found_scan, root) == expected(excerpt(corpus)[0], corpus, label_map(corpus))
    assert found_scan.rejects == []
    ids = [u.local_id for u in found_scan.utterances]
    assert len(ids) == len(set(ids))


def fields(utt) -> tuple:
    return utt.local_id, utt.speaker, utt.gender, utt.sentence, utt.language


def test_aesdd_fields(trees):
    utts = utterances(trees, "aesdd")
    assert fields(utts["anger/a20 (4).wav"]) == ("a20-4", "4", "unknown", "20", "el")
    take = utts["sadness/s01 (5)a.wav"]
    assert fields(take) == ("s01-5a", "5", "unknown", "01", "el") and take.extra["take"] == "a"
    assert (utts["fear/f01 (3).wav"].raw_label, utts["fear/f01 (3).wav"].emotion) == ("f", "fear")


def test_ased_fields(trees):
    utts = utterances(trees, "ased")
    assert fields(utts["05Angry/a5-05-02-02-64.wav"]) == (
        "a5-05-02-02-64", "64", "male", "a05", "am")  # fmt: skip
    assert fields(utts["01Neutral/n1-07-02-01-31.wav"])[1:3] == ("31", "female")
    # sentences 01 and 02 are the two common sentences, the same text in every emotion
    assert utts["03Happy/h3-01-02-02-06.wav"].sentence == "common01"
    assert utts["04Sad/s4-01-02-01-11.wav"].sentence == "common01"
    upper = utts["04Sad/S4-04-02-01-29.wav"]
    assert (upper.raw_label, upper.emotion, upper.sentence) == ("S", "sadness", "s04")


def test_asvpesd_fields(trees):
    utts = utterances(trees, "asvpesd")
    first = utts["Audio/actor_101/03-02-06-02-67-101-02-01-00-16.wav"]
    assert fields(first) == ("03-02-06-02-67-101-02-01-00-16", "101", "female", None, None)
    assert first.extra["vocal_channel"] == "non-speech"
    # the actor is read from the name: "07" is actor 7, the number-less folder is no speaker
    assert fields(utts["Audio/actor_7/03-01-05-02-09-07-02-03-01.wav"])[1:] == (
        "7", "female", None, "zh")  # fmt: skip
    assert utts["Audio/actor_/03-02-13-01-38-116-02-02-02-13.wav"].speaker == "116"
    assert utts["Audio/actor_28/03-01-07-01-01-28-02-02-02.wav"].language == "en"
    assert utts["Audio/actor_28/03-01-07-01-01-28-02-02-02.wav"].gender == "male"
    baby = utts["Bonus/actor_150/03-02-04-01-102-150-04-01-00-14-09.wav"]
    assert (baby.speaker, baby.gender, baby.extra["age"]) == ("150", "unknown", "baby")
    assert utts["Bonus/actor_200/03-01-17-01-02-200-05-02-01-12.wav"].emotion == "undecided"


def test_cafe_fields(trees):
    utts = utterances(trees, "cafe")
    fear = utts["CaFE_48k/Peur/Fort/12-P-2-3.wav"]
    assert fields(fear) == ("12-P-2-3", "12", "female", "3", "fr")
    assert fear.text == "Trois cygnes aveugles au bord du lac"
    assert fear.extra["intensity"] == "high"
    # the garbled folder names of EmoBox's copy do not matter: the name holds the emotion
    anger = utts["CaFE_48k/ColŠre/Faible/07-C-1-4.wav"]
    assert (anger.emotion, anger.gender, anger.sentence) == ("anger", "male", "4")


def test_casia_fields(trees):
    utts = utterances(trees, "casia")
    assert fields(utts["wangzhe/angry/231.wav"]) == ("wangzhe_angry_231", "wangzhe", "male",
                                                      "231", "zh")  # fmt: skip
    assert fields(utts["liuchanhg/sad/228.wav"])[1:3] == ("liuchanhg", "female")
    # the same number is the same text for every speaker
    assert utts["wangzhe/angry/216.wav"].sentence == utts["zhaozuoxiang/angry/216.wav"].sentence


BAD = {
    "aesdd": {
        "anger/a20.wav": "unparsable_name",
        "anger/x01 (2).wav": "unknown_emotion_code",
        "anger/readme audio.wav": "unparsable_name",
    },
    "ased": {
        "05Angry/a5-05-02.wav": "unparsable_name",
        "05Angry/x5-05-02-02-64.wav": "unknown_emotion_code",
        "05Angry/a3-05-02-02-64.wav": "unknown_emotion_code",
    },
    "asvpesd": {
        "Audio/actor_1/03-01-05.wav": "unparsable_name",
        "Audio/actor_1/03-01-15-01-01-01-02-02.wav": "unknown_emotion_code",
        "Audio/actor_1/01-01-05-01-01-01-02-02.wav": "unparsable_name",
        "Audio/actor_1/03-01-05-01-01-01-02-02_denoised.wav": "unparsable_name",
    },
    "cafe": {
        "CaFE_48k/Joie/Fort/07-J-2.wav": "unparsable_name",
        "CaFE_48k/Joie/Fort/07-X-2-6.wav": "unknown_emotion_code",
    },
    "casia": {
        "wangzhe/angry/231_copy.wav": "unparsable_name",
        "wangzhe/bored/231.wav": "unknown_emotion_code",
        "someone/angry/231.wav": "unknown_speaker",
        "angry/231.wav": "unknown_speaker",
    },
}


@pytest.mark.parametrize("corpus", CORPORA)
def test_bad_inputs_are_rejected_with_their_reason(tmp_path, corpus):
    for name in BAD[corpus]:
        write(tmp_path / name, 0.05)
    (tmp_path / "readme.txt").write_text("not audio\n")
    found_scan = scan(corpus, tmp_path, corpus)
    assert found_scan.utterances == []
    got = {str(r.path.relative_to(tmp_path)): r.reason for r in found_scan.rejects}
    assert got == BAD[corpus]


def test_casia_ingest_probes_the_excerpt(trees):
    manifest, rejects = ingest("casia", trees["casia"], "casia")
    assert len(manifest) == len(excerpt("casia")[0]) and rejects.empty
    speakers = ("wangzhe", "zhaozuoxiang", "liuchanhg", "zhaoquanyin")
    assert set(manifest.speaker) == {f"casia/{s}" for s in speakers}
    assert set(manifest.language) == {"zh"} and set(manifest.sample_rate) == {16000}
    row = manifest.set_index("utt_id").loc["casia/wangzhe_angry_231"]
    assert (row.emotion, row.sentence) == ("anger", "231")
    assert abs(row.duration - 23139 / 16000) < 1e-3


def test_cafe_keeps_the_48k_copy_of_a_file_in_both_releases(tmp_path):
    kept = write(tmp_path / "CaFE_48k" / "Joie" / "Fort" / "07-J-2-6.wav", 0.05, 48000)
    copy = write(tmp_path / "CaFE_192k" / "Joie" / "Fort" / "07-J-2-6.wav", 0.05, 192000)
    manifest, rejects = ingest("cafe", tmp_path, "cafe")
    assert list(manifest.path) == [str(kept)]
    assert reject_reasons(rejects) == {"07-J-2-6.wav": "duplicate_file"}
    assert list(rejects.path) == [str(copy)]
