"""EmoBox corpora JL-Corpus, MELD, MER2023, MESD and Oréau: each adapter yields exactly EmoBox's
files with EmoBox's labels on a tree of synthetic recordings at the excerpt's paths, reads
speakers, genders, sentences and languages as its docstring says, and rejects look-alikes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from audio_quirks import write
from emobox_trees import build_tree, excerpt, expected, found

from crossemo.corpora import ingest, scan
from crossemo.corpora.emobox import relative_path
from crossemo.corpora.meld import SPLIT_FOLDERS

MELD_SPEAKERS = ("Joey", "Rachel", "Mr. Geller")


def tree(factory: pytest.TempPathFactory, corpus: str) -> tuple[Path, list[dict], dict]:
    """The excerpt's recordings under a fresh root; (root, entries, label map)."""
    entries, label_map = excerpt(corpus)
    root = factory.mktemp(corpus) / corpus
    build_tree(root, corpus, entries)
    return root, entries, label_map


def by_name(corpus_scan) -> dict[str, object]:
    return {u.path.name: u for u in corpus_scan.utterances}


def reasons(corpus_scan) -> dict[str, str]:
    return {r.path.name: r.reason for r in corpus_scan.rejects}


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def meld_row(i: int, dialogue: str, utterance: str, emotion: str) -> dict:
    speaker = MELD_SPEAKERS[i % len(MELD_SPEAKERS)]
    return {"Sr No.": i + 1, "Utterance": f"line {i}", "Speaker": speaker, "Emotion": emotion,
            "Sentiment": "neutral", "Dialogue_ID": dialogue, "Utterance_ID": utterance}  # fmt: skip


def meld_sheets(root: Path, entries: list[dict]) -> None:
    """EmoBox's arrangement: ``train/train_sent_emo.csv``, the others at the root."""
    rows: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for i, entry in enumerate(entries):
        path = relative_path(entry, "meld")
        dialogue, utterance = path.stem.removeprefix("dia").split("_utt")
        rows[SPLIT_FOLDERS[path.parent.name]].append(meld_row(i, dialogue, utterance, entry["emo"]))
    write_csv(root / "train" / "train_sent_emo.csv", rows["train"])
    write_csv(root / "dev_sent_emo.csv", rows["dev"])
    write_csv(root / "test_sent_emo.csv", rows["test"])


def mer_sheets(root: Path, entries: list[dict]) -> None:
    """``mer2023train/train-label.csv`` and ``test-labels/test<k>-label.csv``."""
    rows: dict[str, list[dict]] = {}
    for entry in entries:
        path = relative_path(entry, "mer2023")
        rows.setdefault(path.parent.name, []).append(
            {"name": path.stem, "discrete": entry["emo"], "valence": "0"}
        )
    for subset, table in rows.items():
        folder = root / "mer2023train" if subset == "train" else root / "test-labels"
        write_csv(folder / f"{subset}-label.csv", table)


# -- JL-Corpus ---------------------------------------------------------------------------------


def test_jlcorpus_excerpt(tmp_path_factory):
    root, entries, label_map = tree(tmp_path_factory, "jlcorpus")
    folder = root / "Raw JL corpus (unchecked and unannotated)" / "JL(wav+txt)"
    (folder / "female2_happy_10b_1.txt").write_text("  Some text here.\n")
    found_scan = scan("jlcorpus", root, "jlcorpus")
    assert found(found_scan, root) == expected(entries, "jlcorpus", label_map)
    assert found_scan.rejects == []
    utts = by_name(found_scan)
    happy, assertive = utts["female2_happy_10b_1.wav"], utts["male1_assertive_6b_1.wav"]
    assert (happy.speaker, happy.gender, happy.sentence, happy.language) == (
        "female2", "female", "10", "en")  # fmt: skip
    assert happy.text == "Some text here." and assertive.text is None
    assert (assertive.speaker, assertive.gender, assertive.emotion) == (
        "male1", "male", "assertiveness")  # fmt: skip
    # the sentence number, not its a/b variant nor the emotion, is the sentence
    assert utts["female2_apologetic_6a_1.wav"].sentence == assertive.sentence == "6"
    manifest, rejects = ingest("jlcorpus", root, "jlcorpus")
    assert len(manifest) == len(entries) and rejects.empty


def test_jlcorpus_rejects(tmp_path):
    folder = tmp_path / "jl" / "JL(wav+txt)"
    for name in ("male1_angry_1a_1", "male3_angry_1a_1", "male1_bored_1a_1", "male1_angry"):
        write(folder / f"{name}.wav")
    copy = tmp_path / "jl" / "Other copy" / "male1_angry_1a_1.wav"
    write(copy)
    found_scan = scan("jlcorpus", tmp_path / "jl", "jlcorpus")
    assert reasons(found_scan) == {"male3_angry_1a_1.wav": "unknown_speaker",
                                   "male1_bored_1a_1.wav": "unknown_emotion_code",
                                   "male1_angry.wav": "unparsable_name"}  # fmt: skip
    manifest, rejects = ingest("jlcorpus", tmp_path / "jl", "jlcorpus")
    assert list(manifest.path) == [str(folder / "male1_angry_1a_1.wav")]  # the EmoBox folder's
    assert list(rejects[rejects.reason == "duplicate_file"].path) == [str(copy)]


