"""Metric arithmetic against hand-computed cases; clustered intervals; aggregation over folds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crossemo.core.names import parse_run
from crossemo.evaluation.base import classes_of
from crossemo.evaluation.intervals import IntervalSpec
from crossemo.evaluation.runs import (
    aggregate,
    aggregate_files,
    evaluate,
    evaluate_file,
    evaluate_labels,
)

NO_CI = IntervalSpec(resamples=0)
UTTERANCES = IntervalSpec(unit="utterance", resamples=50)
UTTERANCE_NO_CI = {"unit": "utterance", "resamples": 0}

#            a  a  a  a  b  b  c  c  c  c
TRUE = list("aaaabbcccc")
PRED = list("aabcbacccb")
CLASSES = ["a", "b", "c"]


def test_hand_computed_case():
    m = evaluate_labels(TRUE, PRED, CLASSES, NO_CI)
    # confusion rows = truth: a -> 2 a, 1 b, 1 c; b -> 1 a, 1 b; c -> 1 b, 3 c
    assert m["confusion"] == {"labels": CLASSES, "matrix": [[2, 1, 1], [1, 1, 0], [0, 1, 3]]}
    assert m["n"] == 10
    assert m["wa"] == pytest.approx(6 / 10)
    # recalls 2/4, 1/2, 3/4
    assert m["uar"] == pytest.approx((0.5 + 0.5 + 0.75) / 3)
    assert m["ua"] == m["uar"]
    # precisions 2/3, 1/3, 3/4
    pc = m["per_class"]
    assert pc["a"]["precision"] == pytest.approx(2 / 3)
    assert pc["b"]["precision"] == pytest.approx(1 / 3)
    assert pc["c"]["recall"] == pytest.approx(0.75) and pc["c"]["support"] == 4
    f1 = {"a": 4 / 7, "b": 0.4, "c": 0.75}
    for c, v in f1.items():
        assert pc[c]["f1"] == pytest.approx(v)
    assert m["macro_f1"] == pytest.approx(sum(f1.values()) / 3)
    assert m["weighted_f1"] == pytest.approx((4 * 4 / 7 + 2 * 0.4 + 4 * 0.75) / 10)


def test_agrees_with_sklearn():
    from sklearn.metrics import balanced_accuracy_score, f1_score

    rng = np.random.default_rng(0)
    t, p = rng.choice(CLASSES, 200), rng.choice(CLASSES, 200)
    m = evaluate_labels(t, p, CLASSES, NO_CI)
    assert m["uar"] == pytest.approx(balanced_accuracy_score(t, p))
    assert m["macro_f1"] == pytest.approx(f1_score(t, p, average="macro"))
    assert m["weighted_f1"] == pytest.approx(f1_score(t, p, average="weighted"))


def test_absent_class_does_not_count_in_uar():
    # class c never occurs in truth nor prediction: UAR and macro F1 over a and b only
    m = evaluate_labels(list("aabb"), list("abbb"), CLASSES, NO_CI)
    assert m["uar"] == pytest.approx((0.5 + 1.0) / 2)
    assert m["per_class"]["c"]["support"] == 0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_interval_contains_point_estimate_and_is_seeded():
    rng = np.random.default_rng(1)
    t = rng.choice(CLASSES, 300)
    p = np.where(rng.random(300) < 0.7, t, rng.choice(CLASSES, 300))
    spec = IntervalSpec(unit="utterance", resamples=500, seed=3)
    m = evaluate_labels(t, p, CLASSES, spec)
    for name in ("uar", "wa", "macro_f1", "weighted_f1", "recall[a]", "f1[c]"):
        lo, hi = m["ci"][name]
        point = m[name] if "[" not in name else m["per_class"][name[-2]][name.split("[")[0]]
        assert lo <= point <= hi and hi - lo < 0.2
    assert evaluate_labels(t, p, CLASSES, spec)["ci"] == m["ci"]
    other_seed = IntervalSpec(unit="utterance", resamples=500, seed=4)
    assert evaluate_labels(t, p, CLASSES, other_seed)["ci"] != m["ci"]


def predictions():
    return pd.DataFrame({
        "utt_id": [f"u{i}" for i in range(10)],
        "corpus": ["x"] * 6 + ["y"] * 4,
        "label": TRUE, "pred": PRED,
        "prob_c": 0.2, "prob_a": 0.5, "prob_b": 0.3,
    })  # fmt: skip


def test_per_corpus_and_overall(tmp_path):
    preds = predictions()
    assert classes_of(preds) == ["c", "a", "b"]  # order of the prob_ columns
    res = evaluate(preds, UTTERANCES)
    assert res["overall"]["wa"] == pytest.approx(0.6)
    assert set(res["per_corpus"]) == {"x", "y"}
    x = res["per_corpus"]["x"]  # truth aaaabb, pred aabcba -> a 2/4, b 1/2
    assert x["n"] == 6 and x["uar"] == pytest.approx(0.5)
    assert res["per_corpus"]["y"]["wa"] == pytest.approx(3 / 4)
    preds.to_parquet(tmp_path / "p.parquet")
    out = evaluate_file(tmp_path / "p.parquet", tmp_path / "m" / "fold0.json", "exp", "fold0",
                        UTTERANCES)  # fmt: skip
    assert json.loads((tmp_path / "m" / "fold0.json").read_text())["run"] == "fold0"
    assert out["overall"]["ci"]["uar"][0] <= out["overall"]["uar"]
    assert out["interval"]["unit"] == "utterance" and out["overall"]["n_clusters"] == 10


def test_parse_run():
    assert parse_run("fold3") == (3, "")
    assert parse_run("fold0-lr1e-05") == (0, "lr1e-05")
    assert parse_run("fold1-knn") == (1, "knn")
    assert parse_run("main") == (0, "") and parse_run("final") == (0, "final")


def test_aggregate_mean_std_over_folds(tmp_path):
    def res(run, uar, corpus_uar):
        m = {"n": 10, "uar": uar, "ua": uar, "wa": uar, "macro_f1": uar, "weighted_f1": uar}
        c = m | {"uar": corpus_uar}
        return {"experiment": "e", "run": run, "overall": m, "per_corpus": {"x": c}}

    table = aggregate([res("fold0-knn", 0.5, 0.4), res("fold1-knn", 0.7, 0.6),
                       res("fold0-svm", 0.9, 0.9)])  # fmt: skip
    knn = table[(table["variant"] == "knn") & (table["scope"] == "overall")].iloc[0]
    assert knn["n_runs"] == 2 and knn["uar_mean"] == pytest.approx(0.6)
    assert knn["uar_std"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    x = table[(table["variant"] == "knn") & (table["scope"] == "x")].iloc[0]
    assert x["uar_mean"] == pytest.approx(0.5)
    svm = table[(table["variant"] == "svm") & (table["scope"] == "overall")].iloc[0]
    assert svm["n_runs"] == 1 and np.isnan(svm["uar_std"])
    paths = []
    for r in (res("fold0", 0.5, 0.5), res("fold1", 0.6, 0.6)):
        paths.append(tmp_path / f"{r['run']}.json")
        paths[-1].write_text(json.dumps(r))
    out = aggregate_files(paths, tmp_path / "e.csv")
    assert pd.read_csv(tmp_path / "e.csv").shape == out.shape


def test_evaluate_experiment_writes_every_run_and_the_table(tmp_path):
    """One job per experiment: each run's metrics (as evaluate_file gives them) and the table."""
    from crossemo.evaluation.base import read_run_metrics
    from crossemo.evaluation.runs import evaluate_experiment

    preds = predictions()
    flipped = preds.assign(pred=preds["label"])  # a perfect second fold
    paths = {"fold0": tmp_path / "f0.parquet", "fold1": tmp_path / "f1.parquet"}
    preds.to_parquet(paths["fold0"])
    flipped.to_parquet(paths["fold1"])
    interval = {"unit": "utterance", "resamples": 20}
    runs = evaluate_experiment(paths, tmp_path / "e.runs.json", tmp_path / "e.csv", "e", interval)
    single = evaluate_file(paths["fold0"], tmp_path / "f0.json", "e", "fold0",
                           IntervalSpec(**interval))  # fmt: skip
    assert [r["run"] for r in runs] == ["fold0", "fold1"]
    assert runs[0] == single
    assert read_run_metrics([tmp_path / "e.runs.json", tmp_path / "f0.json"]) == runs + [single]
    table = pd.read_csv(tmp_path / "e.csv").set_index("scope")
    assert table.loc["overall", "n_runs"] == 2
    assert table.loc["overall", "wa_mean"] == pytest.approx((0.6 + 1.0) / 2)


