"""EmoBox corpora PAVOQUE, Polish, RESD, ShEMO and SUBESCO: each adapter yields exactly the files
and labels of EmoBox's metadata excerpt (tests/data/emobox) on a tree of synthetic recordings at
its paths, derives speakers, genders, sentences and language as its docstring says, and rejects
what is not a usable recording."""

from __future__ import annotations

import json

import pytest
import yaml
from audio_quirks import write
from emobox_trees import build_tree, excerpt, expected, found, write_recording

from crossemo.corpora import ingest, scan
from crossemo.corpora.emobox import relative_path


def reasons(result) -> dict[str, str]:
    """File name -> reject reason of a scan."""
    return {r.path.name: r.reason for r in result.rejects}


def by_name(result) -> dict[str, object]:
    """File name -> utterance of a scan (one per file)."""
    return {u.path.name: u for u in result.utterances}


@pytest.fixture(scope="module")
def subesco_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("subesco")
    entries, label_map = excerpt("subesco")
    build_tree(root, "subesco", entries)
    return root, entries, label_map


def test_subesco_yields_emobox_files(subesco_tree):
    root, entries, label_map = subesco_tree
    result = scan("subesco", root, "subesco")
    assert found(result, root) == expected(entries, "subesco", label_map)
    assert not result.rejects
    utt = by_name(result)["M_07_SIBLY_S_3_FEAR_5.wav"]
    assert (utt.speaker, utt.gender, utt.sentence, utt.language) == ("M_07", "male", "S_3", "bn")
    assert utt.extra == {"speaker_name": "SIBLY", "take": 5}
    other = by_name(result)["F_06_SIMI_S_3_FEAR_5.wav"]
    assert (other.speaker, other.gender, other.sentence) == ("F_06", "female", "S_3")


def test_subesco_quirks_and_rejects(tmp_path):
    root = tmp_path / "SUBESCO"
    write(root / "F_02_MONIKA_S_2_SURPRISE_3].wav")  # a published name with a stray bracket
    write(root / "F_02_MONIKA_S_2_BORED_3.wav")
    write(root / "F_02_MONIKA_2_SURPRISE_3.wav")
    write(root / "readme.wav")
    (root / "SUBESCO.txt").write_text("not audio\n")
    result = scan("subesco", root, "subesco")
    assert [u.local_id for u in result.utterances] == ["F_02_MONIKA_S_2_SURPRISE_3"]
    assert result.utterances[0].emotion == "surprise"
    assert reasons(result) == {
        "F_02_MONIKA_S_2_BORED_3.wav": "unknown_emotion_code",
        "F_02_MONIKA_2_SURPRISE_3.wav": "unparsable_name",
        "readme.wav": "unparsable_name",
    }


def test_polish_yields_emobox_files_and_ingests(tmp_path):
    entries, label_map = excerpt("polish")
    build_tree(tmp_path, "polish", entries)
    result = scan("polish", tmp_path, "polish")
    assert found(result, tmp_path) == expected(entries, "polish", label_map)
    utt = by_name(result)["m5.s_podaj_4.wav"]
    assert (utt.speaker, utt.gender, utt.emotion) == ("m5", "male", "fear")
    assert (utt.text, utt.sentence, utt.language) == ("podaj", "podaj", "pl")
    manifest, rejects = ingest("polish", tmp_path, "polish")
    assert len(manifest) == len(entries) and rejects.empty
    assert set(manifest.language) == {"pl"}
    row = manifest.set_index("utt_id").loc["polish/m5.s_podaj_4"]
    assert (row.speaker, row.raw_label, row.sample_rate) == ("polish/m5", "s", 44100)


def test_polish_rejects(tmp_path):
    write(tmp_path / "m1.x_tak_1.wav")
    write(tmp_path / "m1_tak_1.wav")
    write(tmp_path / "m1.n_tak_1.wav")
    result = scan("polish", tmp_path, "polish")
    assert [u.local_id for u in result.utterances] == ["m1.n_tak_1"]
    assert reasons(result) == {"m1.x_tak_1.wav": "unknown_emotion_code",
                               "m1_tak_1.wav": "unparsable_name"}  # fmt: skip


def shemo_sheet(entries: list[dict]) -> dict[str, dict]:
    """A ``shemo.json`` in the publisher's form for the excerpt's files (placeholder texts)."""
    sheet = {}
    for entry in entries:
        utt = entry["key"].removeprefix("shemo-")
        gender = "female" if utt.startswith("F") else "male"
        sheet[utt] = {"speaker_id": utt[:3], "gender": gender, "emotion": entry["emo"],
                      "transcript": f"\ufeffmatn {utt}", "ipa": "x"}  # fmt: skip
    return sheet


@pytest.fixture
def shemo_tree(tmp_path):
    entries, label_map = excerpt("shemo")
    build_tree(tmp_path, "shemo", entries)
    (tmp_path / "shemo.json").write_text(json.dumps(shemo_sheet(entries)), encoding="utf-8")
    return tmp_path, entries, label_map


