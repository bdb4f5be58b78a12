import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded demo corpora (``crossemo.demo.synthesize``, seed 0), made once per session."""
    missing = [tool for tool in ("espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):  # `make test` installs them: CI must not skip
        pytest.fail(f"demo corpora need {' and '.join(missing)}: ensure-system-deps failed")
    if missing:
        pytest.skip(f"demo corpora need {' and '.join(missing)} (apt-get install espeak-ng ffmpeg)")
    from crossemo.demo import synthesize

    root = tmp_path_factory.mktemp("demo")
    synthesize(root, seed=0)
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