def test_experiment_intervals_resample_the_split_groups(tmp_path, caplog):
    """Two speakers per corpus, each all right or all wrong: clustered intervals of the pooled
    folds are wide, say so, and an utterance without a group is refused."""
    from crossemo.evaluation.runs import evaluate_experiment

    rows = [(f"{c}_{s}_{i}", c, lab, lab if right else ("b" if lab == "a" else "a"), f"{c}{s}")
            for c, rights in (("x", (1, 0)), ("y", (1, 1))) for s, right in enumerate(rights)
            for i, lab in enumerate("ab" * 20)]  # fmt: skip
    preds = pd.DataFrame(rows, columns=["utt_id", "corpus", "label", "pred", "group"])
    split = preds[["utt_id", "group"]].assign(fold=0)
    split.to_parquet(tmp_path / "split.parquet")
    paths = {}
    for fold in (0, 1):  # each fold holds half the speakers of each corpus
        paths[f"fold{fold}"] = tmp_path / f"f{fold}.parquet"
        preds[preds["group"].str.endswith(str(fold))].drop(columns="group").to_parquet(
            paths[f"fold{fold}"]
        )
    with caplog.at_level("INFO"):
        evaluate_experiment(paths, tmp_path / "e.json", tmp_path / "e.csv", "e",
                            {"resamples": 400}, tmp_path / "split.parquet",
                            tmp_path / "e.intervals.csv")  # fmt: skip
    table = pd.read_csv(tmp_path / "e.csv").set_index("scope")
    assert table.loc["x", "interval_note"].startswith("only 2 clusters (< 10)")
    ci = [100 * table.loc["overall", f"uar_ci_{b}"] for b in ("low", "high")]
    head = (f"e, overall: UAR {100 * table.loc['overall', 'uar_mean']:.1f} "
            f"[{ci[0]:.1f}, {ci[1]:.1f}], WA ")  # fmt: skip
    assert any(m.startswith(head) and m.endswith("(n = 160, 4 clusters)") for m in caplog.messages)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert (
        "e, y: only 2 clusters (< 10): the bootstrap interval is too narrow, read it as "
        "indicative" in warned
    )
    assert table.loc["overall", "interval_unit"] == "cluster"
    assert table.loc["overall", "n_clusters"] == 4 and table.loc["x", "n_clusters"] == 2
    assert table.loc["x", "wa_ci_low"] == 0.0 and table.loc["x", "wa_ci_high"] == 1.0
    # stratified: y (always right) keeps half the utterances, so WA never drops below 0.5
    assert table.loc["overall", "wa_ci_low"] == 0.5
    long = pd.read_csv(tmp_path / "e.intervals.csv")
    rec = long[(long["scope"] == "overall") & (long["measure"] == "recall[a]")].iloc[0]
    assert rec["value"] == 0.75 and rec["n_clusters"] == 4 and "only 4 clusters" in rec[
        "interval_note"]  # fmt: skip
    split[split["utt_id"] != "x_0_0"].to_parquet(tmp_path / "split.parquet")
    with pytest.raises(ValueError, match="1 predicted utterances have no group"):
        evaluate_experiment(paths, tmp_path / "e.json", tmp_path / "e.csv", "e", {},
                            tmp_path / "split.parquet")  # fmt: skip


