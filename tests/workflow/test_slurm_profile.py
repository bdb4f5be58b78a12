"""profiles/slurm without a cluster: it dry-runs the demo, names only existing rules, covers every
GPU rule, and profiles/default (which Snakemake applies under `--profile profiles/slurm` too, and
which wins per key) overrides nothing a cluster run depends on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
        assert settings.get("gpu") == 1, name
        for key in ("gpu_model", "cpus_per_gpu", "slurm_partition"):
            assert key in settings, (name, key)


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
