"""Reference tables loaded and joined with our metrics; conservation check; figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crossemo.report.conservation import ConservationError, check_conservation, conservation
from crossemo.report.figures import plot_confusion, plot_label_distribution, summed_confusions
from crossemo.report.tables import (
    display_table,
    load_reference,
    paper_table,
    reference_dir,
    to_latex,
    to_markdown,
    write_paper_table,
)


def test_reference_tables_are_packaged():
    stems = {p.stem for p in reference_dir().glob("*.csv")}
    assert {"iberspeech2022_table3_uar_svm", "multimodal2023_table6_baselines"} <= stems
    t3 = load_reference("iberspeech2022_table3_uar_svm")
    assert t3.shape == (9, 4) and t3.loc[0, "uar_matched_train"] == pytest.approx(78.21)
    with pytest.raises(FileNotFoundError, match="no reference table"):
        load_reference("nope")


def agg(variant, scope, uar, std=0.01, runs=5, wa=None):
    return {"experiment": "x", "variant": variant, "scope": scope, "n_runs": runs,
            "n_utts": 100, "uar_mean": uar, "uar_std": std, "wa_mean": wa or uar,
            "wa_std": std, "ua_mean": uar, "ua_std": std, "macro_f1_mean": uar,
            "macro_f1_std": std, "weighted_f1_mean": uar, "weighted_f1_std": std}  # fmt: skip


def test_iberspeech_per_corpus_join():
    ref = load_reference("iberspeech2022_table3_uar_svm")
    experiments = {
        "ext_egemaps": {"table": "t3", "where": {"features": "eGeMAPS"},
                        "scope_column": "eval_dataset",
                        "scope_names": {"emodb": "EmoDB", "ravdess": "RAVDESS"},
                        "metrics": {"uar_extended_train": "uar"}},
        "matched_emodb": {"table": "t3", "where": {"features": "ComParE"},
                          "scope_column": "eval_dataset", "scope_names": {"emodb": "EmoDB"},
                          "metrics": {"uar_matched_train": "uar"}},
    }  # fmt: skip
    metrics = {
        "ext_egemaps": pd.DataFrame([agg("", "overall", 0.5), agg("", "emodb", 0.8),
                                     agg("", "ravdess", 0.6, std=0.02)]),
        "matched_emodb": pd.DataFrame([agg("", "overall", 0.83), agg("", "emodb", 0.83)]),
    }  # fmt: skip
    long = paper_table(ref, experiments, metrics)
    assert len(long) == 9 * 2  # every reference cell of the two mapped columns
    cell = long[(long["eval_dataset"] == "EmoDB") & (long["features"] == "eGeMAPS")
                & (long["measure"] == "uar_extended_train")].iloc[0]  # fmt: skip
    assert cell["paper"] == pytest.approx(79.67) and cell["ours"] == pytest.approx(80.0)
    assert cell["diff"] == pytest.approx(80.0 - 79.67) and cell["experiment"] == "ext_egemaps"
    rav = long[(long["eval_dataset"] == "RAVDESS") & (long["features"] == "eGeMAPS")
               & (long["measure"] == "uar_extended_train")].iloc[0]  # fmt: skip
    assert rav["ours_std"] == pytest.approx(2.0)
    matched = long[(long["features"] == "ComParE") & (long["measure"] == "uar_matched_train")]
    assert matched["ours"].notna().sum() == 1  # only EmoDB reproduced
    assert long["ours"].notna().sum() == 3
    shown = display_table(long)
    assert "80.00 ± 1.00" in set(shown["ours"]) and "–" in set(shown["ours"])
    md, tex = to_markdown(shown, "t"), to_latex(shown, "t3 paper vs ours", "tab:t3")
    assert md.count("\n|") == len(shown) + 2 and "79.67" in md
    assert r"\begin{tabular}" in tex and r"$\pm$" in tex and r"uar\_extended\_train" in tex


def test_multimodal_variants_and_scope_syntax(tmp_path):
    experiments = {
        "mm": {
            "table": "multimodal2023_table6_baselines",
            "variant_column": "classifier",
            "metrics": {"wa": "wa", "ua": "ua"},
        }
    }
    metrics = pd.DataFrame([agg("knn", "overall", 0.5, wa=0.6), agg("gaussian_nb", "overall", 0.3),
                            agg("knn", "tess", 0.9)])  # fmt: skip
    path = tmp_path / "mm.csv"
    metrics.to_csv(path, index=False)
    out = tmp_path / "out"
    long = write_paper_table("multimodal2023_table6_baselines",
                             reference_dir() / "multimodal2023_table6_baselines.csv",
                             experiments, {"mm": path}, out / "t.md", out / "t.csv",
                             out / "t.tex")  # fmt: skip
    knn = long[long["classifier"] == "KNeighborsClassifier"].set_index("measure")
    assert knn.loc["wa", "ours"] == pytest.approx(60.0) and knn.loc["ua", "ours"] == 50.0
    assert knn.loc["wa", "paper"] == pytest.approx(62.94)
    assert long[long["classifier"] == "GaussianNB"]["ours"].notna().all()
    assert long[long["classifier"] == "MLPClassifier"]["ours"].isna().all()
    assert (out / "t.md").read_text().startswith("### ")
    # ``metric@corpus``: a reference column per test corpus (strEmo Table 6 layout)
    ref = load_reference("strEmo2023_table6_f1_per_test_corpus")
    exps = {
        "s": {
            "table": "x",
            "where": {"training_set": "balanced"},
            "metrics": {"SAVEE": "weighted_f1@savee", "overall": "weighted_f1"},
        }
    }
    m = pd.DataFrame([agg("", "overall", 0.7), agg("", "savee", 0.6)])
    long = paper_table(ref, exps, {"s": m}).set_index(["training_set", "measure"])
    assert long.loc[("balanced", "SAVEE"), "ours"] == pytest.approx(0.6)  # fractions: scale 1
    assert long.loc[("balanced", "overall"), "ours"] == pytest.approx(0.7)
    assert np.isnan(long.loc[("unbalanced", "SAVEE"), "ours"])


def test_two_experiments_claiming_one_cell_fail():
    ref = load_reference("multimodal2023_table6_baselines")
    paper = {"table": "x", "variant_column": "classifier", "metrics": {"ua": "ua"}}
    m = pd.DataFrame([agg("knn", "overall", 0.5)])
    with pytest.raises(ValueError, match="claimed"):
        paper_table(ref, {"a": paper, "b": paper}, {"a": m, "b": m})


# ---------------------------------------------------------------- conservation
def write_stage_files(tmp_path, corpus="demo", plant=None):
    """manifest 10 rows + 2 ingest rejects; 1 preprocessing reject; 2 unmapped, 1 dropped
    because it was not preprocessed (label stage's view of the preprocessing loss)."""
    ids = [f"{corpus}/u{i}" for i in range(10)]
    d = tmp_path / corpus
    d.mkdir()
    pd.DataFrame({"utt_id": ids}).to_parquet(d / f"{corpus}.parquet")
    pd.DataFrame({"utt_id": [None, None], "reason": ["unreadable", "unknown_label"]}
                 ).to_parquet(d / f"{corpus}.rejects.parquet")  # fmt: skip
    (d / "audio" / corpus).mkdir(parents=True)
    shard_ids = ids[:9]
    shard_rej = ids[9:]
    labelled, unmapped = shard_ids[:7], shard_ids[7:]
    if plant == "lost_label":
        labelled = labelled[:-1]  # an utterance vanishes at labelling
    if plant == "double_shard":
        shard_rej = ids[8:]  # u8 both preprocessed and rejected
    pd.DataFrame({"utt_id": shard_ids}).to_parquet(d / "audio" / corpus / "0000.parquet")
    pd.DataFrame({"utt_id": shard_rej, "reason": "too_short"}).to_parquet(
        d / "audio" / corpus / "0000.rejects.parquet")  # fmt: skip
    pd.DataFrame({"utt_id": labelled}).to_parquet(d / f"{corpus}.labels.parquet")
    pd.DataFrame({"utt_id": unmapped + ids[9:], "reason": ["unmapped:surprise"] * 2
                  + ["not_preprocessed"]}).to_parquet(d / f"{corpus}.dropped.parquet")  # fmt: skip
    return {
        "manifests": [d / f"{corpus}.parquet"],
        "manifest_rejects": [d / f"{corpus}.rejects.parquet"],
        "shards": [d / "audio" / corpus / "0000.parquet"],
        "shard_rejects": [d / "audio" / corpus / "0000.rejects.parquet"],
        "labels": [d / f"{corpus}.labels.parquet"],
        "dropped": [d / f"{corpus}.dropped.parquet"],
    }


def test_conservation_closes(tmp_path):
    inputs = write_stage_files(tmp_path)
    table, losses, problems = conservation(**inputs)
    assert problems == {}
    row = table.iloc[0].to_dict()
    assert row == {"corpus": "demo", "found": 12, "rejected": 2, "ingested": 10, "dropped": 1,
                   "preprocessed": 9, "unmapped": 2, "mapped": 7, "ok": True}  # fmt: skip
    assert row["found"] == row["ingested"] + row["rejected"]
    assert row["ingested"] == row["preprocessed"] + row["dropped"]
    assert row["preprocessed"] == row["mapped"] + row["unmapped"]
    by = losses.set_index(["stage", "reason"])["count"]
    assert by[("ingest", "unreadable")] == 1 and by[("preprocess", "too_short")] == 1
    assert by[("label", "unmapped:surprise")] == 2
    assert ("label", "not_preprocessed") not in by.index  # counted once, at preprocessing
    out = tmp_path / "t" / "conservation.csv"
    check_conservation(inputs, out, tmp_path / "t" / "losses.csv")
    assert pd.read_csv(out)["ok"].all()


@pytest.mark.parametrize("plant", ["lost_label", "double_shard"])
def test_conservation_fails_on_planted_imbalance(tmp_path, plant):
    inputs = write_stage_files(tmp_path, plant=plant)
    _, _, problems = conservation(**inputs)
    assert "demo" in problems
    out = tmp_path / "t" / "conservation.csv"
    with pytest.raises(ConservationError, match="do not add up"):
        check_conservation(inputs, out, tmp_path / "t" / "losses.csv")
    assert not out.exists()


# ---------------------------------------------------------------- figures
def test_figures(tmp_path):
    paths = []
    for run, matrix in (("fold0-knn", [[2, 1], [0, 3]]), ("fold1-knn", [[1, 0], [1, 1]]),
                        ("fold0-svm", [[3, 0], [0, 3]])):  # fmt: skip
        p = tmp_path / f"{run}.json"
        p.write_text(json.dumps({"run": run, "overall": {
            "confusion": {"labels": ["a", "b"], "matrix": matrix}}}))  # fmt: skip
        paths.append(p)
    summed = summed_confusions(paths)
    assert summed["knn"][1].tolist() == [[3, 1], [1, 4]]
    plot_confusion(paths, tmp_path / "c.png", "exp")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    split = pd.DataFrame(
        {
            "utt_id": list("abcdef"),
            "corpus": ["x"] * 3 + ["y"] * 3,
            "label": list("ababab"),
            "fold": 0,
            "split": ["train", "train", "test", "train", "dev", "test"],
        }
    )
    split.to_parquet(tmp_path / "s.parquet")
    plot_label_distribution(tmp_path / "s.parquet", tmp_path / "l.png", "exp")
    assert (tmp_path / "l.png").stat().st_size > 1000