def _two_runs(tmp_path, second: pd.DataFrame) -> dict:
    paths = {"fold0": tmp_path / "f0.parquet", "fold1": tmp_path / "f1.parquet"}
    predictions().to_parquet(paths["fold0"])
    second.to_parquet(paths["fold1"])
    return paths


def test_a_run_without_test_utterances_fails_naming_run_and_measure(tmp_path):
    """No silent NaN: an empty run stops the evaluation, which names the run and the measure,
    and writes nothing."""
    from crossemo.evaluation.runs import evaluate_experiment

    paths = _two_runs(tmp_path, predictions().iloc[:0])
    with pytest.raises(ValueError, match=r"experiment e, run fold1, overall: uar, wa, ua.*NaN"):
        evaluate_experiment(paths, tmp_path / "e.json", tmp_path / "e.csv", "e", UTTERANCE_NO_CI)
    assert not (tmp_path / "e.json").exists() and not (tmp_path / "e.csv").exists()
    with pytest.raises(ValueError, match="run fold1, overall: uar"):
        evaluate_file(paths["fold1"], tmp_path / "f1.json", "e", "fold1", UTTERANCES)


def test_a_prediction_without_a_label_fails_naming_the_run(tmp_path):
    from crossemo.evaluation.runs import evaluate_experiment

    broken = predictions().astype({"pred": object})
    broken.loc[3, "pred"] = None  # a model that answered nothing for u3
    paths = _two_runs(tmp_path, broken)
    with pytest.raises(ValueError, match=r"run fold1: 1 predictions? without .*u3"):
        evaluate_experiment(paths, tmp_path / "e.json", tmp_path / "e.csv", "e", UTTERANCE_NO_CI)


