"""Adapters of EmoBox corpora (group B: EMNS, EmoV-DB, EMOVO, Emozionalmente, eNTERFACE): each
yields exactly the files and labels of EmoBox's metadata excerpt, named speakers, genders,
sentences and languages, and rejects look-alikes with their reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_quirks import write
from emobox_trees import build_tree, excerpt, expected, found

from crossemo.corpora import ingest, scan
from crossemo.corpora.base import Scan

#: EMOVO's codes -> EmoBox class names: EmoBox ships no label_map.json for EMOVO; this is the
#: publisher's documentation (EmoBox's own label_dict.json says the same)
EMOVO_LABELS = {
    "neu": "Neutral", "dis": "Disgust", "gio": "Happy", "pau": "Fear",
    "rab": "Angry", "sor": "Surprise", "tri": "Sad",
}  # fmt: skip


def tree(tmp_path: Path, corpus: str) -> tuple[Path, list[dict], dict[str, str]]:
    """The excerpt's tree of synthetic recordings under ``tmp_path/corpus``."""
    entries, label_map = excerpt(corpus)
    root = tmp_path / corpus
    build_tree(root, corpus, entries)
    return root, entries, label_map


def by_name(found_scan: Scan) -> dict[str, object]:
    """Utterances by file name."""
    return {u.path.name: u for u in found_scan.utterances}


def reasons(found_scan: Scan) -> dict[str, str]:
    """Reject reasons by file name."""
    return {r.path.name: r.reason for r in found_scan.rejects}


# -- EMOVO --------------------------------------------------------------------------------------


def test_emovo_yields_emobox_files_and_labels(tmp_path):
    root, entries, _ = tree(tmp_path, "emovo")
    result = scan("emovo", root, "emovo")
    assert found(result, root) == expected(entries, "emovo", EMOVO_LABELS)
    assert not result.rejects
    utt = by_name(result)["rab-f1-d2.wav"]
    assert (utt.speaker, utt.gender, utt.sentence, utt.language) == ("f1", "female", "d2", "it")
    assert (utt.raw_label, utt.text) == ("rab", "Porti con te quella cosa?")
    assert by_name(result)["tri-m1-n2.wav"].sentence == by_name(result)["neu-m1-n2.wav"].sentence
    assert {u.gender for u in result.utterances if u.speaker.startswith("m")} == {"male"}


def test_emovo_rejects(tmp_path):
    root = tmp_path / "emovo"
    write(root / "f1" / "gio-f1-b1.wav")
    write(root / "f1" / "xyz-f1-b1.wav")  # no such emotion
    write(root / "f1" / "gio-f9-b1.wav")  # no such actor
    write(root / "f1" / "gio-f1-q7.wav")  # no such sentence
    write(root / "f1" / "gio_f1_b1.wav")  # not the publisher's pattern
    (root / "documents").mkdir()
    (root / "documents" / "EMOVO.pdf").write_bytes(b"%PDF-1.4")
    result = scan("emovo", root, "emovo")
    assert [u.local_id for u in result.utterances] == ["gio-f1-b1"]
    assert reasons(result) == {
        "xyz-f1-b1.wav": "unknown_emotion_code",
        "gio-f9-b1.wav": "unknown_speaker",
        "gio-f1-q7.wav": "unparsable_name",
        "gio_f1_b1.wav": "unparsable_name",
    }


# -- EmoV-DB ------------------------------------------------------------------------------------


def test_emovdb_yields_emobox_files_and_labels(tmp_path):
    root, entries, label_map = tree(tmp_path, "emovdb")
    result = scan("emovdb", root, "emovdb")
    assert found(result, root) == expected(entries, "emovdb", label_map)
    assert not result.rejects
    utt = by_name(result)["Disgust_225-252_0251.wav"]
    assert (utt.local_id, utt.speaker, utt.gender) == ("sam_Disgusted_0251", "sam", "male")
    assert (utt.raw_label, utt.sentence, utt.language) == ("Disgusted", "arctic_a0251", "en")
    assert by_name(result)["sleepiness_141-168_0165.wav"].gender == "female"  # bea


