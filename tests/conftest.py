import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# two test workers on two cores: OpenMP threads wait without spinning (as the Snakefile sets for
# jobs; set before torch loads its OpenMP runtime)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


def require_tools(*tools: str) -> None:
    """The one policy for system tools: a missing one fails in CI (`make test` installs them
    with tools/ensure-system-deps.sh) and skips elsewhere, naming it."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    names = " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"needs {names}: tools/ensure-system-deps.sh did not install it")
    pytest.skip(f"needs {names} (apt-get install {' '.join(missing)})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires_tools(*names): system tools the test needs (CI fails without)"
    )


#: modules whose tests share no module-scoped fixture and each run a whole workflow: each test is
#: a unit of work of its own (every other module is one unit, so its module fixtures run once)
SPLIT_MODULES = {"test_paper_rehearsal.py"}


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadscope`` (`make test`) hands a worker the next unit of work whenever it runs
    low, in collection order (:func:`pytest_collection_modifyitems`): a module per unit, or a
    test for :data:`SPLIT_MODULES`. (``loadgroup`` would need ``xdist_group`` marks on every
    test, and pytest-xdist 3.8 cannot apply them under pytest 9.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if module.rsplit("/", 1)[-1] in SPLIT_MODULES else module

    config.option.loadscopereorder = False  # keep the order below, not tests per unit
    return UnitScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow units first, then the other workflow tests, then the unit tests, so the last
    minutes are filled with short tests instead of one worker finishing a long workflow alone
    (worksteal's contiguous halves: 167 s of one idle worker at the end of a 26 min run)."""
    items.sort(  # stable: modules stay contiguous and in their order
        key=lambda item: (
            item.get_closest_marker("slow") is None,
            item.get_closest_marker("workflow") is None,
        )
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("requires_tools"):
        require_tools(*marker.args)


@pytest.fixture(scope="session")
def tools():
    """:func:`require_tools` for fixtures (``tools("espeak-ng")``)."""
    return require_tools


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The embedded demo corpora (``crossemo.demo.synthesize``, seed 0), made once per session:
    under pytest-xdist the first worker to ask synthesises them (~40 CPU-s) into the session's
    shared temporary directory and the others wait for it, read-only users of the same files."""
    require_tools("espeak-ng", "ffmpeg")
    from filelock import FileLock

    from crossemo.demo import synthesize

    if worker_id == "master":  # no xdist: a directory of this session's own
        root = tmp_path_factory.mktemp("demo")
        synthesize(root, seed=0)
        return root
    shared = tmp_path_factory.getbasetemp().parent  # the session's, above each worker's
    root, done = shared / "demo", shared / "demo.done"
    with FileLock(str(shared / "demo.lock")):
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            synthesize(root, seed=0)
            done.touch()
    return root


@pytest.fixture(scope="session")
def parsed_workflow():
    """The repository's workflow parsed by the Snakemake API (its rules, localrules ...)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        OutputSettings,
        ResourceSettings,
        StorageSettings,
    )

    repo = Path(__file__).resolve().parents[1]
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        yield api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(),
            storage_settings=StorageSettings(),
            snakefile=repo / "Snakefile",
            workdir=repo,
        )._workflow
