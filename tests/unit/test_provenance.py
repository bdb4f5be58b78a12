"""Manifest provenance: roots checked at start-up, recorded by ingestion, checked by readers."""

from __future__ import annotations

import pandas as pd
import pytest

from crossemo.core.configuration import ConfigError, prepare
from crossemo.core.provenance import (
    ProvenanceError,
    check_manifest,
    describe_source,
    expected,
    listing_digest,
    metadata,
    read_provenance,
    source_problems,
)


def _config(tmp_path, **corpora):
    return {"demo": {"enabled": True, "dir": str(tmp_path / "demo")}, "corpora": corpora}


def test_a_missing_root_is_named_with_its_key(tmp_path):
    config = _config(tmp_path, tess={"adapter": "tess", "root": str(tmp_path / "nowhere")})
    [problem] = source_problems(config)
    assert problem.startswith("corpora.tess.root: ")
    assert "does not exist" in problem and str(tmp_path / "nowhere") in problem


def test_a_root_that_is_a_file_and_a_sheet_that_is_a_folder_are_refused(tmp_path):
    (tmp_path / "file.wav").write_bytes(b"x")
    config = _config(
        tmp_path,
        tess={"adapter": "tess", "root": str(tmp_path / "file.wav")},
        clips={"adapter": "strEmo", "sheet": str(tmp_path)},
    )
    problems = source_problems(config)
    assert any(p.startswith("corpora.tess.root:") and "not a folder" in p for p in problems)
    assert any(p.startswith("corpora.clips.sheet:") and "not a regular file" in p for p in problems)


def test_a_missing_sheet_is_named(tmp_path):
    config = _config(tmp_path, clips={"adapter": "strEmo", "sheet": str(tmp_path / "x.xlsx")})
    assert [p.split(":")[0] for p in source_problems(config)] == ["corpora.clips.sheet"]


def test_demo_paths_are_allowed_only_while_the_demo_is_enabled(tmp_path):
    corpus = {"adapter": "tess", "root": str(tmp_path / "demo" / "TESS")}
    config = _config(tmp_path, tess=corpus)
    assert source_problems(config) == []
    config["demo"]["enabled"] = False
    assert [p.split(":")[0] for p in source_problems(config)] == ["corpora.tess.root"]


def test_existing_roots_pass(tmp_path):
    (tmp_path / "TESS").mkdir()
    (tmp_path / "sheet.csv").write_text("a\n")
    config = _config(
        tmp_path,
        tess={"adapter": "tess", "root": str(tmp_path / "TESS")},
        clips={"adapter": "strEmo", "sheet": str(tmp_path / "sheet.csv")},
    )
    assert source_problems(config) == []


def test_start_up_refuses_a_missing_root(tmp_path):
    config = _config(tmp_path, tess={"adapter": "tess", "root": str(tmp_path / "gone")})
    with pytest.raises(ConfigError, match=r"corpora\.tess\.root: .*gone does not exist"):
        prepare(config, {}, ["tess"])


def test_listing_digest_follows_names_and_sizes_not_location(tmp_path):
    for root in ("a", "b"):
        (tmp_path / root / "x").mkdir(parents=True)
        (tmp_path / root / "x" / "1.wav").write_bytes(b"1234")
        (tmp_path / root / "2.wav").write_bytes(b"12")
    assert listing_digest(tmp_path / "a") == listing_digest(tmp_path / "b")
    (tmp_path / "b" / "x" / "1.wav").write_bytes(b"12345")
    assert listing_digest(tmp_path / "a") != listing_digest(tmp_path / "b")
    (tmp_path / "a" / "x" / "1.wav").write_bytes(b"12345")
    (tmp_path / "a" / "x" / "3.wav").write_bytes(b"")
    assert listing_digest(tmp_path / "a") != listing_digest(tmp_path / "b")


def _manifest(tmp_path, record) -> str:
    import pyarrow
    import pyarrow.parquet as pq

    path = tmp_path / "m.parquet"
    table = pyarrow.Table.from_pandas(pd.DataFrame({"utt_id": ["a"]}))
    if record is not None:
        table = table.replace_schema_metadata(metadata(record))
    pq.write_table(table, path)
    return str(path)


def test_a_manifest_of_the_named_source_passes(tmp_path):
    (tmp_path / "TESS").mkdir()
    entry = {"adapter": "tess", "root": str(tmp_path / "TESS"), "options": {"x": 1}}
    record = describe_source(entry)
    path = _manifest(tmp_path, record)
    assert read_provenance(path) == record
    check_manifest(path, "tess", expected(entry))


@pytest.mark.parametrize(
    "change", [{"root": "other"}, {"adapter": "ravdess"}, {"options": {"x": 2}}], ids=str
)
def test_a_manifest_of_another_source_is_refused(tmp_path, change):
    for name in ("TESS", "other"):
        (tmp_path / name).mkdir()
    entry = {"adapter": "tess", "root": str(tmp_path / "TESS"), "options": {"x": 1}}
    path = _manifest(tmp_path, describe_source(entry))
    if "root" in change:
        change = {"root": str(tmp_path / change["root"])}
    key = next(iter(change)) if "root" not in change else "source"
    with pytest.raises(ProvenanceError, match=rf"corpora\.tess names \({key}: manifest"):
        check_manifest(path, "tess", expected({**entry, **change}))


def test_a_manifest_without_provenance_is_refused(tmp_path):
    path = _manifest(tmp_path, None)
    with pytest.raises(ProvenanceError, match="records no provenance"):
        check_manifest(path, "tess", expected({"adapter": "tess", "root": str(tmp_path)}))


def test_relative_roots_resolve_against_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "TESS").mkdir()
    monkeypatch.chdir(tmp_path)
    assert expected({"adapter": "tess", "root": "TESS"})["source"] == str(tmp_path / "TESS")
