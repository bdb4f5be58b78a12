"""EmoBox's protocols: entries mapped to utterances by path (and start), unmatched entries
reported, EmoBox's fold assignment kept (its shared speakers reported, not failed), track 2
never training on its test files, and start-up errors naming the keys."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crossemo.splits.audit import audit
from crossemo.splits.build import build_split, emobox_matches
from crossemo.splits.emobox import match_entries
from crossemo.splits.experiment import Experiment, SplitError, SplitLeakError
from crossemo.splits.leakage import check_leaks
from crossemo.splits.overlap import overlap_notices

SPEAKERS = ("03", "08", "09", "10")
LABELS = ("anger", "neutral")


def manifest(corpus: str, root: str) -> pd.DataFrame:
    """Four speakers x four utterances (two labels, two sentences) of ``corpus``."""
    rows = []
    for spk in SPEAKERS:
        for i in range(4):
            stem = f"{spk}a0{i}{'WN'[i % 2]}"
            rows.append({"utt_id": f"{corpus}-{stem}", "corpus": corpus,
                         "path": f"{root}/{corpus}/wav/{stem}.wav", "start": None,
                         "group": f"{corpus}-{spk}", "speaker": f"{corpus}-{spk}",
                         "label": LABELS[i % 2], "sentence": f"a0{i // 2}",
                         "gender": "male"})  # fmt: skip
    return pd.DataFrame(rows)


def write_jsonl(path: Path, entries: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


def fold_entry(corpus: str, stem: str) -> dict:
    """An entry shaped like EmoBox's fold files (data/emodb/fold_1/emodb_test_fold_1.jsonl)."""
    return {"key": f"{corpus}-{stem}", "dataset": corpus,
            "wav": f"downloads/{corpus}/wav/{stem}.wav", "type": "raw", "sample_rate": 16000,
            "task": "category", "emo": "anger", "channel": 1}  # fmt: skip


def emobox_data(tmp_path: Path, table: pd.DataFrame, corpus: str = "emodb") -> Path:
    """Two EmoBox folds of ``corpus`` by utterance (so every speaker is on both sides): fold 1
    tests the even utterances and lists a file we do not have, fold 2 tests the odd ones and
    leaves the last utterance out."""
    data = tmp_path / "EmoBox" / "data"
    stems = [Path(p).stem for p in table["path"]]
    for k, rest in ((1, 0), (2, 1)):
        test = [s for n, s in enumerate(stems) if n % 2 == rest]
        train = [s for n, s in enumerate(stems) if n % 2 != rest]
        if k == 1:
            test.append("99z99Z")
        else:
            train.remove(stems[-1]) if stems[-1] in train else test.remove(stems[-1])
        folder = data / corpus / f"fold_{k}"
        write_jsonl(folder / f"{corpus}_test_fold_{k}.jsonl", [fold_entry(corpus, s) for s in test])
        write_jsonl(folder / f"{corpus}_train_fold_{k}.jsonl",
                    [fold_entry(corpus, s) for s in train])  # fmt: skip
    return data


def folds_experiment(data: Path, **kw) -> Experiment:
    cfg = {"scheme": "s", "protocol": "emobox_folds", "train": ["emodb"], "folds": 2,
           "emobox_data": str(data), "dev_fraction": 0, **kw}  # fmt: skip
    return Experiment.from_config("box", cfg)


@pytest.fixture
def emodb(tmp_path) -> tuple[pd.DataFrame, Path, Path]:
    table = manifest("emodb", str(tmp_path / "corpora"))
    path = tmp_path / "emodb.parquet"
    table.to_parquet(path)
    return table, path, emobox_data(tmp_path, table)


def test_entries_map_to_utterances_by_path_and_start():
    locations = pd.DataFrame({"utt_id": ["m-1", "m-2", "m-3", "r-1"],
                              "path": ["/x/meld/a/d1.mp4", "/x/meld/a/d1.mp4", "/x/meld/b/d1.mp4",
                                       "/y/Actor_15/03-01.wav"],
                              "start": [0.0, 2.5, None, None]})  # fmt: skip
    entries = pd.DataFrame({"fold": 0, "part": "test", "key": list("abcde"),
                            "path": ["a/d1.mp4", "a/d1.mp4", "b/d1.mp4", "Actor_15/03-01.wav",
                                     "d1.mp4"],
                            "start": [2.5, None, None, None, None]})  # fmt: skip
    matched = match_entries(entries, locations)
    assert matched["utt_id"].fillna("-").tolist() == ["m-2", "-", "m-3", "r-1", "-"]
    assert matched["reason"].tolist()[1] == "2 utterances at this path"
    assert matched["reason"].tolist()[4] == "3 utterances at this path"


