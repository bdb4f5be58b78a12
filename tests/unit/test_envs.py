"""Conda envs stay in step with pyproject.toml and with the rules that use them.

- every pip package of envs/*.yaml is a pyproject dependency, pinned with the same specifier;
- the env's python satisfies `requires-python`;
- every rule that runs something (script/shell/run) names an env with `conda:`, and that file
  exists under envs/; every env file is used by some rule;
- every third-party package that a rule's script needs (its imports, all imports of the crossemo
  modules it imports, and what runs on import further down) and that pyproject declares is in the
  rule's env; and every runtime dependency of pyproject is in some env (bar the workflow driver).

The rules come from the Snakemake API (the workflow as Snakemake parses it, not a regex), so
`use rule` and generated rules count too. Conda cannot run here; this keeps the envs honest.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
ENVS = REPO / "envs"
SRC = REPO / "src"
#: pyproject runtime dependencies that drive the workflow and are never imported by a rule's job
DRIVER_ONLY = {"snakemake", "snakemake-executor-plugin-slurm"}


@cache
def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _reqs(lines) -> dict[str, Requirement]:
    reqs = (Requirement(line) for line in lines)
    return {canonicalize_name(r.name): r for r in reqs}


@cache
def runtime_deps() -> dict[str, Requirement]:
    return _reqs(pyproject()["dependencies"])


@cache
def extra_deps() -> dict[str, Requirement]:
    groups = pyproject().get("optional-dependencies", {}).values()
    return _reqs(line for group in groups for line in group)


def env_files() -> list[Path]:
    return sorted(ENVS.glob("*.yaml"))


@cache
def env_spec(path: Path) -> tuple[list[str], dict[str, Requirement]]:
    """(conda dependencies, pip requirements by canonical name) of an env file."""
    data = yaml.safe_load(path.read_text())
    conda, pip = [], []
    for dep in data.get("dependencies", []):
        if isinstance(dep, dict):
            pip += [line for line in dep.get("pip", []) if not line.lstrip().startswith("-")]
        else:
            conda.append(str(dep))
    return conda, _reqs(pip)


# ---- pins -------------------------------------------------------------------------------------
@pytest.mark.parametrize("env", env_files(), ids=lambda p: p.name)
def test_env_pins_match_pyproject(env: Path):
    _, pip = env_spec(env)
    assert pip, f"{env.name} has no pip section"
    declared = {**extra_deps(), **runtime_deps()}
    problems = []
    for name, req in pip.items():
        if name not in declared:
            problems.append(f"{req} is not a pyproject.toml dependency (add it there first)")
        elif req.specifier != declared[name].specifier:
            problems.append(f"{req} but pyproject.toml pins {declared[name]}")
        elif not req.specifier:
            problems.append(f"{req} is unpinned")
    assert not problems, f"envs/{env.name} drifted:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("env", env_files(), ids=lambda p: p.name)
def test_env_python_satisfies_requires_python(env: Path):
    conda, _ = env_spec(env)
    pythons = [d for d in conda if d.split("=")[0].split(">")[0].split("<")[0].strip() == "python"]
    assert len(pythons) == 1, f"envs/{env.name} must pin python once: {pythons}"
    version = pythons[0].split("=", 1)[1].lstrip("=").rstrip(".*")
    requires = SpecifierSet(pyproject()["requires-python"])
    assert Version(version) in requires, f"{pythons[0]} vs requires-python {requires}"


def test_env_names_are_unique():
    names = [yaml.safe_load(p.read_text()).get("name") for p in env_files()]
    assert len(names) == len(set(names)), names


def test_every_runtime_dependency_is_in_some_env():
    in_envs = {name for env in env_files() for name in env_spec(env)[1]}
    missing = set(runtime_deps()) - in_envs - DRIVER_ONLY
    assert not missing, f"pyproject dependencies in no envs/*.yaml: {sorted(missing)}"


# ---- rules ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rules(parsed_workflow):
    """(name, snakefile, conda env, script, runs something) of every rule, via the Snakemake API."""
    workflow = parsed_workflow
    found = [
        (
            rule.name,
            Path(str(rule.snakefile)),
            rule.conda_env,
            rule.script,
            not rule.norun,
        )
        for rule in workflow.rules
    ]
    assert len(found) > 3, found
    return found


def _env_path(snakefile: Path, conda_env) -> Path:
    return (snakefile.parent / str(conda_env)).resolve()


def _upstream_envs() -> dict[str, Path]:
    """Upstream module file -> its conda env: rule extract_features takes each job's env from
    the feature set's upstream (crossemo.features.upstreams, ``ENV``)."""
    from crossemo.features import upstreams

    out = {}
    for name in upstreams.registry():
        module = upstreams.upstream(name)
        out[module.__file__] = (ENVS / f"{module.ENV}.yaml").resolve()
    return out


