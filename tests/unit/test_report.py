"""Reference tables joined with our metrics and counts; deviations; conservation; figures."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.figures import plot_confusion, summed_confusions
from crossemo.report.conservation import ConservationError, check_conservation, conservation
from crossemo.report.deviations import NONE_DECLARED, deviations_table, write_deviations
from crossemo.report.figures import plot_label_distribution
from crossemo.report.ours import (
    CountSource,
    LrCvSource,
    MetricsSource,
    confusion_measure,
    corpus_frame,
)
from crossemo.report.tables import (
    display_table,
    load_reference,
    paper_table,
    reference_dir,
    to_latex,
    to_markdown,
    write_paper_table,
)

T975 = {2: 4.302652729911275, 4: 2.7764451051977987}  # t(0.975, df), from tables


def test_reference_tables_are_packaged():
    stems = {p.stem for p in reference_dir().glob("*.csv")}
    assert {"iberspeech2022_table3_uar_svm", "multimodal2023_table6_baselines"} <= stems
    t3 = load_reference("iberspeech2022_table3_uar_svm")
    assert t3.shape == (9, 4) and t3.loc[0, "uar_matched_train"] == pytest.approx(78.21)
    with pytest.raises(FileNotFoundError, match="no reference table"):
        load_reference("nope")


def part(matrix, labels=("a", "b"), ci=None):
    """One scope of a run JSON: its confusion matrix (rows true) and bootstrap intervals."""
    return {"confusion": {"labels": list(labels), "matrix": matrix}, "ci": ci or {}}


def run(name, overall, per_corpus=None):
    return {"experiment": "x", "run": name, "overall": overall, "per_corpus": per_corpus or {}}


def cell(long, **keys):
    match = pd.Series(True, index=long.index)
    for col, value in keys.items():
        match &= long[col].astype(str) == str(value)
    assert match.sum() == 1, keys
    return long[match].iloc[0]


# matrices with a known UAR on two balanced classes
UAR = {0.6: [[6, 4], [4, 6]], 0.7: [[7, 3], [3, 7]], 0.75: [[6, 2], [2, 6]],
       0.8: [[8, 2], [2, 8]], 0.85: [[17, 3], [3, 17]], 0.9: [[9, 1], [1, 9]]}  # fmt: skip


def test_metric_binding_diff_scale_and_ci_flags():
    ref = load_reference("iberspeech2022_table3_uar_svm")
    extended = {"table": "t3", "where": {"features": "eGeMAPS"}, "scope_column": "eval_dataset",
                "scope_names": {"emodb": "EmoDB", "ravdess": "RAVDESS"},
                "metrics": {"uar_extended_train": "uar"}}  # fmt: skip
    folds = [run(f"fold{k}", part(UAR[0.6]), {"emodb": part(UAR[u]), "ravdess": part(UAR[0.6])})
             for k, u in enumerate((0.8, 0.85, 0.75))]  # fmt: skip
    matched = {"table": "t3", "where": {"features": "GeMAPS"}, "scope_column": "eval_dataset",
               "scope_names": {"emodb": "EmoDB"},
               "metrics": {"uar_matched_train": "uar"}}  # fmt: skip
    one = [run("main", part(UAR[0.75]), {"emodb": part(UAR[0.75], ci={"uar": [0.70, 0.78]})})]
    long = paper_table(ref, [("ext", extended, MetricsSource(folds)),
                             ("matched", matched, MetricsSource(one))])  # fmt: skip
    assert len(long) == 9 * 2  # every reference cell of the two columns
    emodb = cell(long, eval_dataset="EmoDB", features="eGeMAPS", measure="uar_extended_train")
    # folds 0.8, 0.85, 0.75 in the paper's percent: mean 80, std 5, t interval over 3 runs
    half = T975[2] * 5 / math.sqrt(3)  # 12.42: [67.58, 92.42]
    assert emodb["paper"] == pytest.approx(79.67) and emodb["ours"] == pytest.approx(80.0)
    assert emodb["ours_std"] == pytest.approx(5.0) and emodb["n_runs"] == 3
    assert (emodb["ci_low"], emodb["ci_high"]) == pytest.approx((80 - half, 80 + half))
    assert emodb["diff"] == pytest.approx(0.33) and emodb["paper_in_ci"] == "yes"
    assert emodb["ci_method"] == "t over runs" and emodb["experiment"] == "ext"
    rav = cell(long, eval_dataset="RAVDESS", features="eGeMAPS", measure="uar_extended_train")
    assert rav["ours"] == pytest.approx(60.0) and rav["diff"] == pytest.approx(-3.91)
    assert rav["paper_in_ci"] == "no"  # identical folds: the interval is the point 60
    gem = cell(long, eval_dataset="EmoDB", features="GeMAPS", measure="uar_matched_train")
    assert gem["ours"] == pytest.approx(75.0) and gem["diff"] == pytest.approx(75 - 78.21)
    assert (gem["ci_low"], gem["ci_high"]) == pytest.approx((70.0, 78.0))  # the run's interval
    assert gem["paper_in_ci"] == "no" and gem["ci_method"] == "utterance bootstrap"
    iem = cell(long, eval_dataset="IEMOCAP", features="eGeMAPS", measure="uar_extended_train")
    assert np.isnan(iem["ours"]) and iem["paper_in_ci"] == ""  # no IEMOCAP in our runs
    assert long["ours"].notna().sum() == 3
    shown = display_table(long)
    row = shown[(shown["eval_dataset"] == "EmoDB") & (shown["features"] == "eGeMAPS")
                & (shown["measure"] == "uar_extended_train")].iloc[0]  # fmt: skip
    assert row["ours"] == "80.00 ± 5.00" and row["diff"] == "+0.33"
    assert row["95% CI"] == "[67.58, 92.42]" and row["paper in CI"] == "yes"
    assert row["runs"] == "3" and "–" in set(shown["ours"])
    md, tex = to_markdown(shown, "t"), to_latex(shown, "t3 paper vs ours", "tab:t3")
    assert md.count("\n|") == len(shown) + 2 and "79.67" in md and "paper in CI" in md
    assert r"\begin{tabular}" in tex and r"$\pm$" in tex and r"uar\_extended\_train" in tex


# strEmo Table 4 by hand: rows true negative/neutral/positive, columns predicted
M = [[6, 2, 2], [1, 8, 1], [1, 1, 3]]
VAL = ("negative", "neutral", "positive")
# support 10/10/5, predicted 8/11/6, tp 6/8/3
P = {"negative": 6 / 8, "neutral": 8 / 11, "positive": 3 / 6}
R = {"negative": 0.6, "neutral": 0.8, "positive": 0.6}
F = {c: 2 * P[c] * R[c] / (P[c] + R[c]) for c in VAL}  # 0.6667, 0.7619, 0.5455
W_P = (10 * 0.75 + 10 * 8 / 11 + 5 * 0.5) / 25  # 0.690909
W_F = (10 * F["negative"] + 10 * F["neutral"] + 5 * F["positive"]) / 25  # 0.680519


def test_confusion_measures_by_hand():
    assert F["positive"] == pytest.approx(6 / 11) and W_F == pytest.approx(0.680519, abs=1e-6)
    m = np.asarray(M)[None]
    assert confusion_measure(m, "precision", 1)[0] == pytest.approx(8 / 11)
    assert confusion_measure(m, "f1", 2)[0] == pytest.approx(6 / 11)
    assert confusion_measure(m, "weighted_precision")[0] == pytest.approx(W_P)
    assert confusion_measure(m, "weighted_recall")[0] == pytest.approx(17 / 25)
    assert confusion_measure(m, "wa")[0] == pytest.approx(17 / 25)
    assert confusion_measure(m, "weighted_f1")[0] == pytest.approx(W_F)
    assert confusion_measure(m, "uar")[0] == pytest.approx((0.6 + 0.8 + 0.6) / 3)
    assert confusion_measure(m, "macro_precision")[0] == pytest.approx((0.75 + 8 / 11 + 0.5) / 3)


def test_per_class_table_takes_the_final_run():
    ref = load_reference("strEmo2023_table4_unseen_test_balanced")
    paper = {"table": "t4", "class_column": "class", "summary_rows": {"weighted_avg": "weighted"},
             "metrics": {"precision": "precision", "recall": "recall", "f1": "f1"}}  # fmt: skip
    final = run("final", part(M, VAL, ci={"weighted_f1": [0.60, 0.75], "wa": [0.50, 0.70]}))
    cv = run("fold0-lr1e-05", part([[1, 0, 0], [0, 1, 0], [0, 0, 1]], VAL))  # ignored
    long = paper_table(ref, [("bal", paper, MetricsSource([cv, final], n_boot=200, seed=1))])
    assert long["ours"].notna().all() and set(long["variant"]) == {"final"}
    for c in VAL:
        for measure, expected in (("precision", P[c]), ("recall", R[c]), ("f1", F[c])):
            row = cell(long, **{"class": c}, measure=measure)
            assert row["ours"] == pytest.approx(expected)
            assert row["ci_low"] <= row["ours"] <= row["ci_high"]  # bootstrap of the matrix
            assert row["ci_method"] == "utterance bootstrap" and row["n_runs"] == 1
    neg = cell(long, **{"class": "negative"}, measure="precision")
    assert neg["diff"] == pytest.approx(0.75 - 0.84) and neg["diff"] < 0  # scale 1: fractions
    wf1 = cell(long, **{"class": "weighted_avg"}, measure="f1")
    assert wf1["ours"] == pytest.approx(W_F) and wf1["diff"] == pytest.approx(W_F - 0.73)
    assert (wf1["ci_low"], wf1["ci_high"]) == (0.60, 0.75) and wf1["paper_in_ci"] == "yes"
    wrec = cell(long, **{"class": "weighted_avg"}, measure="recall")
    assert wrec["ours"] == pytest.approx(0.68) and wrec["paper_in_ci"] == "no"  # 0.74 > 0.70
    wprec = cell(long, **{"class": "weighted_avg"}, measure="precision")
    assert wprec["ours"] == pytest.approx(W_P)
    # same seed, same interval; no bootstrap, no interval
    again = paper_table(ref, [("bal", paper, MetricsSource([cv, final], n_boot=200, seed=1))])
    assert again["ci_low"].equals(long["ci_low"])
    none = paper_table(ref, [("bal", paper, MetricsSource([final], n_boot=0))])
    assert cell(none, **{"class": "positive"}, measure="f1")["paper_in_ci"] == "n/a"
    shown = display_table(long)
    assert shown.loc[0, "ours"] == "0.750" and shown.loc[0, "diff"] == "-0.090"


def test_list_bindings_one_experiment_feeds_two_tables(tmp_path):
    """strEmo: com_bal feeds Table 5 (per-class F1 on StrEmo) and Table 6 (F1 per corpus)."""
    strEmo = part(M, VAL, ci={"weighted_f1": [0.6, 0.7]})
    res = {"com_bal": [run("final", part(M, VAL), {"strEmo": strEmo, "savee": part(M, VAL)})],
           "none": [run("main", part(M, VAL), {"strEmo": part([[0, 0, 10], [0, 0, 10],
                                                              [0, 0, 5]], VAL)})]}  # fmt: skip
    paths = {}
    for name, runs in res.items():
        (tmp_path / name).mkdir()
        paths[name] = []
        for r in runs:
            path = tmp_path / name / f"{r['run']}.json"
            path.write_text(json.dumps(r))
            paths[name].append(str(path))
    t5 = {
        "metrics": {
            "f1_positive": "f1[positive]@strEmo",
            "f1_neutral": "f1[neutral]@strEmo",
            "f1_negative": "f1[negative]@strEmo",
            "f1_weighted": "weighted_f1@strEmo",
        }
    }
    bindings = {  # what rules/common.smk makes of `paper: [{...t5...}, {...t6...}]`
        "com_bal": [
            {"table": "strEmo2023_table5_strEmo_by_finetuning",
             "where": {"finetuned_on": "combined_balanced"}, **t5},
            {"table": "strEmo2023_table6_f1_per_test_corpus",
             "where": {"training_set": "balanced"},
             "metrics": {"StrEmo": "weighted_f1@strEmo", "SAVEE": "weighted_f1@savee",
                         "overall": "weighted_f1"}},
        ],
        "none": [{"table": "strEmo2023_table5_strEmo_by_finetuning",
                  "where": {"finetuned_on": "none"}, **t5}],
    }  # fmt: skip
    out = {}
    for table in ("strEmo2023_table5_strEmo_by_finetuning", "strEmo2023_table6_f1_per_test_corpus"):
        bound = [{"experiment": e, "paper": b, "inputs": {"metrics": paths[e]}}
                 for e, bs in bindings.items() for b in bs if b["table"] == table]  # fmt: skip
        stem = tmp_path / "tables" / f"paper_{table}"
        out[table] = write_paper_table(table, reference_dir() / f"{table}.csv", bound,
                                       stem.with_suffix(".md"), stem.with_suffix(".csv"),
                                       stem.with_suffix(".tex"), n_boot=100)  # fmt: skip
        assert "paper in CI" in stem.with_suffix(".md").read_text()
        assert pd.read_csv(stem.with_suffix(".csv")).shape[0] == len(out[table])
    t5_long = out["strEmo2023_table5_strEmo_by_finetuning"]
    pos = cell(t5_long, finetuned_on="combined_balanced", measure="f1_positive")
    assert pos["ours"] == pytest.approx(6 / 11) and pos["diff"] == pytest.approx(6 / 11 - 0.79)
    assert pos["experiment"] == "com_bal"
    wf = cell(t5_long, finetuned_on="combined_balanced", measure="f1_weighted")
    assert wf["ours"] == pytest.approx(W_F) and wf["paper_in_ci"] == "no"  # 0.82 > 0.7
    # the untrained head predicts everything positive: F1 2*(5/25)/(1+5/25) = 1/3, others 0
    none_pos = cell(t5_long, finetuned_on="none", measure="f1_positive")
    assert none_pos["ours"] == pytest.approx(1 / 3)
    assert cell(t5_long, finetuned_on="none", measure="f1_neutral")["ours"] == 0.0
    assert cell(t5_long, finetuned_on="RAVDESS", measure="f1_positive")["paper_in_ci"] == ""
    t6 = out["strEmo2023_table6_f1_per_test_corpus"]
    assert cell(t6, training_set="balanced", measure="StrEmo")["ours"] == pytest.approx(W_F)
    assert np.isnan(cell(t6, training_set="balanced", measure="CMU-MOSEI")["ours"])
    assert np.isnan(cell(t6, training_set="unbalanced", measure="overall")["ours"])


def test_lr_cv_table():
    ref = load_reference("strEmo2023_table3_lr_cv")  # lr 1e-4, 1e-5, 1e-6; K1..K5, avg
    ours = pd.DataFrame({"lr": ["0.0001", "1e-05"], "K1": [0.5, 0.9], "K2": [0.9, 0.95],
                         "K3": [0.7, 0.97], "avg": [0.7, 0.94], "std": [0.1633, 0.0294],
                         "metric": "f1_weighted", "chosen": [False, True]})  # fmt: skip
    cv = [run("fold0-lr0.0001", part(UAR[0.8], ci={"weighted_f1": [0.45, 0.55]}))]
    paper = {"table": "t3", "source": "lr_cv", "lr_column": "lr",
             "metrics": {f"K{k}": f"K{k}" for k in range(1, 6)} | {"avg": "avg"}}  # fmt: skip
    long = paper_table(ref, [("bal", paper, LrCvSource(ours, cv))])
    assert len(long) == 3 * 6  # 3 LRs x (K1..K5, avg)
    k1 = cell(long, lr="1e-4", measure="K1")
    assert k1["ours"] == 0.5 and k1["diff"] == pytest.approx(0.10)  # 0.5 - 0.40
    assert (k1["ci_low"], k1["ci_high"]) == (0.45, 0.55) and k1["paper_in_ci"] == "no"
    k2 = cell(long, lr="1e-4", measure="K2")
    assert k2["ours"] == 0.9 and k2["paper_in_ci"] == "n/a"  # no metrics of that CV run
    avg = cell(long, lr="1e-4", measure="avg")
    half = T975[2] * 0.2 / math.sqrt(3)  # K values 0.5, 0.9, 0.7: std 0.2
    assert avg["ours"] == pytest.approx(0.7) and avg["diff"] == pytest.approx(-0.04)
    assert avg["ci_low"] == pytest.approx(0.7 - half) and avg["paper_in_ci"] == "yes"
    assert avg["ci_high"] == 1.0  # 0.7 + 0.497 clipped to the metric's range
    assert avg["n_runs"] == 3 and avg["ours_std"] == pytest.approx(0.2)
    assert cell(long, lr="1e-5", measure="K3")["ours"] == pytest.approx(0.97)  # 1e-05 == 1e-5
    assert np.isnan(cell(long, lr="1e-4", measure="K4")["ours"])  # we ran 3 folds
    assert long[long["lr"] == "1e-6"]["ours"].isna().all()  # not in our grid


def test_count_tables(tmp_path):
    # multimodal Tables 1-3: a training view (after balancing) per split x corpus x class
    view = pd.DataFrame({
        "corpus": ["savee"] * 40 + ["savee"] * 52 + ["savee"] * 11 + ["tess"] * 3,
        "label": ["angry"] * 40 + ["disgust"] * 52 + ["angry"] * 11 + ["sad"] * 3,
        "split": ["train"] * 92 + ["test"] * 11 + ["dev"] * 3,
    })  # fmt: skip
    ref = load_reference("multimodal2023_tables1to3_split_counts")
    classes = ["angry", "calm", "disgust", "fearful", "happy", "sad", "surprised"]
    paper = {"table": "t13", "source": "view", "split_column": "split",
             "split_names": {"dev": "validation"}, "scope_column": "dataset",
             "scope_names": {"savee": "SAVEE", "tess": "TESS"},
             "metrics": {c: f"n[{c}]" for c in classes} | {"total": "n"}}  # fmt: skip
    long = paper_table(ref, [("mm", paper, CountSource(view, "view"))])
    angry = cell(long, split="train", dataset="SAVEE", measure="angry")
    assert angry["paper"] == 38 and angry["ours"] == 40 and angry["diff"] == 2
    assert angry["paper_in_ci"] == "n/a" and np.isnan(angry["ci_low"])
    calm = cell(long, split="train", dataset="SAVEE", measure="calm")
    assert calm["ours"] == 0 and calm["diff"] == 0
    assert cell(long, split="train", dataset="SAVEE", measure="total")["ours"] == 92
    assert cell(long, split="test", dataset="SAVEE", measure="angry")["ours"] == 11
    assert cell(long, split="validation", dataset="TESS", measure="sad")["diff"] == 3 - 69
    assert long[long["dataset"] == "CREMA-D"]["ours"].isna().all()  # not in our view
    # the same through the files: the view parquet in, the CSV's numbers read back as floats
    view.assign(utt_id=[str(i) for i in range(len(view))]).to_parquet(tmp_path / "v.parquet")
    out = tmp_path / "out"
    write_paper_table("multimodal2023_tables1to3_split_counts",
                      reference_dir() / "multimodal2023_tables1to3_split_counts.csv",
                      [{"experiment": "mm", "paper": paper,
                        "inputs": {"view": [str(tmp_path / "v.parquet")]}}],
                      out / "t.md", out / "t.csv", out / "t.tex")  # fmt: skip
    csv = pd.read_csv(out / "t.csv")
    assert csv["ours"].dtype == float and csv["paper"].dtype == float
    assert cell(csv, split="train", dataset="SAVEE", measure="angry")["ours"] == 40.0
    assert "| train | SAVEE | angry | 38 | 40 | +2 | n/a | n/a |" in (out / "t.md").read_text()
    shown = display_table(long)
    row = shown[(shown["split"] == "train") & (shown["dataset"] == "SAVEE")
                & (shown["measure"] == "angry")].iloc[0]  # fmt: skip
    assert (row["paper"], row["ours"], row["diff"], row["paper in CI"]) == ("38", "40", "+2", "n/a")
    # multimodal Table 4: a class per row and a total row (pooled over corpora)
    t4 = {"table": "t4", "source": "labels", "class_column": "emotion",
          "summary_rows": {"total": "total"}, "metrics": {"utterances": "n"}}  # fmt: skip
    long = paper_table(load_reference("multimodal2023_table4_combined_7class"),
                       [("mm", t4, CountSource(view, "labels"))])  # fmt: skip
    assert cell(long, emotion="angry", measure="utterances")["ours"] == 51
    assert cell(long, emotion="calm", measure="utterances")["ours"] == 0
    total = cell(long, emotion="total", measure="utterances")
    assert total["ours"] == 106 and total["diff"] == 106 - 13236
    # strEmo Table 1 from manifests and the source durations of the audio shards
    pd.DataFrame({"utt_id": list("abcd"), "corpus": "savee", "speaker": ["s1", "s1", "s2", "s2"],
                  "group": ["s1", "s1", "s2", "s2"], "emotion": ["a", "a", "b", "c"]}
                 ).to_parquet(tmp_path / "m.parquet")  # fmt: skip
    pd.DataFrame({"utt_id": list("abcd"), "source_duration": [1.0, 2.0, 3.0, 4.0]}
                 ).to_parquet(tmp_path / "s.parquet")  # fmt: skip
    frame = corpus_frame([tmp_path / "m.parquet"], [tmp_path / "s.parquet"])
    t1 = {
        "table": "t1",
        "source": "corpus",
        "scope_column": "dataset",
        "scope_names": {"savee": "SAVEE"},
        "metrics": {"utterances": "n", "emotions": "emotions", "avg_duration_s": "avg_duration"},
    }
    long = paper_table(load_reference("strEmo2023_table1_corpora"),
                       [("x", t1, CountSource(frame, "corpus"))])  # fmt: skip
    assert cell(long, dataset="SAVEE", measure="utterances")["diff"] == 4 - 480
    assert cell(long, dataset="SAVEE", measure="emotions")["ours"] == 3
    assert cell(long, dataset="SAVEE", measure="avg_duration_s")["ours"] == pytest.approx(2.5)
    assert long["ours"].notna().sum() == 3
    with pytest.raises(ValueError, match="no speaker"):
        paper_table(ref, [("mm", paper | {"metrics": {"total": "speakers"}},
                           CountSource(view, "view"))])  # fmt: skip


def test_variants_and_bad_bindings():
    ref = load_reference("multimodal2023_table6_baselines")
    runs = [run("main-knn", part([[3, 1], [1, 5]])), run("main-gaussian_nb", part(UAR[0.6]))]
    paper = {"table": "t6", "variant_column": "classifier", "metrics": {"wa": "wa", "ua": "ua"}}
    long = paper_table(ref, [("mm", paper, MetricsSource(runs, n_boot=0))])
    knn = long[long["classifier"] == "KNeighborsClassifier"].set_index("measure")
    assert knn.loc["wa", "ours"] == pytest.approx(80.0)  # 8 of 10, percent like the paper
    assert knn.loc["ua", "ours"] == pytest.approx(100 * (3 / 4 + 5 / 6) / 2)
    assert knn.loc["wa", "variant"] == "knn"
    assert long[long["classifier"] == "GaussianNB"]["ours"].notna().all()
    assert long[long["classifier"] == "MLPClassifier"]["ours"].isna().all()
    with pytest.raises(ValueError, match="variant"):  # two variants, none chosen
        paper_table(ref, [("mm", {"table": "t6", "where": {"classifier": "GaussianNB"},
                                  "metrics": {"wa": "wa"}}, MetricsSource(runs))])  # fmt: skip
    with pytest.raises(ValueError, match="claimed"):
        p = {"table": "t6", "variant_column": "classifier", "metrics": {"ua": "ua"}}
        paper_table(ref, [("a", p, MetricsSource(runs)), ("b", p, MetricsSource(runs))])
    with pytest.raises(ValueError, match="no measure"):
        paper_table(ref, [("a", {"table": "t6", "source": "view", "metrics": {"ua": "ua"}},
                           CountSource(pd.DataFrame(columns=["corpus", "label"])))])  # fmt: skip
    with pytest.raises(ValueError, match="no class 'c'"):
        paper_table(ref, [("a", {"table": "t6", "where": {"classifier": "GaussianNB"},
                                 "variant": "gaussian_nb", "metrics": {"wa": "f1[c]"}},
                           MetricsSource(runs))])  # fmt: skip
    with pytest.raises(KeyError, match="no columns"):
        paper_table(ref, [("a", {"table": "t6", "metrics": {"nope": "ua"}}, MetricsSource(runs))])


# ---------------------------------------------------------------- deviations
def test_deviations_rendering(tmp_path):
    entries = [
        {"topic": "MOSEI \"exclusively\"", "paper": "either i) exclusively positive or negative\n"
         "emotion scores greater than 2", "ours": "a | in the text", "keys":
         ["corpora.mosei.filter.emotion_threshold", "experiments.x.balance"]},
        {"topic": "folds", "paper": "5-fold cross-validation", "ours": "speaker-grouped folds"},
    ]  # fmt: skip
    table = write_deviations(entries, tmp_path / "d.md", tmp_path / "d.csv", title="Deviations")
    assert list(table.columns) == ["topic", "paper", "ours", "keys"]
    csv = pd.read_csv(tmp_path / "d.csv", keep_default_na=False)
    assert (
        csv.loc[0, "paper"] == "either i) exclusively positive or negative emotion scores "
        "greater than 2"
    )  # one line
    assert csv.loc[0, "keys"] == "corpora.mosei.filter.emotion_threshold, experiments.x.balance"
    assert csv.loc[1, "keys"] == ""
    md = (tmp_path / "d.md").read_text()
    assert md.startswith("### Deviations\n")
    assert '| 1 | MOSEI "exclusively" | “either i) exclusively' in md
    assert "a \\| in the text" in md and "`experiments.x.balance`" in md
    assert "| 2 | folds |" in md and md.rstrip().endswith(
        "declared in the configuration (`deviations:`)."
    )
    empty = write_deviations(None, tmp_path / "e.md", tmp_path / "e.csv")
    assert empty.empty and (tmp_path / "e.csv").read_text().strip() == "topic,paper,ours,keys"
    assert NONE_DECLARED in (tmp_path / "e.md").read_text()
    with pytest.raises(ValueError, match="no \\['paper'\\]"):
        deviations_table([{"topic": "t", "ours": "o"}])


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


def test_a_runs_clustered_interval_is_taken_for_every_measure_and_named():
    ref = load_reference("strEmo2023_table4_unseen_test_balanced")
    paper = {"table": "t4", "class_column": "class", "summary_rows": {"weighted_avg": "weighted"},
             "metrics": {"precision": "precision", "recall": "recall", "f1": "f1"}}  # fmt: skip
    c = VAL[0]
    final = run("final", part(M, VAL, ci={f"recall[{c}]": [0.1, 0.9], "weighted_f1": [0.2, 0.8]}))
    final["interval"] = {"unit": "cluster", "resamples": 1000, "level": 0.95, "seed": 0}
    long = paper_table(ref, [("bal", paper, MetricsSource([final], n_boot=0))])
    row = cell(long, **{"class": c}, measure="recall")
    assert (row["ci_low"], row["ci_high"]) == (0.1, 0.9) and row["ci_method"] == "cluster bootstrap"
    wf1 = cell(long, **{"class": "weighted_avg"}, measure="f1")
    assert (wf1["ci_low"], wf1["ci_high"]) == (0.2, 0.8) and wf1["ci_method"] == "cluster bootstrap"
    other = cell(long, **{"class": VAL[1]}, measure="recall")  # not in ci, no fallback draws
    assert other["paper_in_ci"] == "n/a"
