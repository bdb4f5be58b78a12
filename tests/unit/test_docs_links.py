"""The documentation points only at what exists: links and their #anchors, repository paths in
code spans, the config/README.md sections the configs name, every results/ template in the map
of results/, and every .PHONY target of the Makefile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crossemo.plan import paths

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", REPO / "config" / "README.md", REPO / "docs" / "results.md"]
CONFIGS = sorted((REPO / "config").rglob("*.yaml"))
#: top-level folders of the repository a code span may name a path under
TOP = ("config/", "src/", "tests/", "workflow/", "rules/", "envs/", "profiles/", "tools/", "docs/")
#: paths the reader makes (the README's copy of the demo config), not the repository's
READERS_OWN = {"config/mine.yaml"}


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a Markdown page's headings (code blocks skipped)."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.M)}


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_links_and_anchors_exist(page):
    dead = []
    for target in links(page):
        if re.match(r"[a-z]+://", target):
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file) if file else page
        if not linked.exists():
            dead.append(target)
        elif anchor and anchor not in anchors(linked):
            dead.append(target)
    assert not dead, f"{page.relative_to(REPO)}: dead links {dead}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_repository_paths_in_code_spans_exist(page):
    spans = re.findall(r"`([^`\s]+)`", re.sub(r"```.*?```", "", page.read_text(), flags=re.S))
    named = {s.rstrip(".,:;") for s in spans if s.startswith(TOP)}
    concrete = {s for s in named if not re.search(r"[{}<>*]|\.\.\.|\[", s)} - READERS_OWN
    missing = sorted(s for s in concrete if not (REPO / s.split("#")[0]).exists())
    assert not missing, f"{page.relative_to(REPO)} names paths that do not exist: {missing}"


def test_sections_the_configs_name_exist():
    """`config/README.md, "Section"` (or `README.md, "Section"`) in a config's comments or a page
    names a heading of that page."""
    for name in ("config/README.md", "README.md"):
        headings = re.findall(r"^#{1,6}\s+(.+)$", (REPO / name).read_text(), flags=re.M)
        pattern = rf'(?<![\w/]){re.escape(name)},\s*"([^"]+)"'
        for source in [*CONFIGS, *PAGES]:
            for found in re.findall(pattern, source.read_text()):
                section = " ".join(found.split())  # wrapped over lines
                assert any(section.lower() in h.lower() for h in headings), (
                    f"{source.relative_to(REPO)} points to section {section!r} of {name}, "
                    "which has no such heading"
                )


def test_the_results_map_names_every_results_path():
    page = (REPO / "docs" / "results.md").read_text()
    missing = [name for name, t in paths.templates().items() if f"`{t}" not in page]
    assert not missing, f"docs/results.md lacks {missing} (crossemo.plan.paths)"


def test_every_phony_make_target_has_a_recipe():
    makefile = (REPO / "Makefile").read_text()
    (phony,) = re.findall(r"^\.PHONY:(.*)$", makefile, flags=re.M)
    rules = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    assert set(phony.split()) <= rules, (
        f"Makefile .PHONY without a target: {set(phony.split()) - rules}"
    )
