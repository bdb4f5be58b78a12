"""profiles/slurm without a cluster: it dry-runs the demo, names only existing rules, covers every
GPU rule, and profiles/default (which Snakemake applies under `--profile profiles/slurm` too, and
which wins per key) overrides nothing a cluster run depends on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
SLURM = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
DEFAULT = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "SLURM_ACCOUNT": "acct",
    "SLURM_PARTITION": "cpu",
    "SLURM_GPU_PARTITION": "gpu",
    "SLURM_GPU_MODEL": "a100",
}


@pytest.fixture(scope="module")
def rules(parsed_workflow) -> dict[str, dict]:
    """Rule name -> declared resources (names only), via the Snakemake API."""
    workflow = parsed_workflow
    return {
        rule.name: {
            "resources": set(rule.resources),
            "local": rule.name in workflow._localrules,
        }
        for rule in workflow.rules
    }


@pytest.mark.workflow
@pytest.mark.parametrize("flag", ["--profile", "--workflow-profile"])
def test_dry_run_through_the_slurm_profile(tmp_path: Path, flag: str):
    proc = subprocess.run(
        [
            SNAKEMAKE,
            "-n",
            flag,
            str(REPO / "profiles" / "slurm"),
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--configfile",
            str(REPO / "config" / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=ENV,
        cwd=tmp_path,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "Job stats:" in out and "preprocess_audio" in out, out[-3000:]
    assert "profiles/slurm" in out  # the profile was read


def test_profile_has_the_cluster_settings():
    assert SLURM["executor"] == "slurm"
    for key in ("jobs", "latency-wait", "retries", "max-jobs-per-second"):
        assert isinstance(SLURM[key], int) and SLURM[key] > 0, key
    assert SLURM["rerun-incomplete"] is True
    res = SLURM["default-resources"]
    assert res["slurm_account"] == "$SLURM_ACCOUNT"
    assert res["slurm_partition"] == "$SLURM_PARTITION"
    assert res["runtime"] > 0 and res["mem_mb"] > 0


def test_every_gpu_rule_gets_gpu_settings(rules):
    gpu_rules = {name for name, r in rules.items() if "gpu" in r["resources"]}
    assert gpu_rules, "the workflow has GPU rules (rules/train.smk)"
    per_rule = SLURM.get("set-resources", {})
    for name in gpu_rules:
        assert name in per_rule, f"GPU rule {name} has no set-resources entry"
        settings = per_rule[name]
        for key in ("gpu_model", "slurm_partition"):
            assert key in settings, (name, key)
    # train_neural's own gpu=N (model.gpus) reaches sbatch: the profile must not pin it
    assert "gpu" not in per_rule["train_neural"] and per_rule["train_neural"]["nodes"] == 1


def dry_run_jobs(tmp_path: Path, overlay: dict, targets: list[str], *flags: str) -> str:
    """Dry run of the demo config with ``overlay`` through profiles/slurm: Snakemake's output."""
    from snakemake.utils import update_config

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    update_config(config, overlay)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.run(
        [
            SNAKEMAKE,
            "-n",
            "--profile",
            str(REPO / "profiles" / "slurm"),
            *flags,
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--configfile",
            str(tmp_path / "config.yaml"),
            "--",
            *targets,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=600,
        env=ENV,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return proc.stdout


def planned_job(output: str, rule: str, wildcards: str) -> SimpleNamespace:
    """Threads and resources of the job of ``rule`` with ``wildcards`` in a dry run's output."""
    for block in output.split("\nrule ")[1:]:
        if block.startswith(f"{rule}:") and f"wildcards: {wildcards}\n" in block:
            threads = re.search(r"^\s+threads: (\d+)$", block, re.M)
            listed = re.search(r"^\s+resources: (.*)$", block, re.M).group(1)
            resources = dict(item.split("=", 1) for item in listed.split(", "))
            for key, value in resources.items():
                resources[key] = int(value) if value.isdigit() else value
            listed = SimpleNamespace(**resources, get=resources.get)
            count = int(threads.group(1)) if threads else 1
            return SimpleNamespace(threads=count, resources=listed)
    raise AssertionError(f"no {rule} job with {wildcards} planned")


def sbatch_arguments(job: SimpleNamespace) -> str:
    """What snakemake-executor-plugin-slurm passes to sbatch for a planned job."""
    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    params = {"run_uuid": "id", "slurm_logfile": "log", "comment_str": "c", "workdir": None,
              "account": "-A acct", "partition": f"-p {job.resources.slurm_partition}"}  # fmt: skip
    return get_submit_command(job, params) + set_gres_string(job)


@pytest.mark.workflow
def test_a_data_parallel_job_gets_its_gpus_on_one_node(tmp_path: Path):
    # model.gpus: 2 on the demo's converted Whisper (a real encoder: one GPU per process) and on
    # a tiny encoder (two CPU processes, no GPU); --resources/--cores raise profiles/default's
    # local limits (gpu 1, 2 cores), which also bound each submitted job
    overlay = {"experiments": {name: {"model": {"gpus": 2}}
                               for name in ("demo_finetune_lrcv", "demo_exhubert")}}  # fmt: skip
    targets = ["results/models/demo_finetune_lrcv/final", "results/models/demo_exhubert/main"]
    output = dry_run_jobs(tmp_path, overlay, targets, "--resources", "gpu=2", "--cores", "8")
    real = planned_job(output, "train_neural", "experiment=demo_finetune_lrcv, run=final")
    assert (real.resources.gpu, real.threads) == (2, 2)  # model.threads 1 per process
    sbatch = sbatch_arguments(real).split()
    assert {"-p", "gpu", "--gpus=a100:2", "--nodes=1", "--cpus-per-task=2"} <= set(sbatch)
    assert not [a for a in sbatch if a.startswith(("--ntasks", "--cpus-per-gpu"))], sbatch
    tiny = planned_job(output, "train_neural", "experiment=demo_exhubert, run=main")
    assert (tiny.resources.gpu, tiny.threads) == (0, 2)
    assert "--cpus-per-task=2" in sbatch_arguments(tiny).split()


def test_profile_names_only_existing_rules(rules):
    named = set(SLURM.get("set-resources", {})) | set(SLURM.get("groups", {}))
    assert named <= set(rules), named - set(rules)
    groups = set(SLURM.get("groups", {}).values())
    assert groups == set(SLURM.get("group-components", {})), "every group has its bundle size"
    for name in SLURM.get("groups", {}):
        assert "gpu" not in rules[name]["resources"], f"GPU rule {name} grouped with CPU jobs"


def test_table_rules_run_on_the_submit_host(rules):
    cheap = {"aggregate_lr_cv", "make_layer_table", "make_paper_table", "plot_label_distribution"}
    cheap &= set(rules)
    assert cheap and all(rules[name]["local"] for name in cheap), cheap


def test_default_profile_does_not_override_cluster_settings():
    clash = {
        "executor",
        "jobs",
        "latency-wait",
        "retries",
        "keep-going",
        "default-resources",
        "set-resources",
        "groups",
        "group-components",
        "max-jobs-per-second",
    }
    assert not clash & set(DEFAULT), clash & set(DEFAULT)
    assert DEFAULT["resources"]["gpu"] >= 1
    # the local GPU limit must not serialise cluster jobs: scoped to each submitted job
    assert DEFAULT["set-resource-scopes"]["gpu"] == "local"