def _env_paths(snakefile: Path, conda_env) -> list[Path]:
    """The conda env files a rule's jobs may use: its one env, or every upstream's."""
    if callable(conda_env):
        return sorted(set(_upstream_envs().values()))
    return [_env_path(snakefile, conda_env)]


def test_every_rule_has_an_existing_conda_env(rules):
    problems = []
    for name, snakefile, conda_env, _, runs in rules:
        if not runs:
            continue  # target rules (input only) run nothing
        if not conda_env:
            problems.append(f"rule {name} ({snakefile.name}) has no conda: directive")
            continue
        for path in _env_paths(snakefile, conda_env):
            if not path.is_file():
                problems.append(f"rule {name}: conda env {path.name} does not exist ({path})")
            elif path.parent != ENVS.resolve():
                problems.append(f"rule {name}: conda env {path.name} is not in envs/")
    assert not problems, "\n".join(problems)


def test_every_env_file_is_used(rules):
    used = {p for _, sf, env, _, runs in rules if runs and env for p in _env_paths(sf, env)}
    unused = [p.name for p in env_files() if p.resolve() not in used]
    assert not unused, f"env files no rule uses: {unused}"


# ---- imports of a rule's job ------------------------------------------------------------------
def _module_file(module: str) -> Path | None:
    base = SRC.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _import_nodes(tree: ast.Module, everywhere: bool):
    """Import statements of a module: all of them, or those that run on import (not in defs)."""
    if everywhere:
        yield from (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        return
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif _type_checking(node):
            todo.extend(node.orelse)  # `if TYPE_CHECKING:` bodies never run
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))  # if/try/with/class bodies run on import


def _type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, package: str | None, everywhere: bool) -> set[str]:
    """Absolute module names imported by ``path`` (with their parent packages)."""
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path)), everywhere):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            if node.level:  # relative: resolve against the module's package
                parts = (package or "").split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]  # submodules
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return found


@cache
def third_party_imports(script: Path) -> frozenset[str]:
    """Top-level names of non-crossemo modules that a rule's script needs.

    The script's own imports, every import of the crossemo modules it imports (their functions
    are what it calls), and what runs on import in all crossemo modules reached from there.
    Imports inside functions of modules reached only indirectly are not followed: nothing says
    the job calls them (crossemo keeps optional heavy imports inside functions on purpose).
    """
    seen: set[str] = set()
    outside: set[str] = set()
    todo = [(script, None, True, True)]  # path, package, all imports, direct import of script
    while todo:
        path, package, everywhere, from_script = todo.pop()
        for module in _imports(path, package, everywhere):
            top = module.split(".")[0]
            if top != "crossemo":
                outside.add(top)
                continue
            if module in seen:
                continue
            seen.add(module)
            file = _module_file(module)
            if file is not None:
                pkg = module if file.name == "__init__.py" else module.rpartition(".")[0]
                direct = from_script and file.name != "__init__.py"
                todo.append((file, pkg, direct, False))
    stdlib = set(sys.stdlib_module_names) | {"__future__", "snakemake"}
    return frozenset(outside - stdlib)


def test_rule_envs_hold_what_their_scripts_import(rules):
    """A job must find every pyproject package its code path imports in its conda env."""
    dists = packages_distributions()
    declared = set(runtime_deps())
    problems = []
    for name, snakefile, conda_env, script, _ in rules:
        if not script or not conda_env:
            continue
        script_path = (snakefile.parent / script).resolve()
        code_envs = (
            [(script_path, p) for p in _env_paths(snakefile, conda_env)]
            + [(Path(m), p) for m, p in _upstream_envs().items()]  # each upstream's own code
            if callable(conda_env)
            else [(script_path, _env_path(snakefile, conda_env))]
        )
        for code, env in code_envs:
            if not script_path.is_file() or not env.is_file():
                continue  # reported by the tests above
            _, pip = env_spec(env)
            needed = {
                canonicalize_name(dist)
                for module in third_party_imports(code)
                for dist in dists.get(module, [])
            } & declared
            missing = sorted(needed - set(pip) - DRIVER_ONLY)
            if missing:
                problems.append(f"rule {name} ({env.name}, {code.name}) imports {missing}")
    assert not problems, "envs lack packages their rules import:\n  " + "\n  ".join(problems)
