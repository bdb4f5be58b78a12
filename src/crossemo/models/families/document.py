"""The parts of the config schema and of config/README.md that the family registry writes.

:func:`model_schema` is the JSON schema of an experiment's ``model:``: every family's keys once
(a key means one thing in every family that takes it), closed (``additionalProperties: false``),
and one ``if family ... then`` block per family naming the keys it takes (``propertyNames``), the
defaults the schema fills in for it and its own rules (``SCHEMA`` of its module, e.g. the
frozen head's ``head_options`` per head); a list of classic families takes their shared keys and
a ``<family>: {params, grid}`` entry per family. :func:`families_table` is the README's table of
families and their keys.

Both live in their files between marker lines; ``python -m crossemo.models.families.document
--write`` rewrites them from the registry, ``--check`` (and a unit test) fails while a file
differs from it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from crossemo.models.families import CLASSIC, FAMILIES, Family, keys

REPO = Path(__file__).resolve().parents[4]
SCHEMA_FILE = REPO / "workflow" / "schemas" / "config.schema.yaml"
README_FILE = REPO / "config" / "README.md"
#: indentation of ``model:`` in the config schema (experiments.*.model)
SCHEMA_INDENT = 8
SCHEMA_BEGIN = "# BEGIN model families: python -m crossemo.models.families.document --write"
SCHEMA_END = "# END model families"
README_BEGIN = "<!-- BEGIN model families: python -m crossemo.models.families.document --write -->"
README_END = "<!-- END model families -->"
MODEL_DESCRIPTION = (
    "Model of the experiment: `family` names one registered family "
    "(src/crossemo/models/families/), or a list of classic families trained on one split (one "
    "run per fold and family, each family's params/grid under its name). Each family takes its "
    "own keys (config/README.md, 'Model families')."
)


def _families(families: Iterable[Family] | None) -> list[Family]:
    return list(FAMILIES.values() if families is None else families)


def union_keys(families: Iterable[Family] | None = None) -> dict[str, dict]:
    """Every family's keys once; ValueError for a key two families describe differently."""
    out: dict[str, dict] = {}
    owner: dict[str, str] = {}
    for family in _families(families):
        for key, fragment in family.keys.items():
            if key == "family":
                raise ValueError(f"family {family.name}: `family` is not one of its KEYS")
            if key in out and out[key] != fragment:
                raise ValueError(
                    f"model key {key!r} means different things in families {owner[key]} and "
                    f"{family.name}: give it one schema fragment (crossemo.models.families.keys)"
                )
            out.setdefault(key, fragment)
            owner.setdefault(key, family.name)
    return out


def classic_list_keys(families: Iterable[Family] | None = None) -> list[str]:
    """Keys of a multi-family classic entry: those every classic family takes, but
    :data:`~crossemo.models.families.keys.CLASSIC_MEMBER_KEYS`, then one per classic family."""
    classic = [f for f in _families(families) if f.kind == CLASSIC]
    if not classic:
        return []
    shared = [k for k in classic[0].keys if all(k in f.keys for f in classic[1:])]
    return [k for k in shared if k not in keys.CLASSIC_MEMBER_KEYS] + [f.name for f in classic]


def family_block(family: Family) -> dict:
    """The ``if family == name then ...`` block of one family."""
    then: dict = {"title": f"family {family.name}",
                  "propertyNames": {"enum": ["family", *family.keys]}}  # fmt: skip
    if family.defaults:
        then["properties"] = {k: {"default": v} for k, v in family.defaults.items()}
    then.update(getattr(family.impl, "SCHEMA", {}))
    return {"if": {"required": ["family"], "properties": {"family": {"const": family.name}}},
            "then": then}  # fmt: skip


def model_schema(families: Iterable[Family] | None = None) -> dict:
    """The JSON schema of an experiment's ``model:`` (see the module docstring)."""
    families = _families(families)
    classic = [f for f in families if f.kind == CLASSIC]
    family_key = {
        "description": "The model family (one registered name), or a list of classic families.",
        "oneOf": [
            {"type": "string", "enum": [f.name for f in families]},
            {"type": "array", "items": {"type": "string", "enum": [f.name for f in classic]},
             "minItems": 1, "uniqueItems": True},
        ],
    }  # fmt: skip
    properties = {"family": family_key, **union_keys(families)}
    properties.update({f.name: keys.CLASSIC_MEMBER for f in classic})
    blocks = [family_block(f) for f in families]
    if classic:
        shared = [f.defaults for f in classic]
        defaults = {k: v for k, v in shared[0].items() if all(d.get(k) == v for d in shared)}
        listed = ["family", *classic_list_keys(families)]
        then: dict = {"title": "several classic families", "propertyNames": {"enum": listed}}
        if defaults:
            then["properties"] = {k: {"default": v} for k, v in defaults.items()}
        blocks.append({"if": {"required": ["family"], "properties": {"family": {"type": "array"}}},
                       "then": then})  # fmt: skip
    return {
        "description": MODEL_DESCRIPTION,
        "type": "object",
        "required": ["family"],
        "properties": properties,
        "additionalProperties": False,
        "allOf": blocks,
    }


