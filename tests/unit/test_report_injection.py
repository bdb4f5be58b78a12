"""Text from the config never becomes markup in the report: a report job's params (which
Snakemake inlines into a ``<script>`` element) hold no ``<``, and our Markdown tables escape it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from crossemo.core.safe_text import inline_json, read_inline_json
from crossemo.report.deviations import deviations_markdown, deviations_table

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
PAYLOAD = "</script><img src=x onerror=alert(1)>"


def hostile_demo_config() -> dict:
    """The demo config with the payload in every free-text field a report job could read."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for entry in config["deviations"]:
        entry.update(topic=entry["topic"] + PAYLOAD, paper=PAYLOAD, ours=PAYLOAD)
        entry["keys"] = [*entry["keys"], PAYLOAD]
    config["comparisons"]["demo_xgboost_vs_knn"]["description"] = PAYLOAD
    config["download"]["format"] = f"bestaudio[ext={PAYLOAD}]"
    config["download"]["ytdlp_options"] = {"user_agent": PAYLOAD, "http_headers": {"X": PAYLOAD}}
    config["corpora"]["strEmo"]["download"]["serve_dir"] += f"/{PAYLOAD}"
    for experiment in config["experiments"].values():
        bindings = experiment.get("paper") or []
        for binding in [bindings] if isinstance(bindings, dict) else bindings:
            binding["where"] = {**binding.get("where", {}), "note": PAYLOAD}
            binding["scope_names"] = {**binding.get("scope_names", {}), "x": PAYLOAD}
    return config


def report_jobs(config: dict, workdir: Path) -> list:
    """Jobs of the planned DAG (every target, no file made) that write a report() output."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        ResourceSettings,
        StorageSettings,
    )

    config_file = workdir / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(configfiles=[config_file]),
            storage_settings=StorageSettings(),
            snakefile=REPO / "Snakefile",
            workdir=workdir,
        )
        workflow = workflow_api.dag(DAGSettings()).workflow_api._workflow
        workflow._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True,
                              nolock=True)  # fmt: skip
        workflow._build_dag()
        jobs = [j for j in workflow.dag.jobs if any(f.flags.get("report") for f in j.output)]
        return jobs, workflow.globals["PLAN"]


def test_report_jobs_params_hold_no_markup_from_the_config(tmp_path):
    from snakemake.logging import format_dict

    config = hostile_demo_config()
    jobs, plan = report_jobs(config, tmp_path)
    rules = {job.rule.name for job in jobs}
    assert {"make_deviations_table", "make_paper_table", "download_videos"} <= rules
    for job in jobs:
        shown = format_dict(job.params) + format_dict(job.wildcards)
        assert "<" not in shown, f"{job.rule.name}: {shown[:300]}"
    # ... and each job reads the text back as the config and the plan hold it
    by_rule = {job.rule.name: job for job in jobs}
    deviations = read_inline_json(by_rule["make_deviations_table"].params.deviations)
    assert deviations == config["deviations"] and PAYLOAD in deviations[0]["paper"]
    table = by_rule["make_paper_table"].wildcards.table
    assert read_inline_json(by_rule["make_paper_table"].params.bindings) == plan.table_bindings(
        table
    )
    download = by_rule["download_videos"]
    assert read_inline_json(download.params.settings) == plan.download_settings("strEmo")
    assert read_inline_json(download.params.serve_dir).endswith(PAYLOAD)


def test_inline_json_gives_the_text_back_without_markup():
    value = [{"topic": PAYLOAD, "ours": "a < b & c > d", "keys": ["x"]}]
    text = inline_json(value)
    assert not set("<>&") & set(text)
    assert read_inline_json(text) == value


def test_deviations_markdown_escapes_markup():
    table = deviations_table([{"topic": PAYLOAD, "paper": PAYLOAD, "ours": "a < b", "keys": []}])
    markdown = deviations_markdown(table, "Deviations")
    assert "<" not in markdown and "&lt;/script&gt;&lt;img" in markdown


SNAKEFILE = """
from crossemo.core.safe_text import inline_json

rule all:
    input: "out.txt"

rule write:
    output: report("out.txt", category="Tables")
    params: text={param}
    run:
        from crossemo.core.safe_text import read_inline_json
        text = {decode}
        open(output[0], "w").write(text)
"""


@pytest.mark.parametrize(
    ("param", "decode", "live"),
    [("config['text']", "params.text", True),
     ("inline_json(config['text'])", "read_inline_json(params.text)", False)],
    ids=["raw", "inline_json"],
)  # fmt: skip
def test_snakemake_report_of_a_param(tmp_path, param, decode, live):
    """The real boundary: Snakemake's --report of a report job whose params hold the payload
    (raw: live markup, the mechanism; inline_json: none, and the job read the text back)."""
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(SNAKEFILE.format(param=param, decode=decode))
    )
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"text": PAYLOAD}))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    base = [SNAKEMAKE, "--cores", "1", "--configfile", "config.yaml", "--quiet", "all"]
    for extra in ([], ["--report", "report.html"]):
        run = subprocess.run([*base, *extra], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=300)  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "out.txt").read_text() == PAYLOAD
    html = (tmp_path / "report.html").read_text()
    assert ("<img src=x onerror" in html) is live


def test_captions_interpolate_only_patterned_names():
    """Report captions (.rst, rendered by Jinja then docutils) fill in wildcards, whose values
    the schema patterns constrain, or counts: never free text from the config."""
    allowed = re.compile(
        r"\{\{\s*(snakemake\.wildcards\.\w+|snakemake\.config\[\"\w+\"\]\s*\|\s*length)\s*\}\}"
    )
    # the one control statement: whether the report holds a file of a given name (the front
    # page includes the leaderboard's headline only when the leaderboard is in the report)
    control = re.compile(
        r'\{% if files \| selectattr\("name", "equalto", "[\w.-]+"\) \| list %\}|\{% endif %\}'
    )
    for path in sorted((REPO / "workflow" / "report").glob("*.rst")):
        text = path.read_text()
        for statement in re.findall(r"\{%.*?%\}", text):
            assert control.fullmatch(statement), f"{path.name}: {statement}"
        for fill in re.findall(r"\{\{.*?\}\}", text):
            assert allowed.fullmatch(fill), f"{path.name}: {fill}"