def test_emovdb_rejects(tmp_path):
    root = tmp_path / "emovdb"
    write(root / "sam_Amused" / "amused_1-28_0001.wav")
    write(root / "sam_Amused" / "amused_29_56_0030.wav")  # the range with "_": EmoBox has these
    write(root / "sam_Amused" / "anger_1-28_0002.wav")  # name and folder disagree
    write(root / "sam_Amused" / "amused_0003.wav")  # no session range
    write(root / "sam_Happy" / "happy_1-28_0004.wav")  # no such emotion
    write(root / "tom_Angry" / "anger_1-28_0005.wav")  # no such speaker
    write(root / "Amused" / "amused_1-28_0006.wav")  # not a <speaker>_<Emotion> folder
    result = scan("emovdb", root, "emovdb")
    assert [u.local_id for u in result.utterances] == ["sam_Amused_0001", "sam_Amused_0030"]
    assert reasons(result) == {
        "anger_1-28_0002.wav": "conflicting_label",
        "amused_0003.wav": "unparsable_name",
        "happy_1-28_0004.wav": "unknown_emotion_code",
        "anger_1-28_0005.wav": "unknown_speaker",
        "amused_1-28_0006.wav": "unparsable_name",
    }


# -- eNTERFACE ----------------------------------------------------------------------------------


def test_enterface_yields_emobox_files_and_labels(tmp_path):
    root, entries, label_map = tree(tmp_path, "enterface")
    result = scan("enterface", root, "enterface")
    assert found(result, root) == expected(entries, "enterface", label_map)
    assert not result.rejects
    utt = by_name(result)["s44_sa_1.avi"]
    assert (utt.local_id, utt.speaker, utt.gender) == ("s44_sa_1", "s44", "unknown")
    assert (utt.raw_label, utt.sentence, utt.language) == ("sa", "sa_1", "en")
    subject6 = by_name(result)["s6_su.avi"]  # one video per emotion, no sentence number
    assert (subject6.local_id, subject6.speaker, subject6.sentence) == ("s6_su", "s6", None)


def test_enterface_quirks_and_rejects(tmp_path):
    """The publisher's odd names (EmoBox lists them) parse; look-alikes are rejects. Names only:
    nothing is probed, so the videos need no content."""
    root = tmp_path / "enterface"
    files = {
        "subject 3/surprise/sentence 4/s_3_su_4.avi": ("s3_su_4", "s3", "su_4"),
        "subject 16/surprise/sentence 3/s16_su_3avi.avi": ("s16_su_3", "s16", "su_3"),
        "subject 11/anger/sentence 4/s12_an_4.avi": ("s11_an_4", "s11", "an_4"),
        "subject 2/anger/sentence 1/s2_an_2.avi": ("s2_an_2", "s2", "an_2"),  # name wins
        "subject 5/fear/sentence 1/s5_fe_1.wav": None,  # audio extracted beside the video
        "subject 5/fear/sentence 2/s5_an_2.avi": None,  # anger code in the fear folder
        "subject 5/fear/sentence 3/s5_xx_3.avi": None,
        "subject 5/fear/sentence 4/clip.avi": None,
    }
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"RIFF")
    (root / "subject 5" / "readme.txt").write_text("eNTERFACE")
    result = scan("enterface", root, "enterface")
    got = {str(u.path.relative_to(root)): (u.local_id, u.speaker, u.sentence)
           for u in result.utterances}  # fmt: skip
    assert got == {name: ids for name, ids in files.items() if ids}
    assert reasons(result) == {
        "s5_fe_1.wav": "derived_copy",
        "s5_an_2.avi": "conflicting_label",
        "s5_xx_3.avi": "unknown_emotion_code",
        "clip.avi": "unparsable_name",
    }


# -- EMNS ---------------------------------------------------------------------------------------