class _Dumper(yaml.SafeDumper):
    """Writes every fragment where it is used, but those in ``named`` (id -> anchor name): once,
    as ``&name``, and ``*name`` after."""

    named: dict[int, str] = {}

    def ignore_aliases(self, data) -> bool:
        return id(data) not in self.named

    def represent_data(self, data):
        node = super().represent_data(data)
        if id(data) in self.named:
            self._anchor_names[node] = self.named[id(data)]
        return node

    def generate_anchor(self, node) -> str:
        return self._anchor_names[node]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._anchor_names: dict = {}


class _FlowDict(dict):
    pass


class _FlowList(list):
    pass


_Dumper.add_representer(
    _FlowDict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
#: a mapping or list whose JSON is at most this long is written on one line
FLOW_WIDTH = 72


def _flow(node, memo: dict[int, object] | None = None):
    """``node`` with its short mappings and lists marked to be written in flow style (a
    mapping met twice becomes one object: ``memo``, id -> its copy)."""
    memo = {} if memo is None else memo
    if isinstance(node, dict):
        if id(node) in memo:
            return memo[id(node)]
        inner = {k: _flow(v, memo) for k, v in node.items()}
        out = _FlowDict(inner) if len(json.dumps(node)) <= FLOW_WIDTH else inner
        memo[id(node)] = out
        return out
    if isinstance(node, list):
        inner = [_flow(v, memo) for v in node]
        scalars = not any(isinstance(v, dict | list) for v in node)
        return _FlowList(inner) if scalars or len(json.dumps(node)) <= FLOW_WIDTH else inner
    return node


def schema_block(families: Iterable[Family] | None = None) -> str:
    """The config schema's generated lines: markers and ``model:`` at :data:`SCHEMA_INDENT`."""
    memo: dict[int, object] = {}
    tree = _flow({"model": model_schema(families)}, memo)
    member = memo.get(id(keys.CLASSIC_MEMBER))
    named = {id(member): "classic_member"} if member is not None else {}
    dumper = type("Dumper", (_Dumper,), {"named": named})
    text = yaml.dump(tree, Dumper=dumper, sort_keys=False, default_flow_style=False, width=100,
                     allow_unicode=True)  # fmt: skip
    pad = " " * SCHEMA_INDENT
    lines = [pad + SCHEMA_BEGIN, *(pad + line for line in text.splitlines()), pad + SCHEMA_END]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", str(text))  # Sphinx roles as code
    return text.replace("|", "\\|").replace("\n", " ")


def families_table(families: Iterable[Family] | None = None) -> str:
    """The README's generated part: one row per family (kind, what it reads, its keys with the
    defaults the schema fills in)."""
    families = _families(families)
    rows = [
        "| family | kind | reads | keys | schema defaults | what it is |",
        "|---|---|---|---|---|---|",
    ]
    for f in families:
        own = dict(f.keys)
        names = []
        for group, members in keys.GROUPS.items():
            if members and all(k in own for k in members):
                names.append(f"*{group}*")
                own = {k: v for k, v in own.items() if k not in members}
        names += [f"`{k}`" for k in own]
        defaults = ", ".join(f"`{k}: {json.dumps(v)}`" for k, v in f.defaults.items())
        reads = ", ".join(f"`{n}`" for n in f.needs)
        rows.append(f"| `{f.name}` | {f.kind} | {reads} | {', '.join(names)} | {defaults} | "
                    f"{_cell(f.summary)} |")  # fmt: skip
    listed = classic_list_keys(families)
    if listed:
        rows.append(
            "| a list of classic families | classic | `features` | "
            + ", ".join(f"`{k}`" for k in listed)
            + " | as one family | one run per fold and family; each family's `params` and "
            "`grid` under its name |"
        )
    return "\n".join([README_BEGIN, *rows, README_END]) + "\n"


def _replace(text: str, begin: str, end: str, block: str, what: str) -> str:
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"{what}: expected one {begin!r} line and one {end!r} after it")
    return "".join(lines[: starts[0]]) + block + "".join(lines[ends[0] + 1 :])


def generated(schema_text: str, readme_text: str,
              families: Iterable[Family] | None = None) -> tuple[str, str]:  # fmt: skip
    """``(schema, README)`` texts with their generated parts rewritten from the registry."""
    families = _families(families)
    schema = _replace(schema_text, SCHEMA_BEGIN, SCHEMA_END, schema_block(families), "schema")
    readme = _replace(readme_text, README_BEGIN, README_END, families_table(families), "README")
    return schema, readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the generated parts")
    parser.add_argument("--check", action="store_true", help="exit 1 when a file is stale")
    parser.add_argument("--schema", type=Path, default=SCHEMA_FILE)
    parser.add_argument("--readme", type=Path, default=README_FILE)
    args = parser.parse_args(argv)
    files = {args.schema: args.schema.read_text(), args.readme: args.readme.read_text()}
    new = dict(zip(files, generated(*files.values()), strict=True))
    stale = [path for path, text in files.items() if new[path] != text]
    if args.write:
        for path in stale:
            path.write_text(new[path])
            print(f"rewrote {path}")
        return 0
    for path in stale:
        print(f"{path}: its generated part differs from the family registry; run "
              "python -m crossemo.models.families.document --write", file=sys.stderr)  # fmt: skip
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
