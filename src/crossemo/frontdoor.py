"""``crossemo run``: the workflow of a repository checkout, run by Snakemake's command line.

The config is checked first by the workflow's own start-up (:mod:`crossemo.core.startup`), so a
config that cannot work fails in a second with the workflow's message, before Snakemake starts.
Then ``python -m snakemake`` of this interpreter runs with an argument list that puts the targets
first: ``--configfile`` takes every word after it, so ``snakemake --configfile c.yaml all`` would
read ``all`` as a second config file. The exit code is Snakemake's.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SNAKEFILE = "Snakefile"
#: the Snakefile's default target: building it also prints the leaderboard at the end
DEFAULT_TARGET = "all"
#: the workflow's results folder and report, relative to its working directory
RESULTS_DIR = "results"
REPORT = "results/report.html"
#: machines of this many cores or fewer run the shard jobs below with one thread each: the demo's
#: Whisper and SSL shard jobs use about one core whatever their threads, and a 2-thread job holds
#: both cores of a 2-core machine where two 1-thread jobs run side by side (BENCHMARKS.md)
FEW_CORES = 2
FEW_CORES_THREADS = ("transcribe_shard=1", "extract_features=1")
#: words after CONFIG that name existing files with these suffixes are further config files
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
#: the Hugging Face hub stays offline unless the environment says otherwise (nothing downloads)
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1"}
#: the checkout this package was imported from (a Snakefile above src/ when it is one)
CHECKOUT = Path(__file__).resolve().parents[2]

Runner = Callable[..., subprocess.CompletedProcess]


class FrontDoorError(Exception):
    """A run that cannot start; the message says what to give instead."""


@dataclass(frozen=True)
class RunRequest:
    """What ``crossemo run`` was asked: config files (the first, then overlays merged over it in
    order, as Snakemake merges several ``--configfile``), targets and options."""

    configs: tuple[Path, ...]
    targets: tuple[str, ...] = ()
    cores: int | None = None
    profile: str | None = None
    dry_run: bool = False
    directory: Path | None = None
    report: bool = False
    extra: tuple[str, ...] = ()

    @classmethod
    def of(cls, config: str, words: Sequence[str] = (), **options) -> RunRequest:
        """The request of ``crossemo run CONFIG WORDS...``: each word naming an existing
        ``.yaml``/``.yml``/``.json`` file is a further config file, every other one a target."""
        configs, targets = [Path(config)], []
        for word in words:
            if Path(word).suffix in CONFIG_SUFFIXES and Path(word).is_file():
                configs.append(Path(word))
            else:
                targets.append(word)
        for path in configs:
            if not path.is_file():
                raise FrontDoorError(
                    f"config {path} is not a file; give a config file, e.g. config/config.yaml "
                    "(the demo) or a copy of config/examples/minimal.yaml"
                )
        absolute = tuple(p.resolve() for p in configs)
        return cls(absolute, tuple(targets), **options)

    @property
    def builds_all(self) -> bool:
        """Whether the run builds the default target (named, or no target given)."""
        return not self.targets or DEFAULT_TARGET in self.targets

    @property
    def workdir(self) -> Path:
        """Snakemake's working directory: ``directory``, else the current folder."""
        return Path(self.directory or ".").resolve()


def find_workflow(config: Path, cwd: Path | None = None) -> Path:
    """The repository to run: the first folder holding a Snakefile, searched upward from the
    config's folder, then from ``cwd``, then the checkout this package was imported from."""
    starts = [Path(config).resolve().parent, Path(cwd or Path.cwd()).resolve()]
    for start in starts:
        for folder in (start, *start.parents):
            if (folder / SNAKEFILE).is_file():
                return folder
    if (CHECKOUT / SNAKEFILE).is_file():
        return CHECKOUT
    raise FrontDoorError(
        f"no {SNAKEFILE} found above {starts[0]} or {starts[1]}: run crossemo run inside a "
        "checkout of the crossemo repository (git clone it; its Snakefile is not part of the "
        "installed package), or keep the config inside it"
    )


def resolve_cores(request: RunRequest) -> int | None:
    """Cores to give Snakemake: as asked; else all of this machine's, unless a profile is given
    (then the profile's, or Snakemake's default)."""
    if request.cores is not None:
        return request.cores
    return None if request.profile else os.cpu_count() or 1