def test_track2_folders_of_its_own_match_by_file_stem():
    locations = pd.DataFrame({"utt_id": ["i-1", "m-1", "m-2"],
                              "path": ["/i/Session1/sentences/wav/Ses01F_impro01/"
                                       "Ses01F_impro01_F000.wav",
                                       "/m/train/train_splits/dia0_utt0.mp4",
                                       "/m/dev/dev_splits_complete/dia0_utt0.mp4"],
                              "start": [None, None, None]})  # fmt: skip
    entries = pd.DataFrame({"fold": 0, "part": "test", "key": list("abc"),
                            "path": ["happy/Ses01F_impro01_F000.wav", "audio/dia0_utt0.wav",
                                     "happy/Ses01F_impro01_F001.wav"],
                            "start": None})  # fmt: skip
    matched = match_entries(entries, locations)
    assert matched["utt_id"].fillna("-").tolist() == ["i-1", "-", "-"]
    assert matched["reason"].tolist()[1:] == ["2 utterances at this path",
                                              "no utterance at this path"]  # fmt: skip


def test_folds_kept_as_emobox_assigns_them(emodb):
    table, path, data = emodb
    exp = folds_experiment(data)
    matched = emobox_matches(exp, [path])
    split = build_split(table, exp, matched=matched)
    for fold, rest in ((0, 0), (1, 1)):
        part = split[split["fold"] == fold].set_index("utt_id")["split"]
        expected = {u: "test" if n % 2 == rest else "train" for n, u in enumerate(table["utt_id"])}
        if fold == 1:
            expected.pop(table["utt_id"].iloc[-1])
        assert part.to_dict() == expected
    check_leaks(split, exp)  # EmoBox shares speakers: reported, not failed


def test_audit_reports_shared_speakers_and_unmatched(emodb):
    table, path, data = emodb
    exp = folds_experiment(data)
    matched = emobox_matches(exp, [path])
    assert matched.loc[matched["utt_id"].isna(), "key"].tolist() == ["emodb-99z99Z"]
    split = build_split(table, exp, matched=matched)
    from crossemo.splits.emobox import unmatched_counts

    counts = unmatched_counts(matched, split, table, exp)
    sentences = table.set_index("utt_id")["sentence"]
    result = audit(split, exp, list(LABELS), sentences, emobox=counts)
    test = result[result["split"] == "test"].set_index("fold")
    assert test["shared_groups"].tolist() == [4, 4]
    assert test["groups"].tolist() == [4, 4]
    assert (test["sentence_seen"] > 0).all()
    assert test["emobox_unmatched"].tolist() == [1, 0]
    assert test["emobox_unlisted"].tolist() == [0, 1]
    audit_path = Path(data).parent / "box.audit.csv"
    result.to_csv(audit_path, index=False)
    lines = overlap_notices({"box": audit_path})
    assert "  box emodb fold0: 4 of 4 test speakers also in training" in lines[0]
    assert any("1 EmoBox entries match no utterance, 0 utterances" in line for line in lines)


def test_leak_check_still_fails_other_protocols(emodb):
    table, path, data = emodb
    split = build_split(table, folds_experiment(data), matched=emobox_matches(
        folds_experiment(data), [path]))  # fmt: skip
    kfold = Experiment.from_config("kf", {"scheme": "s", "protocol": "speaker_kfold",
                                          "train": ["emodb"], "folds": 2})  # fmt: skip
    with pytest.raises(SplitLeakError, match="kf fold 0: group emodb-03 is in both train"):
        check_leaks(split, kfold)


def test_leak_free_companion_shows_no_overlap(emodb):
    table, _, _ = emodb
    exp = Experiment.from_config("kf", {"scheme": "s", "protocol": "speaker_kfold",
                                        "train": ["emodb"], "folds": 2, "dev_fraction": 0,
                                        "disjoint": ["speaker", "sentence"]})  # fmt: skip
    split = build_split(table, exp)
    result = audit(split, exp, list(LABELS), table.set_index("utt_id")["sentence"])
    test = result[result["split"] == "test"]
    assert test["shared_groups"].sum() == test["sentence_seen"].sum() == 0
    assert test["shared_recordings"].sum() == 0


