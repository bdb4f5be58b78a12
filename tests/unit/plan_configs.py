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
        for name, exp in config["experiments"].items():
            if "emobox_data" in exp:
                exp["emobox_data"] = str(stand_in_emobox(name, exp))
    prepare(config, schemes, ADAPTERS)
    plan = Plan(config, scheme_dir, REPO / "src" / "crossemo" / "data" / "reference")
    plan.validate()
    return plan


def stand_in_emobox(name: str, exp: dict) -> Path:
    """An empty EmoBox ``data/`` folder holding what start-up lists for experiment ``name``."""
    from crossemo.splits import Experiment

    data = Path(tempfile.mkdtemp(prefix="emobox-data-"))
    listing = Experiment.from_config(name, {**exp, "emobox_data": str(data)}).emobox_listing()
    for path in listing:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".jsonl":  # a track-2 file, else a fold folder
            path.touch()
        else:
            path.mkdir()
    return data