def emns_metadata(root: Path, rows: list[tuple[str, str, str]]) -> None:
    """The publisher's ``metadata.csv`` (``|``-separated) with rows (file name, emotion, text)."""
    lines = ["id|utterance|description|emotion|gender|age|level|audio_recording"]
    lines += [f"{i}|{text}|acted|{emotion}|Female|25|3|wavs/{name}"
              for i, (name, emotion, text) in enumerate(rows)]  # fmt: skip
    (root / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_emns_yields_emobox_files_and_labels(tmp_path):
    root, entries, label_map = tree(tmp_path, "emns")
    rows = [(Path(e["wav"]).name, e["emo"], f"Line {i % 4}.") for i, e in enumerate(entries)]
    rows[0] = (rows[0][0], "Surprised", "Well, hello there!")  # the sheet's other spelling
    entries[0] = {**entries[0], "emo": "Surprise"}
    emns_metadata(root, rows)
    result = scan("emns", root, "emns")
    assert found(result, root) == expected(entries, "emns", label_map)
    assert not result.rejects
    first = by_name(result)[rows[0][0]]
    assert (first.speaker, first.gender, first.language) == ("narrator", "female", "en")
    assert (first.raw_label, first.text, first.sentence) == (
        "Surprised",
        "Well, hello there!",
        "well hello there",
    )
    assert by_name(result)[rows[1][0]].sentence == by_name(result)[rows[5][0]].sentence


def test_emns_rejects_and_needs_its_metadata(tmp_path):
    root = tmp_path / "emns"
    for name in ("recorded_audio_aaaaaaa", "recorded_audio_bbbbbbb", "recorded_audio_ccccccc"):
        write(root / "cleaned_webm" / f"{name}.wav")
    write(root / "wavs" / "recorded_audio_aaaaaaa.wav")  # a second copy of the recording
    with pytest.raises(FileNotFoundError, match="metadata.csv"):
        scan("emns", root, "emns")
    emns_metadata(root, [("recorded_audio_aaaaaaa.wav", "Happy", "Hi."),
                         ("recorded_audio_bbbbbbb.wav", "Bored", "Hi.")])  # fmt: skip
    manifest, rejects = ingest("emns", root, "emns")
    assert list(manifest.utt_id) == ["emns/recorded_audio_aaaaaaa"]
    assert "cleaned_webm" in manifest.path[0]
    assert dict(zip(rejects.path.map(lambda p: Path(p).parent.name + "/" + Path(p).name),
                    rejects.reason, strict=True)) == {
        "cleaned_webm/recorded_audio_bbbbbbb.wav": "unknown_label",
        "cleaned_webm/recorded_audio_ccccccc.wav": "no_label",
        "wavs/recorded_audio_aaaaaaa.wav": "duplicate_file",
    }  # fmt: skip


# -- Emozionalmente -----------------------------------------------------------------------------


def emozionalmente_metadata(root: Path, samples: list[tuple[str, str, str, str]],
                            users: list[tuple[str, str]] | None = None) -> None:  # fmt: skip
    """The publisher's ``metadata/samples.csv`` (file, actor, sentence, emotion) and
    ``metadata/users.csv`` (actor, gender)."""
    folder = root / "metadata"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["file_name,actor,sentence,emotion_expressed"]
    lines += [",".join(f'"{v}"' for v in row) for row in samples]
    (folder / "samples.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if users is not None:
        lines = ["username,gender,age"] + [f"{actor},{gender},30" for actor, gender in users]
        (folder / "users.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_emozionalmente_yields_emobox_files_and_labels(tmp_path):
    root, entries, label_map = tree(tmp_path, "emozionalmente")
    samples = [(Path(e["wav"]).name, f"actor{i % 3}", f"Frase numero {i % 2}, però.", e["emo"])
               for i, e in enumerate(entries)]  # fmt: skip
    emozionalmente_metadata(root, samples, [("actor0", "female"), ("actor1", "male")])
    result = scan("emozionalmente", root, "emozionalmente")
    assert found(result, root) == expected(entries, "emozionalmente", label_map)
    assert not result.rejects
    utts = by_name(result)
    first, second, third = (utts[samples[i][0]] for i in range(3))
    assert (first.speaker, first.gender, first.language) == ("actor0", "female", "it")
    assert (second.gender, third.gender) == ("male", "unknown")  # actor2 has no users.csv row
    assert (first.text, first.sentence) == ("Frase numero 0, però.", "frase numero 0 pero")
    assert utts[samples[2][0]].sentence == first.sentence != second.sentence


def test_emozionalmente_ingest_and_rejects(tmp_path):
    root = tmp_path / "emozionalmente"
    for stamp in ("1613655062436", "1613655062437", "1613655062438", "1613655062439"):
        write(root / "audio" / f"{stamp}.wav")
    with pytest.raises(FileNotFoundError, match="samples.csv"):
        scan("emozionalmente", root, "emozionalmente")
    emozionalmente_metadata(root, [
        ("1613655062436.wav", "abc", "Ciao.", "joy"),
        ("1613655062437.wav", "abc", "Ciao.", "boredom"),
        ("1613655062438.wav", "", "Ciao.", "anger"),
    ])  # fmt: skip
    manifest, rejects = ingest("emozionalmente", root, "emozionalmente")
    assert manifest[["utt_id", "speaker", "emotion", "language", "gender"]].values.tolist() == [
        ["emozionalmente/1613655062436", "emozionalmente/abc", "happiness", "it", "unknown"]
    ]
    assert dict(zip(rejects.path.map(lambda p: Path(p).name), rejects.reason, strict=True)) == {
        "1613655062437.wav": "unknown_label",
        "1613655062438.wav": "no_speaker",
        "1613655062439.wav": "no_label",
    }
