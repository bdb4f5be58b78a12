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
