"""``crossemo run`` (Snakemake's argument list, the config checked before it starts, the report
after it), ``crossemo --version`` and the defaults in every help."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from crossemo import frontdoor
from crossemo.cli import build_parser, main, parse
from crossemo.frontdoor import FrontDoorError, RunRequest, snakemake_args

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "config" / "config.yaml"
REHEARSAL = REPO / "config" / "rehearsal.yaml"


def request(*words: str, **options) -> RunRequest:
    return RunRequest.of(str(DEMO), words, **options)


def configfiles(args: list[str]) -> list[str]:
    """The words Snakemake's ``--configfile`` takes: every one up to the next option."""
    after = args[args.index("--configfile") + 1 :]
    return after[: next((i for i, w in enumerate(after) if w.startswith("-")), len(after))]


def test_targets_come_before_configfile_and_overlays_are_config_files():
    args = snakemake_args(request(str(REHEARSAL), "paper_tables", "all", cores=8), REPO)
    assert args[:2] == ["paper_tables", "all"]
    assert configfiles(args) == [str(DEMO), str(REHEARSAL)]
    assert args[args.index("--cores") + 1] == "8" and "--set-threads" not in args
    assert args[args.index("--snakefile") + 1] == str(REPO / "Snakefile")


def test_profile_dry_run_directory_and_extra_arguments(tmp_path):
    req = request("all", profile="slurm", dry_run=True, directory=tmp_path / "run",
                  extra=("--forceall", "--keep-going"))  # fmt: skip
    args = snakemake_args(req, REPO)
    assert args[args.index("--profile") + 1] == str(REPO / "profiles" / "slurm")
    assert "--dry-run" in args and "--cores" not in args  # the profile's cores
    assert args[args.index("--directory") + 1] == str((tmp_path / "run").resolve())
    assert args[-2:] == ["--forceall", "--keep-going"]
    assert configfiles(args) == [str(DEMO)]  # the extra words are not config files
    own = tmp_path / "myprofile"
    own.mkdir()
    args = snakemake_args(request(profile=str(own)), REPO)
    assert args[args.index("--profile") + 1] == str(own)


def test_default_cores_are_the_machines_and_few_cores_run_shard_jobs_single_threaded(monkeypatch):
    monkeypatch.setattr(frontdoor.os, "cpu_count", lambda: 16)
    args = snakemake_args(request(), REPO)
    assert args[args.index("--cores") + 1] == "16" and "--set-threads" not in args
    args = snakemake_args(request(cores=2), REPO)
    threads = args[args.index("--set-threads") + 1 : args.index("--set-threads") + 3]
    assert threads == ["transcribe_shard=1", "extract_features=1"]
    assert configfiles(args) == [str(DEMO)]


def test_missing_config_and_no_workflow_are_errors_saying_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(FrontDoorError, match="not a file; give a config file, e.g."):
        RunRequest.of(str(tmp_path / "nope.yaml"))
    config = tmp_path / "a" / "exp.yaml"
    config.parent.mkdir()
    config.write_text("{}")
    (tmp_path / "Snakefile").write_text("")
    assert frontdoor.find_workflow(config, tmp_path / "a") == tmp_path
    (tmp_path / "Snakefile").unlink()
    monkeypatch.setattr(frontdoor, "CHECKOUT", tmp_path)
    with pytest.raises(FrontDoorError, match="no Snakefile found .* inside a checkout"):
        frontdoor.find_workflow(config, tmp_path)


class Recorder:
    """Stands in for ``subprocess.run``: records each command, answers ``codes`` in turn."""

    def __init__(self, *codes: int) -> None:
        self.commands, self.envs, self.codes = [], [], list(codes) or [0, 0]

    def __call__(self, command, env):
        self.commands.append(command)
        self.envs.append(env)
        return subprocess.CompletedProcess(command, self.codes.pop(0))


