"""The config schema refuses what would escape the results folder or fail late: a name that
becomes a path or wildcard matches its pattern, and every number has its range."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml

from crossemo.core.configuration import CONFIG_SCHEMA, LABEL_SCHEME_SCHEMA

HERE = Path(__file__).resolve().parent
SCHEMA = yaml.safe_load(Path(CONFIG_SCHEMA).read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
SEED_RANGE = (0, 2**32 - 1)
LOWER = ("minimum", "exclusiveMinimum")
UPPER = ("maximum", "exclusiveMaximum")


def _is_numeric(node: dict) -> bool:
    kinds = node.get("type")
    return bool({"integer", "number"} & set(kinds if isinstance(kinds, list) else [kinds]))


def numeric_keys(
    node: dict, path: str = "", key: dict | None = None, embed: Callable = lambda x: x
) -> Iterator[tuple[str, dict, dict, Callable]]:
    """Every number of the schema: ``(dotted path, the key's schema, the number's schema,
    a function placing a number where the key's schema reads it)`` (through objects, maps,
    lists and oneOf/anyOf branches)."""
    key = node if key is None else key
    if _is_numeric(node):
        yield path, key, node, embed
    for name, child in (node.get("properties") or {}).items():
        yield from numeric_keys(child, f"{path}.{name}".lstrip("."))
    if isinstance(node.get("additionalProperties"), dict):
        yield from numeric_keys(node["additionalProperties"], f"{path}.*")
    if isinstance(node.get("items"), dict):
        n = max(node.get("minItems", 1), 1)
        yield from numeric_keys(node["items"], f"{path}[]", key, lambda x: embed([x] * n))
    for i, branch in enumerate([*node.get("oneOf", []), *node.get("anyOf", [])]):
        yield from numeric_keys(branch, f"{path}<{i}>", key, embed)


NUMERIC = list(numeric_keys(SCHEMA))


def test_every_numeric_key_has_a_range():
    """A new number cannot forget its range: each has a lower bound, a signed one an upper bound
    too, and every seed is an unsigned 32-bit integer."""
    assert len(NUMERIC) > 60
    problems = []
    for path, _, node, _ in NUMERIC:
        lower = next((node[k] for k in LOWER if k in node), None)
        if lower is None:
            problems.append(f"{path}: no minimum")
        elif lower < 0 and not any(k in node for k in UPPER):
            problems.append(f"{path}: signed, no maximum")
        if path.rsplit(".", 1)[-1].startswith("seed") and (
            (node.get("minimum"), node.get("maximum")) != SEED_RANGE
        ):
            problems.append(f"{path}: a seed's range is [0, 2**32-1]")
    assert not problems, "\n".join(problems)


def _outside(node: dict) -> list[float]:
    values = []
    if "minimum" in node:
        values.append(node["minimum"] - 1)
    if "exclusiveMinimum" in node:
        values.append(node["exclusiveMinimum"])
    if "maximum" in node:
        values.append(node["maximum"] + 1)
    if "exclusiveMaximum" in node:
        values.append(node["exclusiveMaximum"])
    return values


def _inside(node: dict) -> float:
    if "minimum" in node:
        return node["minimum"]
    return node["exclusiveMinimum"] + (1 if node.get("type") == "integer" else 1e-3)


@pytest.mark.parametrize(("path", "key", "node", "embed"), NUMERIC, ids=[n[0] for n in NUMERIC])
def test_a_number_outside_its_range_is_refused(path, key, node, embed):
    validator = jsonschema.Draft202012Validator(key)
    validator.validate(embed(_inside(node)))  # the bound itself (or just inside) is valid
    assert _outside(node), f"{path}: no range"
    for value in _outside(node):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(embed(value))


def minimal() -> dict:
    """A config the schema accepts, with one of each named thing."""
    return {
        "corpora": {"ravdess": {"adapter": "ravdess", "root": str(HERE)}},
        "experiments": {
            "e": {
                "scheme": "valence3",
                "protocol": "cross_corpus",
                "train": ["ravdess"],
                "seed": 0,
                "model": {"family": "finetune", "init_from": {"experiment": "e", "run": "final"}},
                "paper": {"table": "strEmo2023_table1_corpora", "metrics": {"uar": "uar"}},
            }
        },
        "comparisons": {"c": {"a": "e/svm", "b": "e", "metric": "recall[happy]"}},
    }


def test_seed_minus_one_is_refused_at_start_up():
    config = minimal()
    VALIDATOR.validate(config)
    config["experiments"]["e"]["seed"] = -1
    with pytest.raises(jsonschema.ValidationError, match="-1 is less than the minimum of 0"):
        VALIDATOR.validate(config)


def _set(config: dict, place: tuple, value) -> None:
    for key in place[:-1]:
        config = config[key]
    config[place[-1]] = value


def _rename(config: dict, place: tuple, new: str) -> None:
    for key in place[:-1]:
        config = config[key]
    config[new] = config.pop(place[-1])


ESCAPES = ["../x", "a/b", "x\x1b[2J", "</script>", ".hidden", ""]
NAMES = [  # (where, how): a key renamed, or a value set
    (("comparisons", "c"), _rename),
    (("experiments", "e"), _rename),
    (("corpora", "ravdess"), _rename),
    (("experiments", "e", "scheme"), _set),
    (("experiments", "e", "train"), lambda c, p, v: _set(c, p, [v])),
    (("experiments", "e", "test"), lambda c, p, v: _set(c, p, [v])),
    (("experiments", "e", "cv_corpora"), lambda c, p, v: _set(c, p, [v])),
    (("experiments", "e", "fractions"), lambda c, p, v: _set(c, p, {v: {"train": 1, "test": 0}})),
    (("experiments", "e", "model", "family"), _set),
    (("experiments", "e", "model", "init_from", "experiment"), _set),
    (("experiments", "e", "model", "init_from", "run"), _set),
    (("experiments", "e", "paper", "table"), _set),
    (("experiments", "e", "paper", "variant"), _set),
    (("comparisons", "c", "a"), lambda c, p, v: _set(c, p, f"e/{v}" if v else v)),
    (("comparisons", "c", "b"), lambda c, p, v: _set(c, p, f"e/{v}" if v else v)),
    (("comparisons", "c", "metric"), lambda c, p, v: _set(c, p, f"uar[{v}]")),
    (("corpora", "ravdess", "adapter"), _set),
    (("experiments", "e", "emobox_name"), _set),
    (("experiments", "e", "emobox_name"), lambda c, p, v: _set(c, p, {"ravdess": v})),
    (("experiments", "e", "emobox_name"), lambda c, p, v: _set(c, p, {v: "RAVDESS"})),
]


@pytest.mark.parametrize(("place", "change"), NAMES, ids=[".".join(p) for p, _ in NAMES])
@pytest.mark.parametrize("name", ESCAPES, ids=repr)
def test_a_name_that_becomes_a_path_must_match_its_pattern(place, change, name):
    config = minimal()
    VALIDATOR.validate(config)
    change(config, place, name)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(config)


def test_label_scheme_names_and_override_corpora_match_their_patterns():
    schema = yaml.safe_load(Path(LABEL_SCHEME_SCHEMA).read_text())
    scheme = {"name": "s", "classes": ["a", "b"], "mapping": {"happy": "a"}}
    jsonschema.validate({**scheme, "overrides": {"ravdess": {"happy": None}}}, schema)
    for bad in ({**scheme, "name": "../s"}, {**scheme, "classes": ["a", "../b"]},
                {**scheme, "overrides": {"../x": {"happy": None}}}):  # fmt: skip
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(copy.deepcopy(bad), schema)


def test_pause_tokens_hold_no_markup():
    config = minimal()
    config["corpora"]["ravdess"]["filter"] = {"pause_tokens": ["sp"]}
    VALIDATOR.validate(config)
    config["corpora"]["ravdess"]["filter"]["pause_tokens"] = ["</script>"]
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(config)


def test_emobox_name_is_a_name_or_a_mapping_corpus_to_name():
    config = minimal()
    exp = config["experiments"]["e"]
    exp |= {"protocol": "emobox_track2", "test": ["ravdess", "iemocap"], "emobox_data": "/d"}
    for name in ("RAVDESS", {"iemocap": "IEMOCAP"}, {"ravdess": "RAV", "iemocap": "IEMOCAP"}):
        exp["emobox_name"] = name
        VALIDATOR.validate(config)
    exp["emobox_name"] = {}
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(config)