def test_shemo_yields_emobox_files(shemo_tree):
    root, entries, label_map = shemo_tree
    result = scan("shemo", root, "shemo")
    assert found(result, root) == expected(entries, "shemo", label_map)
    assert not result.rejects
    utt = by_name(result)["M12W06.wav"]
    assert (utt.speaker, utt.gender, utt.emotion, utt.raw_label) == (
        "M12", "male", "surprise", "surprised")  # fmt: skip
    assert (utt.text, utt.sentence, utt.language) == ("matn M12W06", None, "fa")
    assert by_name(result)["F24N07.wav"].speaker == "F24"


def test_shemo_rejects_what_the_sheet_does_not_label(shemo_tree):
    root, entries, _ = shemo_tree
    sheet = shemo_sheet(entries)
    sheet["F24N07"]["emotion"] = "bored"
    sheet["M99A01"] = {"speaker_id": "M99", "gender": "male", "emotion": "angry"}
    (root / "shemo.json").write_text(json.dumps(sheet), encoding="utf-8")
    write(root / "female" / "F01A99.wav")  # published audio that shemo.json does not list
    write(root / "male" / "notes.wav")
    result = scan("shemo", root, "shemo")
    assert len(result.utterances) == len(entries) - 1
    assert reasons(result) == {
        "F24N07.wav": "unknown_label",
        "F01A99.wav": "no_label",
        "notes.wav": "unparsable_name",
        "M99A01.wav": "no_audio_for_label",
    }