def test_track2_never_trains_on_its_test_files(tmp_path):
    table = pd.concat([manifest("savee", "/c"), manifest("ravdess", "/c")], ignore_index=True)
    path = tmp_path / "m.parquet"
    table.to_parquet(path)
    data = tmp_path / "data"
    chosen = table[table["corpus"] == "ravdess"].iloc[::3]
    write_jsonl(data / "track2" / "RAVDESS_selected_balenced.jsonl",
                [{"wav_filename": f"wav/{Path(p).name}", "label": "angry", "speaker": "15"}
                 for p in chosen["path"]]
                + [{"wav_filename": "wav/none.wav", "label": "sad"}])  # fmt: skip
    cfg = {"scheme": "s", "protocol": "emobox_track2", "emobox_data": str(data),
           "dev_fraction": 0.25, "test": ["ravdess"]}  # fmt: skip
    for train in (["savee"], ["savee", "ravdess"]):
        exp = Experiment.from_config("t2", {**cfg, "train": train})
        matched = emobox_matches(exp, [path])
        assert matched["utt_id"].isna().sum() == 1
        split = build_split(table, exp, matched=matched)
        tested = set(split.loc[split["split"] == "test", "utt_id"])
        assert tested == set(chosen["utt_id"])
        training = split[split["split"] != "test"]
        assert not set(training["utt_id"]) & tested
        assert set(training["corpus"]) == set(train)
        check_leaks(split, exp)


def test_start_up_errors_name_the_keys(tmp_path, emodb):
    _, _, data = emodb
    base = {"scheme": "s", "protocol": "emobox_folds", "train": ["emodb"]}
    with pytest.raises(SplitError, match=r"experiments\.x\.emobox_data: emobox_folds needs"):
        Experiment.from_config("x", base)
    with pytest.raises(SplitError, match=r"experiments\.x\.emobox_data: .* is not a folder"):
        Experiment.from_config("x", {**base, "emobox_data": str(tmp_path / "no")}
                               ).check_emobox_data()  # fmt: skip
    with pytest.raises(SplitError, match=r"experiments\.x\.folds: EmoBox has 2 folds"):
        Experiment.from_config("x", {**base, "emobox_data": str(data)}).check_emobox_data()
    with pytest.raises(SplitError, match=r"experiments\.x\.emobox_data: no fold folders"):
        Experiment.from_config("x", {**base, "emobox_data": str(data), "emobox_name": "savee",
                                     "folds": 2}).check_emobox_data()  # fmt: skip
    track2 = {**base, "protocol": "emobox_track2", "test": ["iemocap"], "emobox_data": str(data)}
    with pytest.raises(SplitError, match=r"emobox_data: no .*IEMOCAP_selected_balenced"):
        Experiment.from_config("x", track2).check_emobox_data()
    with pytest.raises(SplitError, match=r"experiments\.x\.disjoint"):
        Experiment.from_config("x", {**base, "emobox_data": str(data), "folds": 2,
                                     "disjoint": ["speaker", "sentence"]})  # fmt: skip


def track2_data(tmp_path: Path, table: pd.DataFrame, names: dict[str, str]) -> Path:
    """Track-2 files (``names``: our corpus -> EmoBox's name) testing every third utterance of
    each corpus, plus one entry matching nothing."""
    data = tmp_path / "data"
    for corpus, name in names.items():
        chosen = table[table["corpus"] == corpus].iloc[::3]
        write_jsonl(data / "track2" / f"{name.upper()}_selected_balenced.jsonl",
                    [{"wav_filename": f"wav/{Path(p).name}", "label": "angry", "speaker": "1"}
                     for p in chosen["path"]]
                    + [{"wav_filename": "wav/none.wav", "label": "sad"}])  # fmt: skip
    return data


