"""The leaderboard (rule make_leaderboard, ``crossemo results``): evaluation files of small
synthetic experiments -> rows grouped by scheme and test set, runs at chance flagged in every
format, the terminal layout fitted to its width."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.errors
import pytest

from crossemo.cli import main
from crossemo.core.schemas import Leaderboard
from crossemo.evaluation.runs import evaluate_experiment
from crossemo.plan import paths
from crossemo.report.leaderboard import AT_CHANCE, FLAG_MARK, write_leaderboard
from crossemo.report.leaderboard_text import read_leaderboard, terminal_table

FOUR = ["neutral", "happy", "angry", "sad"]
THREE = ["negative", "neutral", "positive"]
INTERVAL = {"resamples": 200, "seed": 0, "unit": "cluster"}


def predictions(corpus: str, classes: list[str], right: float, seed: int, n: int = 48,
                constant: bool = False) -> pd.DataFrame:  # fmt: skip
    """``n`` utterances of ``corpus`` over 8 speakers; a share ``right`` predicted correctly
    (or every one as the first class when ``constant``)."""
    rng = np.random.default_rng(seed)
    label = np.array([classes[i % len(classes)] for i in range(n)])
    pred = label.copy()
    wrong = rng.random(n) > right
    pred[wrong] = rng.choice(classes, int(wrong.sum()))
    if constant:
        pred[:] = classes[0]
    return pd.DataFrame({"utt_id": [f"{corpus}/u{i}" for i in range(n)], "corpus": corpus,
                         "label": label, "pred": pred,
                         "speaker": [f"{corpus}/s{i % 8}" for i in range(n)]})  # fmt: skip


EXPERIMENTS = {
    # 4 classes, two test corpora: an overall row and one per corpus
    "good": ({"main": [("emodb", 0.9), ("savee", 0.8)]}, FOUR, "basic4", "cross_corpus"),
    # 4 classes, always "neutral": UAR = chance
    "guess": ({"main": [("emodb", None)]}, FOUR, "basic4", "cross_corpus"),
    # 3 classes, two folds pooled, two classic variants
    "kfold": ({"fold0-svm": [("tess", 0.95)], "fold1-svm": [("tess", 0.9)],
               "fold0-knn": [("tess", 0.7)], "fold1-knn": [("tess", 0.6)]},
              THREE, "valence3", "speaker_kfold"),
}  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A results directory: each experiment's evaluation files and the leaderboard."""
    root = tmp_path_factory.mktemp("lb") / "results"
    files = {"runs": [], "intervals": [], "metrics": []}
    info = {}
    for seed, (exp, (runs, classes, scheme, protocol)) in enumerate(EXPERIMENTS.items()):
        preds, groups = {}, []
        for i, (run, parts) in enumerate(runs.items()):
            frames = []
            for corpus, right in parts:
                # k-fold: each fold tests its own utterances (offset ids)
                frame = predictions(corpus, classes, right or 0, seed * 10 + i,
                                    constant=right is None)  # fmt: skip
                frame["utt_id"] = frame["utt_id"] + f"-{run.split('-')[0]}"
                frames.append(frame)
            table = pd.concat(frames, ignore_index=True)
            preds[run] = root / "predictions" / exp / f"{run}.parquet"
            preds[run].parent.mkdir(parents=True, exist_ok=True)
            table.to_parquet(preds[run])
            groups.append(table.set_index("utt_id")["speaker"])
        split = root / "splits" / f"{exp}.parquet"
        split.parent.mkdir(parents=True, exist_ok=True)
        pd.concat(groups).rename("group").reset_index().to_parquet(split)
        out = {k: root.parent / paths.fill(t, experiment=exp) for k, t in
               (("runs", paths.METRICS_RUNS), ("intervals", paths.INTERVALS),
                ("metrics", paths.METRICS))}  # fmt: skip
        evaluate_experiment(preds, out["runs"], out["metrics"], exp, INTERVAL, split,
                            out["intervals"])  # fmt: skip
        for key in files:
            files[key].append(out[key])
        info[exp] = {"scheme": scheme, "protocol": protocol, "train": ["ravdess", "cremad"]}
    outputs = {k: root.parent / v for k, v in paths.LEADERBOARD.items()}
    table = write_leaderboard(files["runs"], files["intervals"], files["metrics"], info, outputs)
    return root, table, outputs


def test_rows_per_variant_and_test_set_with_overall_only_for_several(results):
    _, table, _ = results
    keys = set(zip(table["experiment"], table["run"], table["test_set"], strict=True))
    assert keys == {("good", "main", "emodb + savee"), ("good", "main", "emodb"),
                    ("good", "main", "savee"), ("guess", "main", "emodb"),
                    ("kfold", "svm", "tess"), ("kfold", "knn", "tess")}  # fmt: skip
    kfold = table[table["experiment"] == "kfold"]
    assert (kfold["n_runs"] == 2).all() and (kfold["n_utts"] == 96).all()
    assert (kfold["n_classes"] == 3).all() and np.allclose(kfold["chance_uar"], 1 / 3)
    assert (kfold["protocol"] == "speaker_kfold").all()


def test_grouped_by_scheme_and_test_set_ranked_by_uar(results):
    _, table, _ = results
    order = list(zip(table["scheme"], table["test_set"], strict=True))
    assert order == sorted(order), "groups are contiguous, schemes and test sets in order"
    for _, part in table.groupby(["scheme", "test_set"]):
        assert part["uar"].is_monotonic_decreasing
    emodb = table[(table["scheme"] == "basic4") & (table["test_set"] == "emodb")]
    assert list(emodb["experiment"]) == ["good", "guess"]