def test_shemo_without_its_sheet(shemo_tree):
    root, entries, label_map = shemo_tree
    (root / "shemo.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"shemo\.json.*options\.metadata: null"):
        scan("shemo", root, "shemo")
    by_names = scan("shemo", root, "shemo", metadata=None)
    assert found(by_names, root) == expected(entries, "shemo", label_map)
    assert {u.text for u in by_names.utterances} == {None}


def resd_sheets(root, entries: list[dict], extra: dict[str, list[str]] | None = None) -> None:
    """The publisher's ``train.csv`` and ``test.csv`` for the excerpt's files (and ``extra``
    lines per split)."""
    lines = {"train": ["name,path,emotion"], "test": ["name,path,emotion"]}
    for entry in entries:
        split, relative = entry["wav"].split("/", 3)[2:]
        lines[split].append(f"{entry['key'].removeprefix('resd-')},{relative},{entry['emo']}")
    for split, more in (extra or {}).items():
        lines[split] += more
    for split, rows in lines.items():
        (root / f"{split}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture
def resd_tree(tmp_path):
    entries, label_map = excerpt("resd")
    build_tree(tmp_path, "resd", entries)
    resd_sheets(tmp_path, entries)
    return tmp_path, entries, label_map


def test_resd_yields_emobox_files_and_ingests(resd_tree):
    root, entries, label_map = resd_tree
    result = scan("resd", root, "resd")
    assert found(result, root) == expected(entries, "resd", label_map)
    assert not result.rejects
    utt = by_name(result)["05_neutral_fear f_020.wav"]
    assert (utt.local_id, utt.speaker, utt.group) == ("05_neutral_fear_f_020", "05f", "dialog05")
    assert (utt.emotion, utt.gender, utt.sentence, utt.language) == (
        "fear", "unknown", None, "ru")  # fmt: skip
    assert by_name(result)["50_enthusiasm_sadness_e_130.wav"].emotion == "enthusiasm"
    manifest, rejects = ingest("resd", root, "resd")
    assert len(manifest) == len(entries) and rejects.empty
    assert set(manifest.split) == {"train", "test"}
    assert set(manifest.group) == {f"resd/dialog{s[:2]}" for s in manifest.speaker.str[5:]}


def test_resd_rejects_and_sheets(resd_tree):
    root, entries, label_map = resd_tree
    folder = "train/01_happiness_anger"
    write(root / folder / "01_happiness_anger h_999.wav")  # audio no sheet lists
    write(root / folder / "01_happiness_anger x_998.wav")
    write(root / folder / "dialog.wav")
    extra = {"train": [f"a,{folder[6:]}/01_happiness_anger x_998.wav,happiness",
                       f"b,{folder[6:]}/01_happiness_anger a_997.wav,anger",
                       f"c,{folder[6:]}/dialog.wav,anger"],
             "test": [f"d,{folder[6:]}/01_happiness_anger h_996.wav,joy"]}  # fmt: skip
    resd_sheets(root, entries, extra)
    write(root / "test" / folder[6:] / "01_happiness_anger h_996.wav")
    result = scan("resd", root, "resd")
    assert len(result.utterances) == len(entries) + 1  # x_998: the sheet's word, not the letter
    assert reasons(result) == {
        "01_happiness_anger h_999.wav": "no_label",
        "01_happiness_anger a_997.wav": "no_audio_for_label",
        "dialog.wav": "unparsable_name",
        "01_happiness_anger h_996.wav": "unknown_label",
    }
    (root / "test.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"test\.csv.*options\.sheets: null"):
        scan("resd", root, "resd")
    by_names = scan("resd", root, "resd", sheets=None)
    assert reasons(by_names)["01_happiness_anger x_998.wav"] == "unknown_emotion_code"


def pavoque_tree(root, entries: list[dict], shift: bool) -> dict[str, tuple[float, float]]:
    """The excerpt's FLAC recordings and their ``pavoque-<style>.yaml`` segmentations under
    ``root``; segment id -> (start, end) written. The excerpt's times reach ~12800 s: with
    ``shift`` each recording's segments are moved to consecutive short slots (the lengths cut to
    0.8 s) of a short synthetic FLAC, else the recordings are 1 s long (scans only; no probe)."""
    times, by_file = {}, {}
    for entry in entries:
        by_file.setdefault(relative_path(entry, "pavoque"), []).append(entry)
    for i, (relative, group) in enumerate(sorted(by_file.items())):
        segments = []
        for j, entry in enumerate(group):
            start, end = entry["start_time"], entry["end_time"]
            if shift:
                start, end = 0.1 + j, 0.1 + j + min(end - start, 0.8)
            prompt = entry["key"].split("-", 1)[1].rsplit("-", 1)[0]
            segments.append({"prompt": prompt, "style": entry["emo"], "start": start, "end": end})
            times[f"{prompt}-{entry['emo']}"] = (start, end)
        seconds = 0.2 + len(group) if shift else 1.0
        write_recording(root / relative, 44100, 1, int(seconds * 44100), seed=i)
        (root / relative).with_suffix(".yaml").write_text(yaml.safe_dump(segments))
    return times


def test_pavoque_segments_are_emobox_entries(tmp_path):
    entries, label_map = excerpt("pavoque")
    times = pavoque_tree(tmp_path, entries, shift=False)
    result = scan("pavoque", tmp_path, "pavoque")
    assert found(result, tmp_path) == expected(entries, "pavoque", label_map)
    assert {u.local_id: (u.start, u.end) for u in result.utterances} == times
    utt = {u.local_id: u for u in result.utterances}
    take = utt["m0128a-sad"]  # an outtake: its style is the segment's, not the file's
    assert (take.path.name, take.emotion, take.sentence) == ("pavoque-outtakes.flac", "sadness",
                                                            "m0128")  # fmt: skip
    poker = utt["poker_n0095-poker"]
    assert (poker.emotion, poker.speaker, poker.gender, poker.language) == (
        "poker_face", "roettig", "male", "de")  # fmt: skip
    assert utt["m0072-poker"].sentence == "m0072" and not result.rejects


def test_pavoque_ingest_cuts_segments(tmp_path):
    entries, _ = excerpt("pavoque")
    times = pavoque_tree(tmp_path, entries, shift=True)
    manifest, rejects = ingest("pavoque", tmp_path, "pavoque")
    assert rejects.empty and len(manifest) == len(entries)
    rows = manifest.set_index("utt_id")
    start, end = times["spike0018-angry"]
    assert tuple(rows.loc["pavoque/spike0018-angry", ["start", "end"]]) == (start, end)
    assert rows.loc["pavoque/spike0018-angry", "duration"] == pytest.approx(end - start)


def test_pavoque_rejects(tmp_path):
    segments = [{"prompt": "m0001", "style": "neutral", "start": 0.1, "end": 0.5},
                {"prompt": "m0002", "style": "bored", "start": 0.5, "end": 0.9},
                {"prompt": "m0003", "style": "neutral", "start": "x", "end": 1.0},
                {"style": "neutral", "start": 0.1, "end": 0.2}]  # fmt: skip
    write(tmp_path / "pavoque-neutral.flac", 1.0, 44100)
    (tmp_path / "pavoque-neutral.yaml").write_text(yaml.safe_dump(segments))
    (tmp_path / "pavoque-sad.yaml").write_text(yaml.safe_dump(segments[:1]))  # no FLAC
    (tmp_path / "pavoque-happy.yaml").write_text("prompt: [unclosed\n")
    write(tmp_path / "pavoque-neutral-16k.wav")  # a converted copy without segmentation
    result = scan("pavoque", tmp_path, "pavoque")
    assert [u.local_id for u in result.utterances] == ["m0001-neutral"]
    assert sorted((r.path.name, r.reason) for r in result.rejects) == [
        ("pavoque-happy.yaml", "unreadable"),
        ("pavoque-neutral-16k.wav", "no_label"),
        ("pavoque-neutral.flac", "bad_time"),
        ("pavoque-neutral.flac", "no_label"),
        ("pavoque-neutral.flac", "unknown_label"),
        ("pavoque-sad.flac", "no_audio_for_label"),
    ]
