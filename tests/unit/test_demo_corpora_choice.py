"""``demo.corpora``: a subset of the demo synthesised, refused where it cannot serve the config."""

from __future__ import annotations

import json

from crossemo.core.configuration import read_yaml, require_schema
from crossemo.core.provenance import DEMO_CORPORA, demo_problems
from crossemo.demo import CORPORA, WRITERS, synthesize


def _config(corpora, roots):
    demo = {"enabled": True, "dir": "resources/demo", "seed": 0, "corpora": corpora}
    return {"demo": demo, "corpora": {n: {"adapter": n, "root": f"resources/demo/{r}"}
                                      for n, r in roots.items()}}  # fmt: skip


def test_the_demo_writes_the_corpora_the_names_list():
    assert CORPORA == DEMO_CORPORA and tuple(WRITERS) == DEMO_CORPORA


def test_a_chosen_pair_is_accepted_with_its_roots():
    config = _config(["RAVDESS", "SAVEE"], {"ravdess": "RAVDESS", "savee": "SAVEE-flat/ALL"})
    assert demo_problems(config) == []
    config["demo"]["corpora"] = None  # absent: every corpus
    assert demo_problems(config) == []


def test_unknown_names_and_uncovered_roots_are_refused_by_key():
    problems = demo_problems(_config(["RAVDES", "EmoDB"], {"tess": "TESS"}))
    assert len(problems) == 2
    assert problems[0].startswith("demo.corpora: no demo corpus 'RAVDES' (did you mean 'RAVDESS'?)")
    assert problems[1].startswith("corpora.tess.root: resources/demo/TESS is the demo's TESS")


def test_the_demo_disabled_checks_nothing():
    config = _config(["nope"], {"tess": "TESS"})
    config["demo"]["enabled"] = False
    assert demo_problems(config) == []


def test_the_slurm_test_config_is_consistent():
    config = read_yaml("tests/slurm/config.yaml", "the real-SLURM test config")
    require_schema(config)
    assert config["demo"]["corpora"] and demo_problems(config) == []


def test_a_subset_synthesises_only_its_corpora(tmp_path, tools):
    tools("espeak-ng")
    counts = synthesize(tmp_path, seed=0, corpora=["EmoDB"])
    assert set(counts) == {"EmoDB"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["EmoBox", "EmoDB", "demo_truth.json"]
    assert json.loads((tmp_path / "demo_truth.json").read_text())["files"] == counts
