"""A feature extractor of one's own is one module and one registry line: a toy upstream, written
to a folder on the Python path and registered by the config's ``upstreams: {toy: toy_upstream}``
(or :func:`crossemo.features.upstreams.register`), reaches the config schema, the DAG (dry run)
and the library (extraction, a classic model trained on its shards)."""

from __future__ import annotations

import copy
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from crossemo.core import names
from crossemo.features import upstreams

from .helpers import REPO, planned_jobs, plugin_module, run_snakemake

pytestmark = pytest.mark.workflow

#: the whole upstream: the contract of crossemo.features.upstreams, three features per utterance
TOY = textwrap.dedent('''
    """Toy upstream: RMS, peak and zero-crossing rate of each utterance."""
    SETTINGS_KEYS = ()
    CLASSIC, NEURAL, POOLED, SEQUENCES = True, False, True, False
    ENV = "features"


    def settings(name, spec):
        return name


    def folder(name, settings):
        return name


    def resources(settings):
        return {"threads": 1, "gpu": 0, "mem_mb": 1000, "runtime": 10}


    class Toy:
        names = ["rms", "peak", "zcr"]

        def __call__(self, samples, rate):
            import numpy as np

            x = np.asarray(samples, dtype=np.float64)
            zcr = np.mean(np.abs(np.diff(np.sign(x)))) / 2 if len(x) > 1 else 0.0
            return np.array([np.sqrt(np.mean(x**2)), np.max(np.abs(x)), zcr], "f4")


    def extract_shard(name, settings, audio_paths, output, utt_ids=None, threads=0):
        from crossemo.features.shards import vector_frame, write_features

        return write_features(vector_frame(Toy(), audio_paths, utt_ids, name), output)
''')


@pytest.fixture
def toy(tmp_path: Path, monkeypatch):
    """The toy module on sys.path and PYTHONPATH (Snakemake's parse and jobs), registered."""
    folder = plugin_module(tmp_path / "plugins", "toy_upstream", TOY, monkeypatch)
    upstreams.register("toy", "toy_upstream")  # the one registry line
    yield folder
    upstreams._REGISTERED.pop("toy", None)
    sys.modules.pop("toy_upstream", None)


def test_shipped_schema_enum_is_the_registry():
    """The shipped config schema lists the built-in named sets of the registry, in its order."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    experiment = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    assert experiment["features"]["oneOf"][0]["enum"] == list(upstreams.featuresets())
    assert upstreams.featuresets() == names.FEATURESETS
    shipped = REPO / "workflow" / "schemas" / "config.schema.yaml"
    assert upstreams.schema_file(shipped) == shipped  # nothing registered: the shipped schema


def _config_with_toy() -> dict:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    toy = copy.deepcopy(config["experiments"]["demo_egemaps_svm_cross"])
    config["experiments"] = {"toy_svm": {**toy, "features": "toy"}}
    config["comparisons"] = {}
    config["upstreams"] = {"toy": "toy_upstream"}
    return config


def test_a_toy_upstream_reaches_schema_and_library(toy, tmp_path: Path):
    from snakemake.utils import validate

    from crossemo.features import extract_shard, read_features
    from crossemo.models.classic import ClassicConfig, train_predict

    assert "toy" in names.FEATURESETS and upstreams.folder("toy") == "toy"
    schema = upstreams.schema_file(REPO / "workflow" / "schemas" / "config.schema.yaml")
    validate(_config_with_toy(), str(schema))  # the schema's enum now holds the toy
    rng = np.random.default_rng(0)
    ids = [f"c/u{i:02d}" for i in range(40)]
    labels = ["loud" if i % 2 else "soft" for i in range(40)]
    waves = [rng.standard_normal(8000).astype("f4") * (0.8 if lab == "loud" else 0.05)
             for lab in labels]  # fmt: skip
    pd.DataFrame({"utt_id": ids, "samples": waves, "sample_rate": 16000}).to_parquet(
        tmp_path / "0000.parquet"
    )
    out = tmp_path / "features" / "toy" / "c" / "0000.parquet"
    extract_shard(tmp_path / "0000.parquet", "toy", out)  # the library's one extraction function
    features = read_features([out])
    assert list(features.columns) == ["rms", "peak", "zcr"]
    view = pd.DataFrame({"utt_id": ids, "corpus": "c", "label": labels,
                         "split": ["train"] * 30 + ["test"] * 10})  # fmt: skip
    cfg = ClassicConfig(family="logreg", standardize="global")
    _, predictions = train_predict(view, features, cfg, ["loud", "soft"])
    assert len(predictions) == 10
    assert (predictions["pred"] == predictions["label"]).all()  # loudness is easy


def test_a_toy_upstream_reaches_the_dag(toy, tmp_path: Path):
    """The config registers the toy: the schema validates ``features: toy`` and rule
    extract_features plans one job per shard of its corpora, in folder results/features/toy."""
    upstreams._REGISTERED.pop("toy")  # the workflow registers it from the config itself
    config = _config_with_toy()
    proc = run_snakemake(
        tmp_path / "work", config, "-n", "results/predictions/toy_svm/main.parquet"
    )
    jobs = planned_jobs(proc)
    shards = sum(config["corpora"][c]["n_shards"] for c in ("ravdess", "tess", "cremad", "savee",
                                                            "emodb", "strEmo"))  # fmt: skip
    assert jobs["extract_features"] == shards and jobs["train_classic"] == 1, jobs
    assert "output: results/features/toy/ravdess/0000.parquet" in proc.stdout + proc.stderr