def resolve_profile(profile: str, workflow: Path) -> str:
    """A profile folder as given when it exists, else the repository's ``profiles/<profile>``
    when that exists (``--profile slurm``), else the name as given (Snakemake looks it up in
    its own places)."""
    if Path(profile).is_dir():
        return str(Path(profile).resolve())
    shipped = workflow / "profiles" / profile
    return str(shipped) if shipped.is_dir() else profile


def common_args(request: RunRequest, workflow: Path) -> list[str]:
    """Snakefile, working directory and config files (``--configfile`` last: it takes every
    word after it until the next option)."""
    args = ["--snakefile", str(workflow / SNAKEFILE)]
    if request.directory is not None:
        args += ["--directory", str(request.workdir)]
    return [*args, "--configfile", *map(str, request.configs)]


def snakemake_args(request: RunRequest, workflow: Path) -> list[str]:
    """Snakemake's arguments for the run: targets first, then options, the extra arguments
    (after ``--``) last."""
    args = [*request.targets]
    cores = resolve_cores(request)
    if cores is not None:
        args += ["--cores", str(cores)]
        if cores <= FEW_CORES:
            args += ["--set-threads", *FEW_CORES_THREADS]
    if request.profile:
        args += ["--profile", resolve_profile(request.profile, workflow)]
    if request.dry_run:
        args.append("--dry-run")
    return [*args, *common_args(request, workflow), *request.extra]


def report_args(request: RunRequest, workflow: Path) -> list[str]:
    """Snakemake's arguments that build the HTML report of the run's results."""
    return ["--report", REPORT, *common_args(request, workflow)]


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Run the block with ``folder`` (made when missing) as the current folder."""
    folder.mkdir(parents=True, exist_ok=True)
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def read_config(configs: Sequence[Path]) -> dict:
    """The config Snakemake reads from ``configs``: each merged over the ones before it."""
    from snakemake.common.configfile import load_configfile
    from snakemake.utils import update_config

    config: dict = {}
    for path in configs:
        update_config(config, load_configfile(str(path)))
    return config


def check_config(request: RunRequest, workflow: Path):
    """The workflow's start-up on the request's config, in its working directory (relative
    paths of the config are read from there); the config's errors, naming the config files."""
    from snakemake.utils import validate

    from crossemo.core.startup import start

    files = ", ".join(map(str, request.configs))
    try:
        with inside(request.workdir):
            return start(read_config(request.configs), workflow, validate)
    except Exception as err:  # noqa: BLE001 - the workflow's own message, with the files named
        raise FrontDoorError(f"config {files}: {err}") from err


def snakemake_command(args: Sequence[str]) -> list[str]:
    """``python -m snakemake ARGS`` of this interpreter (the venv that holds crossemo)."""
    return [sys.executable, "-m", "snakemake", *args]


def run(request: RunRequest, runner: Runner = subprocess.run, echo=print) -> int:
    """Check the config, run Snakemake, then build the report when asked (and the run
    succeeded); Snakemake's exit code. ``echo`` is told each command before it runs."""
    workflow = find_workflow(request.configs[0])
    check_config(request, workflow)
    env = {**OFFLINE_ENV, **os.environ}
    commands = [snakemake_args(request, workflow)]
    if request.report and not request.dry_run:
        commands.append(report_args(request, workflow))
    for args in commands:
        command = snakemake_command(args)
        echo(f"crossemo run: {shlex.join(command)}")
        code = runner(command, env=env).returncode
        if code != 0:
            return code
    return 0


def version() -> str:
    """``crossemo VERSION`` (installed distribution), with the git commit of the checkout the
    package was imported from, when it is one."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        text = f"crossemo {distribution_version('crossemo')}"
    except PackageNotFoundError:
        text = "crossemo (not installed: running from a source folder)"
    commit = git_commit(CHECKOUT)
    return f"{text} (git {commit}, {CHECKOUT})" if commit else text


def git_commit(folder: Path) -> str | None:
    """The short commit of the git checkout ``folder`` (``-dirty`` when tracked files differ
    from it); None when it is no checkout or git is missing."""
    if not (folder / ".git").exists():
        return None
    try:
        head = _git(folder, "rev-parse", "--short=12", "HEAD")
        changed = _git(folder, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}-dirty" if changed else head


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()
