"""Import structure of the library: no circles, and library modules never import the CLI back."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def crossemo_imports(path: Path) -> set[str]:
    """Every crossemo module ``path`` imports, at any level (function bodies included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("crossemo")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("crossemo"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    return {name: crossemo_imports(path) & set(modules) for name, path in modules.items()}


def test_library_modules_never_import_the_cli():
    importers = sorted(name for name, deps in graph().items() if "crossemo.cli" in deps)
    assert importers == []


def test_no_import_circles():
    edges = graph()
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycles.append(stack[stack.index(node) :] + [node])
            return
        for dep in sorted(edges.get(node, ())):
            if dep != node and not node.startswith(dep + "."):  # a package's own __init__
                visit(dep, stack + [node])

    for start in sorted(edges):
        visit(start, [])
    assert cycles == []


def test_no_module_over_500_lines():
    """Each module is one concern: past 500 lines it is split (the house style's bound)."""
    long = {
        module_name(p): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 500
    }
    assert long == {}