def test_run_checks_the_config_runs_snakemake_offline_then_the_report(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    runner, echoed = Recorder(), []
    req = request("all", cores=2, report=True, directory=tmp_path)
    assert frontdoor.run(req, runner, echo=echoed.append) == 0
    run, report = runner.commands
    assert run[1:4] == ["-m", "snakemake", "all"] and "--report" not in run
    assert report[report.index("--report") + 1] == "results/report.html"
    assert configfiles(report) == [str(DEMO)]
    assert runner.envs[0]["HF_HUB_OFFLINE"] == "1"
    assert echoed[0].startswith("crossemo run: ") and "snakemake all --cores 2" in echoed[0]
    failed = Recorder(3)
    assert frontdoor.run(req, failed, echo=echoed.append) == 3  # Snakemake's code; no report
    assert len(failed.commands) == 1
    dry = Recorder()
    frontdoor.run(request(report=True, dry_run=True, directory=tmp_path), dry, echo=echoed.append)
    assert len(dry.commands) == 1


def test_a_bad_config_fails_before_snakemake_with_the_workflows_message(tmp_path):
    config = yaml.safe_load(DEMO.read_text())
    config["experimentz"] = config.pop("experiments")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    runner = Recorder()
    with pytest.raises(
        FrontDoorError, match=r"(?s)bad\.yaml: .*experimentz: unknown key \(did you "
    ):
        frontdoor.run(RunRequest.of(str(bad), directory=tmp_path), runner, echo=print)
    assert runner.commands == []


def test_cli_run_passes_words_after_the_double_dash_to_snakemake(tmp_path, capsys):
    args = parse(["run", str(DEMO), "all", "-n", "--cores", "3", "--", "--forceall", "-p"])
    assert (args.targets, args.extra) == (["all"], ["--forceall", "-p"])
    assert (args.cores, args.dry_run) == (3, True)
    assert parse(["results", "--", "-odd-dir"]).results_dir == "-odd-dir"
    assert main(["run", str(tmp_path / "missing.yaml")]) == 1
    assert "missing.yaml is not a file" in capsys.readouterr().err


def test_version_names_the_distribution_and_the_checkouts_commit(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    printed = capsys.readouterr().out.strip()
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    assert printed.startswith("crossemo ") and f"(git {head}" in printed


def test_every_sub_commands_help_shows_its_defaults():
    from crossemo.models.predict import DEFAULT_MAX_SECONDS

    commands = build_parser()._subparsers._group_actions[0].choices
    helps = {name: " ".join(sub.format_help().split()) for name, sub in commands.items()}
    assert "(default: 0)" in helps["demo-data"]  # --seed
    assert "(default: results)" in helps["results"]
    assert f"(default: {DEFAULT_MAX_SECONDS})" in helps["predict"]
    assert (
        "all of this machine's" in helps["run"] and "(default: the current folder)" in helps["run"]
    )
    assert "(default: write nothing)" in helps["ingest"]
    for name, text in helps.items():
        assert "(default: None)" not in text and "(default: False)" not in text, name


def documented_runs() -> list[str]:
    """The ``crossemo run`` command lines of the README and the run command's own examples."""
    import re

    from crossemo.cli import RUN_EPILOG

    text = (REPO / "README.md").read_text() + "\n" + RUN_EPILOG
    found = re.findall(r"(?:\.venv/bin/)?crossemo run [^`\n#]*", text)
    return [c.strip() for c in found if "CONFIG" not in c]


def test_documented_run_commands_name_existing_configs_and_real_rules(monkeypatch):
    import re
    import shlex

    rules = set()
    for smk in [REPO / "Snakefile", *(REPO / "rules").glob("*.smk")]:
        rules |= set(re.findall(r"^rule (\w+):", smk.read_text(), flags=re.M))
    monkeypatch.chdir(REPO)
    commands = documented_runs()
    assert len(commands) >= 6
    for command in commands:
        words = shlex.split(command)[1:]
        args = parse([w.replace("config/mine.yaml", "config/config.yaml") for w in words])
        req = RunRequest.of(args.config, args.targets, profile=args.profile)
        assert set(req.targets) <= rules, command
        assert all(p.is_relative_to(REPO / "config") for p in req.configs), command
        if args.profile:
            assert Path(frontdoor.resolve_profile(args.profile, REPO)).is_dir(), command
