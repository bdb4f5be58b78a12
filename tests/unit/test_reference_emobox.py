"""The EmoBox reference tables: complete, and bindable the way their README says."""

from itertools import permutations

from crossemo.report.tables import binding_targets, load_reference, table_measures

CROSS = "emobox2024_table5_accuracy_cross"
INTRA = "emobox2024_table4_intra_ua_wa_f1"
TRACK2 = ["IEMOCAP", "MELD", "RAVDESS", "SAVEE"]


def test_cross_corpus_table_has_every_ordered_pair_of_every_model():
    t = load_reference(CROSS)
    assert t["accuracy"].notna().all() and t["accuracy"].between(0, 100).all()
    for _, rows in t.groupby("model"):
        pairs = sorted(zip(rows["train_set"], rows["test_set"], strict=True))
        assert pairs == sorted(permutations(TRACK2, 2))
    assert t["model"].nunique() == 10


def test_intra_corpus_table_has_every_model_on_every_dataset():
    t = load_reference(INTRA)
    assert not t[["ua", "wa", "f1"]].isna().any().any()
    assert t.groupby("dataset")["model"].apply(frozenset).nunique() == 1
    assert not t.duplicated(["dataset", "model"]).any()
    assert set(t["model"]) == set(load_reference(CROSS)["model"])


def test_a_cross_corpus_binding_claims_one_cell_per_test_corpus():
    t = load_reference(CROSS)
    paper = {"table": CROSS, "where": {"model": "Whisper large v3", "train_set": "SAVEE"},
             "scope_column": "test_set", "scope_names": {"ravdess": "RAVDESS", "meld": "MELD"},
             "metrics": {"accuracy": "wa"}}  # fmt: skip
    assert table_measures(t, [paper])[0] == ["accuracy"]
    targets = list(binding_targets(t, paper))
    assert sorted(cell.scope for _, _, cell, _ in targets) == ["IEMOCAP", "meld", "ravdess"]
    for r, *_ in targets:
        assert t.loc[r, "train_set"] == "SAVEE" and t.loc[r, "model"] == "Whisper large v3"


def test_an_intra_corpus_binding_maps_ua_wa_f1_of_one_model():
    t = load_reference(INTRA)
    paper = {"table": INTRA, "where": {"model": "WavLM large"}, "scope_column": "dataset",
             "scope_names": {"emodb": "EmoDB"},
             "metrics": {"ua": "ua", "wa": "wa", "f1": "macro_f1"}}  # fmt: skip
    targets = [(r, col) for r, col, cell, _ in binding_targets(t, paper) if cell.scope == "emodb"]
    assert [col for _, col in targets] == ["ua", "wa", "f1"]
    assert {t.loc[r, "dataset"] for r, _ in targets} == {"EmoDB"}
    assert len(list(binding_targets(t, paper))) == 3 * t["dataset"].nunique()