# -- MESD ----------------------------------------------------------------------------------------


def test_mesd_excerpt(tmp_path_factory):
    root, entries, label_map = tree(tmp_path_factory, "mesd")
    found_scan = scan("mesd", root, "mesd")
    assert found(found_scan, root) == expected(entries, "mesd", label_map)
    utts = by_name(found_scan)
    child, male = utts["Sadness_C_A_si.wav"], utts["Sadness_M_B_amenazado.wav"]
    assert (child.speaker, child.gender, child.sentence, child.language) == (
        "C", "unknown", "si", "es")  # fmt: skip
    assert (male.speaker, male.gender, male.extra["word_list"]) == ("M", "male", "B")
    assert {u.gender for u in utts.values() if u.speaker == "F"} == {"female"}


def test_mesd_rejects(tmp_path):
    folder = tmp_path / "mesd" / "Mexican Emotional Speech Database (MESD)"
    names = ("Anger_F_A_de_nada", "Surprise_F_A_si", "Anger_X_A_si", "Anger_F_si", "readme")
    for name in names:
        write(folder / f"{name}.wav")
    found_scan = scan("mesd", tmp_path / "mesd", "mesd")
    assert [(u.sentence, u.text) for u in found_scan.utterances] == [("de_nada", "de nada")]
    assert reasons(found_scan) == {"Surprise_F_A_si.wav": "unknown_emotion_code",
                                   "Anger_X_A_si.wav": "unknown_speaker",
                                   "Anger_F_si.wav": "unparsable_name",
                                   "readme.wav": "unparsable_name"}  # fmt: skip


# -- Oréau ---------------------------------------------------------------------------------------


def test_oreau_excerpt_and_ingest(tmp_path_factory):
    root, entries, label_map = tree(tmp_path_factory, "oreau")
    found_scan = scan("oreau", root, "oreau")
    assert found(found_scan, root) == expected(entries, "oreau", label_map)
    utts = by_name(found_scan)
    female = utts["21a11Ja.wav"]
    assert (female.speaker, female.gender, female.sentence, female.language) == (
        "21", "female", "a11", "fr")  # fmt: skip
    assert {u.gender for u in utts.values() if u.path.parent.parent.name == "m"} == {"male"}
    manifest, rejects = ingest("oreau", root, "oreau")
    assert len(manifest) == len(entries) and rejects.empty
    assert set(manifest.language) == {"fr"} and manifest.utt_id.str.startswith("oreau/").all()


def test_oreau_rejects(tmp_path):
    session = tmp_path / "oreau" / "OréauFR_02" / "m" / "sessc"
    for name in ("07a01Ca", "07a01Xa", "07a01C", "notes"):
        write(session / f"{name}.wav")
    write(tmp_path / "oreau" / "loose" / "07a02Ca.wav")  # under no f/m folder
    found_scan = scan("oreau", tmp_path / "oreau", "oreau")
    assert {u.path.name: u.gender for u in found_scan.utterances} == {
        "07a01Ca.wav": "male",
        "07a02Ca.wav": "unknown",
    }
    assert reasons(found_scan) == {"07a01Xa.wav": "unknown_emotion_code",
                                   "07a01C.wav": "unparsable_name",
                                   "notes.wav": "unparsable_name"}  # fmt: skip


# -- MELD ----------------------------------------------------------------------------------------


def test_meld_excerpt(tmp_path_factory):
    root, entries, label_map = tree(tmp_path_factory, "meld")
    meld_sheets(root, entries)
    found_scan = scan("meld", root, "meld")
    assert found(found_scan, root) == expected(entries, "meld", label_map)
    assert found_scan.rejects == []
    utts = {u.local_id: u for u in found_scan.utterances}
    first = utts["train_dia9_utt11"]  # entry 0: Joey, "line 0"
    assert (first.speaker, first.gender, first.text, first.sentence, first.language) == (
        "Joey", "male", "line 0", None, "en")  # fmt: skip
    assert utts["train_dia25_utt1"].gender == "female"  # Rachel
    assert utts["train_dia49_utt4"].gender == "unknown"  # Mr. Geller
    assert {u.extra["split"] for u in utts.values()} == {"train", "dev", "test"}
    assert utts["test_dia113_utt4"].emotion == "fear"


