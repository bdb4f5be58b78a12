"""Running the real workflow from tests: a config derived from the demo, a work dir, snakemake."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import yaml

from crossemo.plan import Plan
from crossemo.splits import Experiment

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
#: each pytest worker's share of the machine's cores (`make test`: 2 workers on 2 cores, so a
#: workflow test's Snakemake runs one job at a time beside the other worker's test; four processes
#: on two cores cost more CPU in all: BENCHMARKS.md, Waiting times)
CORES = max(1, (os.cpu_count() or 1) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def demo_config(
    demo_root: Path,
    corpora: list[str] | None = None,
    source: str = "config/config.yaml",
    **overrides,
) -> dict:
    """The repository's demo config (or another config on the demo corpora, ``source``) with
    corpus roots moved to an existing demo tree."""
    config = yaml.safe_load((REPO / source).read_text())
    demo_dir = Path(config["demo"]["dir"])
    config["demo"]["enabled"] = False
    for name, entry in list(config["corpora"].items()):
        if corpora is not None and name not in corpora:
            del config["corpora"][name]
            continue
        _move_demo_paths(entry, demo_dir, demo_root)
    if corpora is not None:  # experiments may name corpora that were left out
        config["experiments"] = {}
        config["comparisons"] = {}
    config.update(overrides)
    return config


def _move_demo_paths(entry: dict, demo_dir: Path, demo_root: Path) -> None:
    """Rewrite every path under the demo dir (nested ones too, e.g. download.serve_dir)."""
    for key, value in entry.items():
        if isinstance(value, dict):
            _move_demo_paths(value, demo_dir, demo_root)
        elif isinstance(value, str) and Path(value).is_relative_to(demo_dir):
            entry[key] = str(demo_root / Path(value).relative_to(demo_dir))


def stand_in_roots(config: dict, root: Path) -> dict:
    """``config`` with every corpus root and sheet moved to an empty stand-in under ``root``
    (a paper config's /data/corpora/... do not exist here; a dry run reads nothing)."""
    for corpus, entry in config["corpora"].items():
        if "root" in entry:
            entry["root"] = str(root / corpus)
            (root / corpus).mkdir(parents=True, exist_ok=True)
        if "sheet" in entry:
            sheet = root / corpus / "sheet.xlsx"
            sheet.parent.mkdir(parents=True, exist_ok=True)
            sheet.touch()
            entry["sheet"] = str(sheet)
    for name, exp in config.get("experiments", {}).items():  # EmoBox's data/ folder too
        if "emobox_data" in exp:
            exp["emobox_data"] = str(root / "emobox" / name)
            stand_in = {**exp, "emobox_data": exp["emobox_data"]}
            for path in Experiment.from_config(name, stand_in).emobox_listing():
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.suffix == ".jsonl":  # a track-2 file, else a fold folder
                    path.touch()
                else:
                    path.mkdir(exist_ok=True)
    return config


def kept_analysis(config: dict) -> dict:
    """``config`` with ``analysis.experiments`` cut to the experiments it keeps (tests run
    subsets of the demo's experiments; start-up refuses a name that is not an experiment)."""
    chosen = (config.get("analysis") or {}).get("experiments")
    if chosen is None:
        return config
    kept = [e for e in chosen if e in config.get("experiments", {})]
    return {**config, "analysis": {**config["analysis"], "experiments": kept}}


def run_snakemake(
    workdir: Path, config: dict, *args: str, check: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile in ``workdir`` with ``config``; output captured."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "config.yaml"
    config_path.write_text(yaml.safe_dump(kept_analysis(config), sort_keys=False))
    cmd = [
        SNAKEMAKE,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(config_path),
        "--cores",
        str(CORES),
        *args,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


def config_plan(config: dict) -> Plan:
    """The plan of ``config`` as the workflow's start-up builds it (schema defaults, label
    schemes, rehearsal overlay); ``config`` itself is left as it is."""
    from snakemake.utils import validate

    from crossemo.core.configuration import prepare
    from crossemo.corpora import ADAPTERS

    config = copy.deepcopy(config)
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    scheme_dir = REPO / "config" / "label_schemes"
    schemes = {p.stem: yaml.safe_load(p.read_text()) for p in scheme_dir.glob("*.yaml")}
    prepare(config, schemes, ADAPTERS)
    return Plan(config, scheme_dir, REPO / "src" / "crossemo" / "data" / "reference")


def planned_jobs(proc: subprocess.CompletedProcess) -> dict[str, int]:
    """Job counts per rule from a dry run's 'Job stats' table ({} only when Snakemake says
    nothing is to be done; any other output without the table is an error, not an empty plan)."""
    text = proc.stdout + proc.stderr
    counts: dict[str, int] = {}
    if "Job stats:" not in text:
        if "Nothing to be done" in text:
            return counts
        raise AssertionError(f"no job table and not up to date:\n{text[-3000:]}")
    for line in text.split("Job stats:", 1)[1].splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


def plugin_module(folder: Path, name: str, source: str, monkeypatch) -> Path:
    """Write module ``name`` (``source``) to ``folder`` and put the folder on this process's
    path and on PYTHONPATH, where Snakemake's parse and jobs find it: a plugin of one's own."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(folder))
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    return folder