def test_headline_check_names_the_scope_and_spares_undefined_class_rates():
    """A per-corpus NaN fails; a class absent from a test corpus (its recall has no interval,
    its rates are 0 by definition) does not."""
    from crossemo.evaluation.base import UndefinedMetricError
    from crossemo.evaluation.runs import check_headline

    result = evaluate(predictions().assign(label=list("aaaaaacccc")), UTTERANCES)
    check_headline(result, "experiment e, run fold0")  # b is absent from the truth: fine
    result["per_corpus"]["y"]["macro_f1"] = float("nan")
    with pytest.raises(UndefinedMetricError, match=r"run fold0, y: macro_f1 is NaN \(n=4"):
        check_headline(result, "experiment e, run fold0")


def _scored(pred: list[str], truth: list[str]) -> dict:
    n = len(truth)
    table = pd.DataFrame({"utt_id": [f"u{i}" for i in range(n)], "corpus": "x", "label": truth,
                          "pred": pred, "group": [f"s{i % 10}" for i in range(n)]})  # fmt: skip
    groups = table.set_index("utt_id")["group"]
    return evaluate(table.drop(columns="group"), IntervalSpec(resamples=200), groups)


def test_beats_chance_needs_the_uar_interval_above_one_over_k():
    """A constant predictor sits at chance (UAR 1/k): it fails; a mostly right one passes; a
    run without an interval cannot tell."""
    from crossemo.evaluation.runs import beats_chance

    truth = list("abc" * 40)
    assert not beats_chance(_scored(["a"] * len(truth), truth))
    good = [t if i % 5 else "a" for i, t in enumerate(truth)]  # 80 % right
    assert beats_chance(_scored(good, truth))
    assert beats_chance(_scored(good, truth), scope="x")
    coin = [["a", "b", "c"][i // 3 % 3] for i in range(len(truth))]  # unrelated to the truth
    assert not beats_chance(_scored(coin, truth))
    no_interval = evaluate(predictions(), IntervalSpec(unit="utterance", resamples=0))
    with pytest.raises(ValueError, match="no uar interval"):
        beats_chance(no_interval)
