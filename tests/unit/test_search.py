"""Hyper-parameter search nested in grouped CV (crossemo.models.search, search_space): inner
folds never split a group, samplers are deterministic, a grid is covered, a family's unknown
key is refused, a classic run searches its train rows only, a frozen head searches by its fit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from crossemo.models import families, search, search_space
from crossemo.models.classic import ClassicConfig, train_predict


def _rows(n_groups: int = 6, per_group: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    utt = [f"c/s{g}_{i}" for g in range(n_groups) for i in range(per_group)]
    labels = [("a", "b")[i % 2] for g in range(n_groups) for i in range(per_group)]
    groups = {u: u.split("_")[0] for u in utt}
    return pd.Series(utt), pd.Series(labels), groups, rng


def test_inner_folds_never_split_a_group_augmented_copies_follow_their_source():
    utt, labels, groups, _ = _rows()
    copies = pd.Series([f"{u}#aug0" for u in utt[:6]])
    ids = pd.concat([utt, copies], ignore_index=True)
    y = pd.concat([labels, labels[:6]], ignore_index=True)
    fold = search.inner_folds(ids, y, groups, 3, seed=0)
    source = ids.str.split("#").str[0].map(groups)
    assert (pd.Series(fold).groupby(source).nunique() == 1).all()  # one fold per group
    assert set(fold) == {0, 1, 2}
    held = search.held_groups(fold, ids, groups)
    assert sorted(g for part in held for g in part) == sorted(set(groups.values()))
    assert not search.scored(ids)[len(utt) :].any()  # copies are never scored
    with pytest.raises(ValueError, match="search.inner_folds: 7 group-disjoint"):
        search.inner_folds(utt, labels, groups, 7, seed=0)


def _trials(method: str, seed: int, space: dict, trials: int | None = 5):
    spec = {"method": method, "seed": seed, "space": space}
    if trials:
        spec["trials"] = trials
    return search.run_study(spec, lambda s: [-sum((float(v) - 1) ** 2 for v in s.values())])


@pytest.mark.parametrize("method", ["tpe", "random"])
def test_samplers_are_deterministic_given_the_seed(method):
    space = {"x": {"low": 0.01, "high": 10.0, "log": True}, "n": {"int": [1, 9]}}
    a, b = _trials(method, 3, space), _trials(method, 3, space)
    assert [t["params"] for t in a.trials] == [t["params"] for t in b.trials]
    assert [t["params"] for t in _trials(method, 4, space).trials] != [
        t["params"] for t in a.trials
    ]
    assert a.best == max(a.trials, key=lambda t: t["score"])["params"]


def test_grid_covers_the_grid_once():
    space = {"C": {"choices": [0.5, 1.0, 2.0]}, "degree": {"int": [2, 3]}}
    spec = {"method": "grid", "space": space}
    assert search_space.n_trials(spec) == 6 and search_space.n_trials(spec | {"trials": 4}) == 4
    result = _trials("grid", 0, space, trials=None)
    points = {(t["params"]["C"], t["params"]["degree"]) for t in result.trials}
    assert points == {(c, d) for c in (0.5, 1.0, 2.0) for d in (2, 3)}
    assert result.best == {"C": 1.0, "degree": 2}


def test_a_key_the_family_does_not_have_is_refused():
    refused = r"space.Cc: family svm has no such key \(did you mean 'C'"
    with pytest.raises(ValueError, match=refused):
        search.check_classic_space("svm", {"Cc": {"low": 1, "high": 2}}, "search")
    frozen = families.get("frozen_head")
    known = search_space.neural_keys(frozen.keys, {"head": "superb_base"})
    assert {"lr", "head_options.hidden", "weight_decay"} <= set(known)
    assert "encoder" not in known and "mem_mb" not in known and "head_options.d_model" not in known
    bad = search_space.unknown_keys({"head_options.hiden": {}}, known, "e.search", "frozen_head")
    assert "did you mean 'head_options.hidden'" in bad[0]
    problems = search_space.range_problems(
        {"method": "grid", "metric": "uarr", "space": {"lr": {"low": 0, "high": 1, "log": True}}},
        "e.search",
    )  # fmt: skip
    assert any("did you mean 'uar'" in p for p in problems)
    assert any("log range needs low > 0" in p for p in problems)
    assert any("grid search needs" in p for p in problems)
    clash = search_space.model_problems({"space": {"lr": {}}}, {"lr_grid": [1e-3]}, "e.search")
    assert "lr_grid" in clash[0]


def test_classic_search_reads_the_train_rows_only():
    rng = np.random.default_rng(0)
    rows = []
    for split, n_spk in (("train", 6), ("dev", 2), ("test", 3)):
        for s in range(n_spk):
            for i in range(6):
                rows.append({"utt_id": f"c/{split}{s}_{i}", "corpus": "c", "split": split,
                             "label": ("a", "b", "c")[i % 3]})  # fmt: skip
    view = pd.DataFrame(rows)
    centre = view["label"].map({"a": 0.0, "b": 1.5, "c": 3.0}).to_numpy()
    features = pd.DataFrame(centre[:, None] + rng.normal(size=(len(view), 4)),
                            index=view["utt_id"])  # fmt: skip
    groups = view["utt_id"].str.split("_").str[0].set_axis(view["utt_id"])
    spec = {"method": "tpe", "trials": 4, "inner_folds": 3, "seed": 0, "metric": "uar",
            "space": {"C": {"low": 0.1, "high": 10.0, "log": True}}}  # fmt: skip
    cfg = ClassicConfig.from_config({"family": "svm"}, "svm", "global", 0, spec)
    assert cfg.grid is None  # the search replaces the default C/gamma sweep
    bundle, pred = train_predict(view, features, cfg, ["a", "b", "c"], groups=groups)
    record = bundle["search"]
    train_groups = set(groups[(view["split"] == "train").to_numpy()])
    used = {g for part in record["inner_folds_groups"] for g in part}
    assert used == train_groups and record["utterances"] == 36  # no dev, no test row
    assert len(record["trials"]) == 4 and bundle["selection"]["method"] == "search"
    best = max(record["trials"], key=lambda t: t["score"])
    assert bundle["selection"]["best"] == best["params"] == record["best"]
    assert bundle["estimator"].C == pytest.approx(record["best"]["C"])
    assert len(pred) == 18


def test_frozen_head_search_trains_inner_runs_with_its_fit(tmp_path):
    from crossemo.models.frozen import write_features
    from crossemo.models.run import train_neural_run

    rng = np.random.default_rng(0)
    classes = ["a", "b"]
    rows = [{"utt_id": f"c/{sp}{s}_{i}", "corpus": "c", "label": classes[i % 2], "split": sp,
             "weight": 1.0, "audio_shard": ""}
            for sp, n in (("train", 6), ("dev", 1), ("test", 2)) for s in range(n)
            for i in range(4)]  # fmt: skip
    view = pd.DataFrame(rows)
    view.to_parquet(tmp_path / "view.parquet")
    feats = [(np.full((2, 1, 8), classes.index(lab), np.float32) + rng.normal(size=(2, 1, 8))
              ).astype(np.float32) for lab in view["label"]]  # fmt: skip
    write_features(tmp_path / "f.parquet", view["utt_id"].tolist(), feats)
    split = view[["utt_id", "corpus", "label", "split"]].assign(
        group=view["utt_id"].str.split("_").str[0], speaker="x", fold=0
    )
    split.to_parquet(tmp_path / "split.parquet")
    (tmp_path / "scheme.yaml").write_text(yaml.safe_dump({"classes": classes}))
    model = {"family": "frozen_head", "epochs": 2, "batch_size": 8, "bucketing": False,
             "lr": 1e-3, "head": "superb_base", "head_options": {"hidden": 8}}  # fmt: skip
    spec = {"method": "random", "trials": 2, "inner_folds": 2, "seed": 1, "metric": "uar",
            "space": {"lr": {"low": 1e-3, "high": 1e-1, "log": True},
                      "head_options.hidden": {"choices": [4, 16]}}}  # fmt: skip
    out = tmp_path / "model"
    train_neural_run(experiment={"scheme": "toy", "model": model, "search": spec}, name="toy",
                     run="main", inputs={"view": str(tmp_path / "view.parquet"),
                                         "scheme": str(tmp_path / "scheme.yaml"),
                                         "split": str(tmp_path / "split.parquet"),
                                         "features": [str(tmp_path / "f.parquet")]},
                     outputs={"model": str(out), "predictions": str(tmp_path / "p.parquet")},
                     scratch=str(tmp_path / "scratch"))  # fmt: skip
    run = json.loads((out / "crossemo_run.json").read_text())
    record = run["search"]
    assert len(record["trials"]) == 2 and record["utterances"] == 24
    assert {g for p in record["inner_folds_groups"] for g in p} == {f"c/train{s}" for s in range(6)}
    assert run["model"]["lr"] == record["best"]["lr"]
    assert run["model"]["head_options"]["hidden"] == record["best"]["head_options.hidden"]
    assert (
        json.loads((out / "head_config.json").read_text())["options"]["hidden"]
        == (record["best"]["head_options.hidden"])
    )
    chosen, trials = search.search_tables({"main": out})
    assert len(trials) == 2 and trials["chosen"].sum() == 1
    assert chosen.loc[0, "inner_score"] == pytest.approx(record["score"])
