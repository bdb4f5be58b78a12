"""The plans of the shipped configs, as start-up builds them (tests of crossemo.plan)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from snakemake.utils import validate

from crossemo.core.configuration import prepare
from crossemo.corpora import ADAPTERS
from crossemo.plan import Plan

REPO = Path(__file__).resolve().parents[2]
FIVE = ["fold0", "fold1", "fold2", "fold3", "fold4"]


def load(path: Path | str) -> Plan:
    config = yaml.safe_load((REPO / path).read_text())
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    scheme_dir = REPO / "config" / "label_schemes"
    schemes = {p.stem: yaml.safe_load(p.read_text()) for p in scheme_dir.glob("*.yaml")}
    if not config.get("demo", {}).get("enabled"):  # start-up needs roots that exist: stand-ins
        for entry in config["corpora"].values():
            entry.update({"sheet": str(REPO / "pyproject.toml")} if "sheet" in entry else {})
            entry.update({"root": str(REPO / "config")} if "root" in entry else {})
        for exp in config["experiments"].values():
            if "emobox_data" in exp:
                exp["emobox_data"] = str(stand_in_emobox(exp))
    prepare(config, schemes, ADAPTERS)
    plan = Plan(config, scheme_dir, REPO / "src" / "crossemo" / "data" / "reference")
    plan.validate()
    return plan


def stand_in_emobox(exp: dict) -> Path:
    """An empty EmoBox ``data/`` folder with what start-up lists for ``exp``: its corpus's fold
    folders (emobox_folds) or each test corpus's track-2 file (emobox_track2)."""
    from crossemo.corpora import emobox

    data = Path(tempfile.mkdtemp(prefix="emobox-data-"))
    names = exp.get("emobox_name") or {}
    if exp["protocol"] == "emobox_folds":
        corpus = exp["train"][0]
        name = names if isinstance(names, str) else names.get(corpus, corpus)
        for k in range(1, int(exp.get("folds", 5)) + 1):
            (data / name / f"fold_{k}").mkdir(parents=True)
    else:
        for corpus in exp["test"]:
            name = names.get(corpus, corpus.upper()) if isinstance(names, dict) else names
            path = emobox.track2_file(data, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    return data