def test_track2_tests_each_of_several_corpora(tmp_path):
    """Two test corpora, one also a train corpus: each tests its own track-2 entries (one named
    through an emobox_name mapping, one by default), the train corpus trains on its other
    utterances, the test-only one never trains; unmatched entries, the audit and the per-corpus
    metrics are per test corpus."""
    from crossemo.evaluation.runs import aggregate, evaluate_run
    from crossemo.splits.emobox import unmatched_counts

    corpora = ("savee", "ravdess", "iemocap")
    table = pd.concat([manifest(c, "/c") for c in corpora], ignore_index=True)
    path = tmp_path / "m.parquet"
    table.to_parquet(path)
    data = track2_data(tmp_path, table, {"ravdess": "ravdess_v2", "iemocap": "iemocap"})
    exp = Experiment.from_config("t2", {
        "scheme": "s", "protocol": "emobox_track2", "emobox_data": str(data),
        "dev_fraction": 0.25, "train": ["savee", "ravdess"], "test": ["ravdess", "iemocap"],
        "emobox_name": {"ravdess": "ravdess_v2"}})  # fmt: skip
    exp.check_emobox_data()
    matched = emobox_matches(exp, [path])
    assert matched.groupby("corpus")["utt_id"].apply(lambda s: int(s.isna().sum())).to_dict() \
        == {"iemocap": 1, "ravdess": 1}  # fmt: skip
    split = build_split(table, exp, matched=matched)
    test = split[split["split"] == "test"]
    for corpus in ("ravdess", "iemocap"):
        chosen = set(table.loc[table["corpus"] == corpus, "utt_id"].iloc[::3])
        assert set(test.loc[test["corpus"] == corpus, "utt_id"]) == chosen
    training = split[split["split"] != "test"]
    assert set(training["corpus"]) == {"savee", "ravdess"}
    assert len(training[training["corpus"] == "ravdess"]) == 16 - 6
    assert set(split.loc[split["corpus"] == "iemocap", "split"]) == {"test"}
    check_leaks(split, exp)
    counts = unmatched_counts(matched, split, table, exp)
    assert counts[["corpus", "emobox_unmatched"]].values.tolist() == [
        ["ravdess", 1],
        ["iemocap", 1],
    ]
    result = audit(split, exp, list(LABELS), table.set_index("utt_id")["sentence"], emobox=counts)
    on_test = result[result["split"] == "test"].set_index("corpus")
    assert on_test["emobox_unmatched"].to_dict() == {"iemocap": 1, "ravdess": 1}
    assert on_test["total"].to_dict() == {"iemocap": 6, "ravdess": 6}
    result.to_csv(tmp_path / "t2.audit.csv", index=False)
    lines = overlap_notices({"t2": tmp_path / "t2.audit.csv"})
    assert {
        c
        for c in ("ravdess", "iemocap")
        for line in lines
        if f"t2 {c} fold0: 1 EmoBox entries match no utterance" in line
    } == {"ravdess", "iemocap"}
    predictions = test[["utt_id", "corpus", "label"]].assign(pred=test["label"])
    groups = split.drop_duplicates("utt_id").set_index("utt_id")["group"]
    metrics = aggregate([evaluate_run(predictions, "t2", "main", groups=groups)])
    assert sorted(metrics["scope"]) == ["iemocap", "overall", "ravdess"]
    assert metrics.set_index("scope")["n_utts"].to_dict() == {
        "overall": 12,
        "ravdess": 6,
        "iemocap": 6,
    }


def test_track2_refuses_a_missing_or_unmatched_test_set_naming_the_corpus(tmp_path):
    table = pd.concat([manifest(c, "/c") for c in ("savee", "ravdess", "iemocap")],
                      ignore_index=True)  # fmt: skip
    path = tmp_path / "m.parquet"
    table.to_parquet(path)
    data = track2_data(tmp_path, table, {"ravdess": "ravdess"})
    cfg = {"scheme": "s", "protocol": "emobox_track2", "emobox_data": str(data),
           "train": ["savee"], "test": ["ravdess", "iemocap"]}  # fmt: skip
    with pytest.raises(
        SplitError,
        match=r"experiments\.t2\.emobox_data: no .*IEMOCAP_selected"
        r"_balenced\.jsonl for test corpus iemocap",
    ):
        Experiment.from_config("t2", cfg).check_emobox_data()
    # a file whose entries match none of the corpus's utterances: no test rows, refused
    write_jsonl(
        data / "track2" / "IEMOCAP_selected_balenced.jsonl",
        [{"wav_filename": "wav/none.wav", "label": "sad"}],
    )
    exp = Experiment.from_config("t2", cfg)
    with pytest.raises(
        SplitError,
        match=r"t2: no entry of .*IEMOCAP_selected_balenced\.jsonl "
        r"matches an utterance of test corpus iemocap",
    ):
        build_split(table, exp, matched=emobox_matches(exp, [path]))


def test_emobox_name_with_several_test_corpora(tmp_path):
    base = {"scheme": "s", "protocol": "emobox_track2", "emobox_data": str(tmp_path),
            "train": ["savee"], "test": ["ravdess", "iemocap"]}  # fmt: skip
    with pytest.raises(
        SplitError,
        match=r"t2\.emobox_name: one name for the 2 test corpora "
        r".*give a mapping corpus -> EmoBox name",
    ):
        Experiment.from_config("t2", {**base, "emobox_name": "RAVDESS"})
    with pytest.raises(SplitError, match=r"t2\.emobox_name: \['savee'\] are not corpora"):
        Experiment.from_config("t2", {**base, "emobox_name": {"savee": "SAVEE"}})
    exp = Experiment.from_config("t2", {**base, "emobox_name": {"iemocap": "IEMO"}})
    assert [exp.emobox_name_of(c) for c in exp.test] == ["ravdess", "IEMO"]
    one = Experiment.from_config("t2", {**base, "test": ["ravdess"], "emobox_name": "RAV"})
    assert one.emobox_name_of("ravdess") == "RAV"
    with pytest.raises(SplitError, match=r"t2\.test: emobox_track2 tests .* list one or more"):
        Experiment.from_config("t2", {**base, "test": []})
