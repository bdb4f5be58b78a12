"""Scoring under stress: clean metrics equal the evaluation's, paired differences, a planted
degradation's breakdown, the mildest-first walk of each axis and the figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossemo.evaluation.runs import evaluate_experiment
from crossemo.stress.conditions import expand
from crossemo.stress.job import evaluate_stress
from crossemo.stress.scoring import (
    CLEAN,
    breakdown,
    severity,
    stress_metrics,
)

CLASSES = ["ang", "hap", "neu", "sad"]
INTERVAL = {"resamples": 200, "seed": 0}
CONDITIONS = expand([{"type": "identity"},
                     {"type": "noise", "color": "white", "snr_db": [20, 0, -20]},
                     {"type": "codec", "codec": "gsm"}])  # fmt: skip


def _run(rng: np.random.Generator, fold: int, corpus: str, n: int = 160,
         good: float = 0.8) -> pd.DataFrame:  # fmt: skip
    """A fold's predictions: ``good`` of them right, the rest at random."""
    labels = rng.choice(CLASSES, n)
    pred = np.where(rng.random(n) < good, labels, rng.choice(CLASSES, n))
    table = pd.DataFrame({"utt_id": [f"{corpus}_{fold}_{i}" for i in range(n)],
                          "corpus": corpus, "label": labels, "pred": pred})  # fmt: skip
    for c in CLASSES:
        table[f"prob_{c}"] = (pred == c).astype(float)
    return table


@pytest.fixture
def clean() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(1)
    return {f"fold{k}": _run(rng, k, "emodb" if k % 2 else "ravdess") for k in range(2)}


def _groups(runs: dict[str, pd.DataFrame]) -> pd.Series:
    ids = pd.concat([t["utt_id"] for t in runs.values()])
    return pd.Series([f"spk{i % 12}" for i in range(len(ids))], index=ids.to_numpy())


def _stressed(clean: dict[str, pd.DataFrame], condition: str,
              randomise: bool = False, seed: int = 0) -> pd.DataFrame:  # fmt: skip
    rng = np.random.default_rng(seed)
    parts = []
    for run, table in clean.items():
        table = table.copy()
        if randomise:
            table["pred"] = rng.choice(CLASSES, len(table))
        parts.append(table.assign(run=run, condition=condition))
    return pd.concat(parts, ignore_index=True)


def _stressed_set(clean) -> dict[str, pd.DataFrame]:
    """identity and the mild settings as clean; SNR -20 dB randomised (the planted breakdown)."""
    return {name: _stressed(clean, name, randomise=name == "noise_white_snr-20dB", seed=i)
            for i, name in enumerate(CONDITIONS)}  # fmt: skip


def test_clean_rows_equal_the_evaluation_of_the_experiment(clean, tmp_path):
    paths = {}
    for run, table in clean.items():
        paths[run] = tmp_path / f"{run}.parquet"
        table.to_parquet(paths[run])
    groups = _groups(clean)
    split = tmp_path / "split.parquet"
    pd.DataFrame({"utt_id": groups.index, "group": groups.to_numpy()}).to_parquet(split)
    evaluate_experiment(paths, tmp_path / "runs.json", tmp_path / "m.csv", "e", INTERVAL, split,
                        tmp_path / "intervals.csv")  # fmt: skip
    own = pd.read_csv(tmp_path / "intervals.csv", keep_default_na=False)
    metrics = stress_metrics("e", clean, {}, CONDITIONS, INTERVAL, groups)
    assert set(metrics["condition"]) == {CLEAN}
    for row in metrics.to_dict("records"):
        match = own[(own["variant"] == row["variant"]) & (own["scope"] == row["scope"])
                    & (own["measure"] == row["measure"])]  # fmt: skip
        assert len(match) == 1, row
        assert match["value"].iloc[0] == pytest.approx(row["value"], abs=1e-6)
        assert match["ci_low"].iloc[0] == pytest.approx(row["ci_low"], abs=1e-6)
        assert match["ci_high"].iloc[0] == pytest.approx(row["ci_high"], abs=1e-6)