def test_at_chance_flagged_when_the_lower_bound_does_not_clear_chance(results):
    _, table, _ = results
    flagged = table[table["at_chance"]]
    assert list(zip(flagged["experiment"], flagged["test_set"], strict=True)) == [
        ("guess", "emodb")
    ]
    guess = flagged.iloc[0]
    assert guess["flag"] == AT_CHANCE and guess["uar"] == pytest.approx(0.25)
    assert guess["uar_ci_low"] <= guess["chance_uar"] == pytest.approx(0.25)
    clear = table[~table["at_chance"]]
    assert (clear["uar_ci_low"] > clear["chance_uar"]).all() and (clear["flag"] == "").all()


def test_csv_markdown_and_html_show_the_flag(results):
    root, table, outputs = results
    csv = read_leaderboard(root)
    assert len(csv) == len(table) and csv["at_chance"].sum() == 1
    md = outputs["md"].read_text()
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    flagged_lines = [line for line in rows if f"{FLAG_MARK} {AT_CHANCE}" in line]
    assert len(flagged_lines) == 1 and "**guess**" in flagged_lines[0]
    assert "## basic4 · test emodb" in md and "## valence3 · test tess" in md
    html = outputs["html"].read_text()
    assert html.count('<tr class="at-chance">') == 1
    assert "Label scheme basic4" in html and "Label scheme valence3" in html
    headline = outputs["headline"].read_text()
    assert "1 at chance" in headline and "guess (main) on emodb" in headline


def test_terminal_table_fits_its_width_and_keeps_names(results):
    _, table, _ = results
    text = terminal_table(table, width=110)
    assert max(len(line) for line in text.splitlines()) <= 110
    assert "== valence3 · test tess · classes 3, chance 33.3 ==" in text
    guess = next(line for line in text.splitlines() if line.startswith("guess "))
    assert f"{FLAG_MARK} {AT_CHANCE}" in guess
    assert all(FLAG_MARK not in line for line in text.splitlines()[3:] if line != guess)


def test_cli_results_prints_it_and_says_how_to_make_a_missing_one(results, capsys, tmp_path):
    root, _, _ = results
    assert main(["results", str(root), "--width", "120"]) == 0
    out = capsys.readouterr().out
    assert "Leaderboard: 6 results of 3 experiment(s)" in out and "kfold" in out
    assert main(["results", str(tmp_path)]) == 2
    assert "make_leaderboard" not in (err := capsys.readouterr().err) and "snakemake" in err


def test_schema_rejects_an_unknown_flag_and_a_reversed_interval(results):
    _, table, _ = results
    with pytest.raises(pandera.errors.SchemaErrors):
        Leaderboard.validate(table.assign(flag="maybe"), lazy=True)
    bad = table.copy()
    bad.loc[0, ["uar_ci_low", "uar_ci_high"]] = [0.9, 0.1]
    with pytest.raises(pandera.errors.SchemaErrors):
        Leaderboard.validate(bad, lazy=True)


def test_the_worst_condition_of_a_stressed_experiment(results, tmp_path):
    root, _, _ = results
    files = [[root.parent / paths.fill(t, experiment=e) for e in EXPERIMENTS]
             for t in (paths.METRICS_RUNS, paths.INTERVALS, paths.METRICS)]  # fmt: skip
    info = {e: {"scheme": s, "protocol": p, "train": ["ravdess"]}
            for e, (_, _, s, p) in EXPERIMENTS.items()}  # fmt: skip
    rows = [
        (scope, cond, uar)
        for scope in ("overall", "emodb", "savee")
        for cond, uar in (("clean", 0.85), ("codec_gsm", 0.6), ("noise_white_snr0dB", 0.3))
    ]
    stress = pd.DataFrame(rows, columns=["scope", "condition", "value"]).assign(
        experiment="good", variant=np.nan, measure="uar", ci_low=lambda t: t["value"] - 0.1,
        ci_high=lambda t: t["value"] + 0.1)  # fmt: skip
    at = (stress.scope == "savee") & (stress.condition == "codec_gsm")
    stress.loc[at, ["value", "ci_low", "ci_high"]] = [0.2, 0.1, 0.3]
    stress.to_csv(stress_file := tmp_path / "metrics_good.csv", index=False)
    outputs = {k: tmp_path / f"leaderboard.{k}" for k in ("csv", "md", "html", "headline")}
    table = write_leaderboard(*files, info, outputs, stress=[stress_file]).set_index(
        ["experiment", "test_set"])  # fmt: skip
    assert table.loc[("good", "emodb"), "worst_condition"] == "noise_white_snr0dB"
    assert table.loc[("good", "savee"), "worst_condition"] == "codec_gsm"
    assert table.loc[("good", "savee"), "worst_condition_uar"] == pytest.approx(0.2)
    assert table.loc[("good", "emodb + savee"), "worst_condition_uar_ci_low"] == pytest.approx(0.2)
    assert pd.isna(table.loc[("guess", "emodb"), "worst_condition"])  # not stressed
    md = outputs["md"].read_text()
    assert "worst condition" in md and "codec_gsm: 20.0 [10.0, 30.0]" in md
    assert "worst condition" not in md.split("## valence3")[1]  # no stressed row there
    assert "worst condition" not in terminal_table(read_leaderboard(root))
