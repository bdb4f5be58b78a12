"""The workflow on a real SLURM cluster (slurmctld + slurmd on localhost), through profiles/slurm.

tests/slurm/run_slurm_test.sh does the work (installs Slurm from Debian packages when missing,
starts the daemons, runs tests/slurm/targets.txt locally and through sbatch, compares the results,
stops the daemons). It needs root. In CI (env CI set) it must run: an unmet requirement fails the
test instead of skipping it. Elsewhere it skips with the reason, and CROSSEMO_SKIP_SLURM=1 skips it
on purpose (ignored in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "slurm" / "run_slurm_test.sh"
SLURM_TOOLS = ("slurmctld", "slurmd", "sbatch", "squeue", "munged")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _unmet() -> str | None:
    """Why this machine cannot run the real cluster, or None."""
    if os.name != "posix" or not Path("/proc/meminfo").exists():
        return "needs Linux"
    if os.geteuid() != 0:
        return "needs root (installs Slurm, writes /etc/slurm/slurm.conf, runs slurmd as root)"
    if not all(shutil.which(t) for t in SLURM_TOOLS) and not shutil.which("apt-get"):
        return "Slurm is not installed and there is no apt-get to install it"
    return None


def _venv() -> dict[str, str]:
    """Run the cluster jobs with the interpreter that runs pytest, when it has snakemake."""
    here = Path(sys.executable)
    has_snakemake = here.with_name("snakemake").exists()
    return {"CROSSEMO_VENV": str(here.parent.parent)} if has_snakemake else {}


@pytest.mark.workflow
@pytest.mark.slow
def test_demo_stages_on_real_slurm_equal_local_run():
    reason = _unmet()
    if _in_ci():
        assert reason is None, f"CI must run the real-SLURM test, but: {reason}"
    elif reason:
        pytest.skip(reason)
    elif os.environ.get("CROSSEMO_SKIP_SLURM") == "1":
        pytest.skip("CROSSEMO_SKIP_SLURM=1")
    proc = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=2400,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **_venv()},
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"real-SLURM test failed ({proc.returncode}):\n{out[-12000:]}"
    assert "PASS: SLURM results equal the local run" in out, out[-4000:]