def test_meld_rejects(tmp_path):
    root = tmp_path / "meld"
    rows = [meld_row(0, "0", "0", "anger"), meld_row(1, "0", "1", "bored"),
            meld_row(2, "0", "3", "joy")]  # fmt: skip
    write_csv(root / "train_sent_emo.csv", rows)
    for name in ("dia0_utt0", "dia0_utt1", "dia0_utt2", "final_videos_testdia0_utt0"):
        (root / "train_splits").mkdir(parents=True, exist_ok=True)
        (root / "train_splits" / f"{name}.mp4").write_bytes(b"")  # scanning reads no media
    (root / "dev_splits_complete").mkdir()
    (root / "dev_splits_complete" / "dia0_utt0.mp4").write_bytes(b"")  # no dev sheet
    (root / "extras").mkdir()
    (root / "extras" / "dia0_utt0.mp4").write_bytes(b"")  # no split folder
    found_scan = scan("meld", root, "meld")
    assert [u.local_id for u in found_scan.utterances] == ["train_dia0_utt0"]
    got = sorted((r.path.relative_to(root).as_posix(), r.reason) for r in found_scan.rejects)
    assert got == [
        ("dev_splits_complete/dia0_utt0.mp4", "no_label_sheet"),
        ("extras/dia0_utt0.mp4", "no_label_sheet"),
        ("train_sent_emo.csv", "no_audio_for_label"),  # the row of dia0_utt3
        ("train_splits/dia0_utt1.mp4", "unknown_label"),
        ("train_splits/dia0_utt2.mp4", "no_label"),
        ("train_splits/final_videos_testdia0_utt0.mp4", "unparsable_name"),
    ]


def test_meld_sheet_without_its_columns_names_the_file(tmp_path):
    root = tmp_path / "meld"
    write_csv(root / "dev_sent_emo.csv", [{"Dialogue_ID": "0", "Emotion": "joy"}])
    with pytest.raises(ValueError, match=r"dev_sent_emo\.csv.*Utterance_ID"):
        scan("meld", root, "meld")


# -- MER2023 -------------------------------------------------------------------------------------


def test_mer2023_excerpt(tmp_path_factory):
    root, entries, label_map = tree(tmp_path_factory, "mer2023")
    mer_sheets(root, entries)
    found_scan = scan("mer2023", root, "mer2023")
    assert found(found_scan, root) == expected(entries, "mer2023", label_map)
    assert found_scan.rejects == []
    utts = {u.local_id: u for u in found_scan.utterances}
    clip = utts["samplenew_00037828"]
    assert (clip.speaker, clip.gender, clip.emotion, clip.language) == (
        "samplenew_00037828", "unknown", "worry", "zh")  # fmt: skip
    assert clip.extra["subset"] == "test3" and utts["sample_00005103"].extra["subset"] == "test1"


def test_mer2023_rejects(tmp_path):
    root = tmp_path / "mer2023"
    write_csv(root / "mer2023train" / "train-label.csv",
              [{"name": "sample_1", "discrete": "happy"}, {"name": "sample_2", "discrete": "bored"},
               {"name": "sample_9", "discrete": "sad"}])  # fmt: skip
    write_csv(root / "test-labels" / "test1-label.csv", [{"name": "sample_1", "discrete": "sad"}])
    for rel in ("mer2023train/train/sample_1.avi", "mer2023train/train/sample_2.avi",
                "mer2023train/train/sample_3.avi", "test1/sample_1.avi",
                "test2/sample_4.mp4", "other/sample_5.avi"):  # fmt: skip
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"")
    found_scan = scan("mer2023", root, "mer2023")
    assert [(u.local_id, u.emotion) for u in found_scan.utterances] == [
        ("sample_1", "happiness"), ("sample_1", "sadness")]  # fmt: skip
    got = sorted((r.path.relative_to(root).as_posix(), r.reason) for r in found_scan.rejects)
    assert got == [
        ("mer2023train/train-label.csv", "no_audio_for_label"),  # sample_9
        ("mer2023train/train/sample_2.avi", "unknown_label"),
        ("mer2023train/train/sample_3.avi", "no_label"),
        ("other/sample_5.avi", "no_label_sheet"),
        ("test2/sample_4.mp4", "no_label_sheet"),
    ]


def test_mer2023_same_clip_in_two_subsets_keeps_the_training_one(tmp_path):
    root = tmp_path / "mer2023"
    write_csv(root / "train-label.csv", [{"name": "sample_1", "discrete": "happy"}])
    write_csv(root / "test1-label.csv", [{"name": "sample_1", "discrete": "sad"}])
    write(root / "test1" / "sample_1.wav")
    write(root / "mer2023train" / "train" / "sample_1.wav")
    manifest, rejects = ingest("mer2023", root, "mer2023")
    assert list(manifest.emotion) == ["happiness"] and list(manifest.subset) == ["train"]
    assert list(rejects.reason) == ["duplicate_file"]
