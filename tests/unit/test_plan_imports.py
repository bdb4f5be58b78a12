"""A parse stays cheap: the crossemo imports of rules/common.smk (the plan, configuration, corpora,
losses, safe_text, names ...) load no numpy, pandas, pandera or pyarrow (SLURM re-parses the
workflow for every job). (No module over 500 lines: tests/unit/test_imports.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "pandas", "pandera", "pyarrow")


def parse_imports() -> list[str]:
    """The crossemo import statements of the Snakefile and rules/*.smk, as written."""
    sources = [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))]
    statement = re.compile(r"^(from crossemo[\w.]* import .+|import crossemo[\w.]*)$", re.M)
    return [m for path in sources for m in statement.findall(path.read_text())]


def importers(importtime: str, module: str) -> list[str]:
    """The chain of modules that imported ``module`` (``python -X importtime`` output)."""
    rows = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|( *)(\S+)$", importtime, re.M)
    for i, (indent, name) in enumerate(rows):
        if name == module:
            chain, depth = [], len(indent)
            for outer_indent, outer in rows[i + 1 :]:
                if len(outer_indent) < depth:
                    chain.append(outer)
                    depth = len(outer_indent)
            return chain
    return []


def test_a_parse_imports_no_numpy_pandas_pandera_or_pyarrow():
    imports = parse_imports()
    assert any("crossemo.plan" in line for line in imports), imports
    check = f"import json, sys; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    path = [str(REPO / "src"), os.environ.get("PYTHONPATH", "")]
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "\n".join([*imports, check])],
        capture_output=True, text=True, timeout=120, check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(path)},
    )  # fmt: skip
    loaded = json.loads(proc.stdout)
    chains = {m: " <- ".join(importers(proc.stderr, m)) for m in loaded}
    assert loaded == [], f"a parse imports {chains}"
