"""Every `snakemake ...` command the documentation prints is one a test runs.

Commands are taken from README.md, config/README.md and the comment headers of the shipped
configs (config/*.yaml, config/paper/*.yaml, config/variants/*.yaml, config/examples/*.yaml)
and dry-run as printed, in a scratch directory. Adaptations, because this machine cannot do
otherwise: conda flags are dropped (conda cannot be installed here; `--sdm conda` fails at
once), a paper config's corpus roots (/data/corpora/..., which start-up requires to exist)
become empty stand-in folders in a copy of the config, and `--directory` points into the
scratch directory. `--report` commands need a finished run: the rehearsal test
(test_paper_rehearsal.py) runs them after each paper config.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from .helpers import REPO, SNAKEMAKE, stand_in_roots

pytestmark = pytest.mark.workflow

DOCUMENTS = [
    REPO / "README.md",
    REPO / "config" / "README.md",
    *sorted((REPO / "config").glob("*.yaml")),
    *sorted((REPO / "config" / "paper").glob("*.yaml")),
    *sorted((REPO / "config" / "variants").glob("*.yaml")),
    *sorted((REPO / "config" / "examples").glob("*.yaml")),
]
_COMMAND = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:\.venv/bin/)?snakemake(?:\s|$)")
_CONDA_FLAGS = {"--sdm": 1, "--software-deployment-method": 1, "--use-conda": 0,
                "--conda-create-envs-only": 0, "--conda-prefix": 1}  # fmt: skip


def documented_commands(path: Path) -> list[str]:
    """`snakemake` command lines of a Markdown page (code blocks, inline code) or a YAML header."""
    text = path.read_text()
    found = []
    if path.suffix == ".md":
        for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
            found += [line.split(" #")[0].strip() for line in block.splitlines()]
        found += re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    else:
        for line in text.splitlines():
            match = re.match(r"^#\s*(?:Run:)?\s*(.*)$", line)
            if match:
                found.append(match.group(1).split(" #")[0].strip())  # a trailing comment
    return [c for c in found if _COMMAND.match(c) and "..." not in c]


def all_commands() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(REPO)), command)
        for path in DOCUMENTS
        for command in documented_commands(path)
    ]


def test_the_documents_print_the_commands_we_expect():
    commands = all_commands()
    sources = {source for source, _ in commands}
    # every paper config prints its run command, and the README its Slurm and rehearsal runs
    assert {f"config/paper/{p.name}" for p in (REPO / "config" / "paper").glob("*.yaml")} <= sources
    assert any("config/rehearsal.yaml" in c for _, c in commands)
    assert any("--profile profiles/slurm" in c for _, c in commands)


def as_dry_run(command: str, workdir: Path) -> list[str]:
    """The command's arguments, minus conda flags, plus --dry-run (run in the repository).

    ``config/mine.yaml`` (the README's copy of the demo config) becomes such a copy in ``workdir``.
    """
    words = shlex.split(command)
    while "=" in words[0] and not words[0].startswith("-"):
        words.pop(0)  # VAR=value prefixes
    args, i = [], 1
    while i < len(words):
        flag = words[i].split("=", 1)[0]
        if flag in _CONDA_FLAGS:
            i += 1 + (_CONDA_FLAGS[flag] if "=" not in words[i] else 0)
            continue
        if words[i] == "config/mine.yaml":
            mine = workdir / "mine.yaml"
            mine.write_text((REPO / "config" / "config.yaml").read_text())
            words[i] = str(mine)
        elif words[i].startswith("config/paper/"):
            config = yaml.safe_load((REPO / words[i]).read_text())
            stand_in = workdir / Path(words[i]).name
            stand_in.write_text(yaml.safe_dump(stand_in_roots(config, workdir / "corpora")))
            words[i] = str(stand_in)
        elif i > 1 and words[i - 1] == "--directory":
            words[i] = str(workdir / words[i])
        args.append(words[i])
        i += 1
    return [SNAKEMAKE, *args, "--dry-run"]


@pytest.mark.parametrize(
    ("source", "command"), all_commands(), ids=[f"{s}: {c}" for s, c in all_commands()]
)
def test_documented_command_dry_runs(source, command, tmp_path):
    if "--report" in command:
        report = r"--report \S+\.html"
        configs = r"--configfile( \S+\.yaml)+"
        assert re.fullmatch(
            rf"(\.venv/bin/)?snakemake ({report} {configs}|{configs} {report})", command
        ), f"{source}: a report command the rehearsal test does not run: {command}"
        return
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SLURM_ACCOUNT": "acct", "SLURM_PARTITION": "cpu",
           "SLURM_GPU_PARTITION": "gpu", "SLURM_GPU_MODEL": "a100"}  # fmt: skip
    proc = subprocess.run(
        as_dry_run(command, tmp_path), cwd=REPO, capture_output=True, text=True, env=env,
        timeout=300,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{source}: `{command}` failed:\n{output[-3000:]}"
