"""A corpus adapter of one's own is one module and one registry line: a toy adapter, written to a
folder on the Python path and registered by the config's ``adapters: {toy: toy_corpus}`` (or
:func:`crossemo.corpora.register`), reaches the start-up checks and the schema, the DAG (its
ingest job, run by real Snakemake) and the library (ingestion into a validated manifest)."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import yaml
from snakemake.utils import validate

from crossemo import corpora
from crossemo.core.configuration import ConfigError, prepare

from .helpers import REPO, plugin_module, run_snakemake

pytestmark = pytest.mark.workflow

#: the whole adapter: files named <speaker>_<emotion>.wav, anything else a reject with its reason
TOY = textwrap.dedent('''
    """Toy corpus: <speaker>_<emotion>.wav."""
    from crossemo.corpora.base import Reject, Utterance, no_options, scan_files

    EMOTIONS = {"ang": "anger", "neu": "neutral"}


    def parse(path):
        speaker, _, code = path.stem.partition("_")
        if code not in EMOTIONS:
            return Reject(path, "unknown_emotion_code", f"emotion {code!r}", path.stem)
        return Utterance(local_id=path.stem, path=path, speaker=speaker, raw_label=code,
                         emotion=EMOTIONS[code])


    def scan(root, corpus, **options):
        no_options(options)
        return scan_files(root, parse)
''')
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


@pytest.fixture
def toy(tmp_path: Path, monkeypatch):
    """The toy module on sys.path and PYTHONPATH (Snakemake's parse and jobs), and a root with
    three recordings and one file the adapter cannot read."""
    plugin_module(tmp_path / "plugins", "toy_corpus", TOY, monkeypatch)
    root = tmp_path / "toy_root"
    root.mkdir()
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(24000) / 16000)
    for name in ("s1_ang", "s1_neu", "s2_ang", "s2_xyz"):
        sf.write(root / f"{name}.wav", tone, 16000)
    yield root
    corpora.ADAPTERS.pop("toy", None)
    sys.modules.pop("toy_corpus", None)


def toy_config(root: Path) -> dict:
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["demo"]["enabled"] = False
    config["adapters"] = {"toy": "toy_corpus"}
    config["corpora"] = {"toy": {"adapter": "toy", "root": str(root)}}
    config["experiments"] = {}
    for key in ("comparisons", "deviations", "corpus_matrix"):
        config.pop(key, None)
    return config


def test_the_registry_holds_the_builtin_adapters_and_the_readme_lists_them():
    assert corpora.BUILTIN == {n: m for n, m in corpora.ADAPTERS.items() if n in corpora.BUILTIN}
    section = (REPO / "config/README.md").read_text().split("### `adapters`", 1)[1]
    section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]  # its subsections included
    for name in corpora.BUILTIN:
        assert f"`{name}`" in section, name


def test_a_registered_toy_adapter_ingests_in_the_library(toy):
    corpora.register("toy", "toy_corpus")  # the one registry line
    manifest, rejects = corpora.ingest("toy", toy, "toy")
    assert sorted(manifest["utt_id"]) == ["toy/s1_ang", "toy/s1_neu", "toy/s2_ang"]
    assert set(manifest["emotion"]) == {"anger", "neutral"}
    assert list(rejects["reason"]) == ["unknown_emotion_code"]
    with pytest.raises(ValueError, match="already"):
        corpora.register("toy", "another_module")


def test_start_up_knows_the_toy_only_once_registered(toy):
    config = toy_config(toy)
    validate(config, str(SCHEMA))  # `adapters:` is a key of the schema
    unregistered = {k: v for k, v in config.items() if k != "adapters"}
    with pytest.raises(ConfigError, match="toy"):
        prepare(unregistered, {}, corpora.ADAPTERS)
    corpora.register_config(config)
    prepare(config, {}, corpora.ADAPTERS)


def test_the_workflow_ingests_the_toy_corpus(toy, tmp_path):
    """Real Snakemake: the config registers the toy; its ingest job imports the module."""
    workdir = tmp_path / "wf"
    run_snakemake(workdir, toy_config(toy), "results/manifests/toy.parquet")
    manifest = pd.read_parquet(workdir / "results/manifests/toy.parquet")
    rejects = pd.read_parquet(workdir / "results/manifests/toy.rejects.parquet")
    assert len(manifest) == 3 and set(manifest["speaker"]) == {"toy/s1", "toy/s2"}
    assert list(rejects["reason"]) == ["unknown_emotion_code"]


def test_a_registered_module_that_is_not_on_the_path_stops_start_up_naming_the_key():
    """A mistyped dotted path (or a folder left off PYTHONPATH) fails at start-up, not in a job."""
    from crossemo.features import upstreams

    with pytest.raises(ConfigError, match=r"adapters\.mylab: module 'no_such_lab\.corpus'"):
        corpora.register_config({"adapters": {"mylab": "no_such_lab.corpus"}})
    with pytest.raises(ConfigError, match=r"upstreams\.mine: module 'no_such_lab\.upstream'"):
        upstreams.register_config({"upstreams": {"mine": "no_such_lab.upstream"}})
    assert "mylab" not in corpora.ADAPTERS and "mine" not in upstreams.registry()