def test_identical_predictions_differ_by_zero_with_a_zero_width_interval(clean):
    stressed = {"identity": _stressed(clean, "identity")}
    metrics = stress_metrics("e", clean, stressed, CONDITIONS, INTERVAL, _groups(clean))
    identity = metrics[metrics["condition"] == "identity"]
    assert len(identity) == 3 * 3  # (overall + 2 corpora) x (uar, wa, macro_f1)
    assert (identity["diff"] == 0).all()
    assert (identity["diff_low"] == 0).all() and (identity["diff_high"] == 0).all()
    assert (identity["value"] == identity["clean_value"]).all()
    assert (identity["family"] == "identity").all() and identity["axis"].isna().all()


def test_a_destroyed_condition_falls_to_chance_and_is_the_breakdown(clean):
    metrics = stress_metrics("e", clean, _stressed_set(clean), CONDITIONS, INTERVAL,
                             _groups(clean))  # fmt: skip
    uar = metrics[(metrics["measure"] == "uar") & (metrics["scope"] == "overall")]
    worst = uar[uar["condition"] == "noise_white_snr-20dB"].iloc[0]
    assert worst["chance"] == pytest.approx(0.25)
    assert worst["ci_low"] <= worst["chance"] <= worst["ci_high"]
    assert worst["diff_high"] < 0  # paired: clearly below clean
    assert worst["axis"] == "snr_db" and worst["axis_value"] == -20
    table = breakdown(metrics, retained=0.8)
    noise = table[(table["family"] == "noise_white") & (table["scope"] == "overall")].iloc[0]
    assert noise["breakdown"] == "noise_white_snr-20dB"
    assert noise["conditions"] == "noise_white_snr20dB noise_white_snr0dB noise_white_snr-20dB"
    assert noise["threshold"] == pytest.approx(0.8 * noise["clean_uar"])
    gsm = table[(table["family"] == "codec_gsm") & (table["scope"] == "overall")].iloc[0]
    assert gsm["breakdown"] == ""  # unchanged predictions keep their UAR


def test_axes_are_walked_from_the_mildest_setting():
    def walk(axis, values):
        return sorted(values, key=lambda v: severity(axis, v))

    assert walk("snr_db", [-5, 20, 0]) == [20, 0, -5]
    assert walk("bitrate_kbps", [8, 64, 16]) == [64, 16, 8]
    assert walk("rt60_s", [1.2, 0.3, 0.6]) == [0.3, 0.6, 1.2]
    assert walk("db", [-20, 6, -3]) == [-3, 6, -20]
    assert walk("semitones", [2, -1, -4]) == [-1, 2, -4]
    assert walk("factor", [0.8, 1.05, 1.3]) == [1.05, 0.8, 1.3]
    assert walk("level", [0.1, 0.5, 0.25]) == [0.5, 0.25, 0.1]
    with pytest.raises(ValueError, match="mildest-first"):
        severity("loudness", 1.0)


def test_the_job_writes_tables_and_figure(clean, tmp_path):
    clean_paths, stressed_paths = {}, {}
    for run, table in clean.items():
        clean_paths[run] = tmp_path / f"{run}.parquet"
        table.to_parquet(clean_paths[run])
    for name, table in _stressed_set(clean).items():
        stressed_paths[name] = tmp_path / f"{name}.parquet"
        table.to_parquet(stressed_paths[name])
    groups = _groups(clean)
    split = tmp_path / "split.parquet"
    pd.DataFrame({"utt_id": groups.index, "group": groups.to_numpy()}).to_parquet(split)
    out = {"metrics": tmp_path / "m.csv", "breakdown": tmp_path / "b.csv",
           "figure": tmp_path / "stress.png"}  # fmt: skip
    evaluate_stress(clean_paths, stressed_paths, split, out, experiment="e",
                    conditions=CONDITIONS, interval=INTERVAL, retained=0.8)  # fmt: skip
    metrics = pd.read_csv(out["metrics"])
    assert set(metrics["condition"]) == {CLEAN, *CONDITIONS}
    assert out["figure"].stat().st_size > 10_000
    with pytest.raises(ValueError, match="not among the experiment's stress conditions"):
        stress_metrics("e", clean, {"gain_+6dB": _stressed(clean, "gain_+6dB")}, CONDITIONS,
                       INTERVAL, groups)  # fmt: skip
