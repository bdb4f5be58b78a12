"""The ``search:`` block of an experiment: what a hyper-parameter search may vary, checked at
start-up (the plan's checks) and in the training job, and turned into trial settings.

``space`` maps a family's model key to a range: ``{low, high, log}`` (a float),
``{int: [low, high], log}`` (an integer) or ``{choices: [...]}``. A neural family's keys are
its ``model:`` keys of number, integer, boolean or enumerated type (resources, seeds, the encoder
and the LR-CV keys aside) and, for frozen_head, ``head_options.<option>`` of its head; a
classic family's keys are its estimator's parameters (checked in the job, where scikit-learn is
loaded). The search itself runs in :mod:`crossemo.models.search`. Light: standard library only.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from crossemo.core.hints import nearest
from crossemo.models.families import keys

METHODS = ("tpe", "grid", "random")
#: what the schema fills in (workflow/schemas/config.schema.yaml, experiments.*.search)
DEFAULTS = {"method": "tpe", "inner_folds": 3, "metric": "uar", "seed": 0}
#: trials of a tpe or random search that sets none (a grid search: every grid point)
DEFAULT_TRIALS = 20
#: the measures a search may maximise (those of an LR grid's cv_metric)
METRICS = tuple(keys.LR_CV["cv_metric"]["enum"])
#: neural model keys no search varies: what is trained, where it starts, resources, bookkeeping
FIXED_NEURAL_KEYS = frozenset(
    {"encoder", "text_encoder", "init_from", "seed", "layer", "pooling", "head", "whisper_input",
     "keep_scratch", "log_every", "checkpoint_steps", "eval_steps", "bf16", "tf32",
     "gradient_checkpointing", *keys.LR_CV, *keys.NEURAL_RESOURCES}
)  # fmt: skip
_SEARCHABLE_TYPES = {"number", "integer", "boolean"}
HEAD_OPTIONS = "head_options"


def _searchable(fragment: Mapping[str, Any]) -> bool:
    kind = fragment.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    return bool(kinds & _SEARCHABLE_TYPES) or "enum" in fragment


def neural_keys(family_keys: Mapping[str, Mapping], model: Mapping[str, Any]) -> list[str]:
    """Keys a search may vary for a neural family with ``family_keys`` (its ``KEYS``) and the
    experiment's ``model:``: plain numeric/boolean/enumerated keys, and ``head_options.<o>`` of
    the model's head when the family takes ``head_options``."""
    out = [k for k, frag in family_keys.items()
           if k not in FIXED_NEURAL_KEYS and _searchable(frag)]  # fmt: skip
    if HEAD_OPTIONS in family_keys:
        head = model.get("head", keys.DEFAULT_HEAD)
        out += [f"{HEAD_OPTIONS}.{o}" for o in keys.HEAD_OPTIONS.get(head, {})]
    return sorted(out)


def unknown_keys(space: Mapping[str, Any], known: list[str], where: str, family: str) -> list[str]:
    """Problems naming each key of ``space`` not in ``known`` and the nearest known one."""
    problems = []
    for key in space:
        if key not in known:
            hint = nearest(str(key), known)
            problems.append(f"{where}.space.{key}: family {family} has no such key{hint}; it "
                            f"takes {', '.join(known)}")  # fmt: skip
    return problems


def range_problems(search: Mapping[str, Any], where: str) -> list[str]:
    """Ranges that cannot be sampled: low >= high, log with low <= 0, a grid over a float
    range (a grid needs ``choices`` or ``int``), an unknown method or metric."""
    problems = []
    method = search.get("method", DEFAULTS["method"])
    if method not in METHODS:
        problems.append(f"{where}.method: {method!r} is not one of {', '.join(METHODS)}")
    metric = search.get("metric", DEFAULTS["metric"])
    if metric not in METRICS:
        hint = nearest(str(metric), METRICS)
        problems.append(f"{where}.metric: {metric!r}{hint}; one of {', '.join(METRICS)}")
    for key, spec in (search.get("space") or {}).items():
        if "choices" in spec:
            continue
        low, high = spec["int"] if "int" in spec else (spec.get("low"), spec.get("high"))
        if low is None or high is None or not low < high:
            problems.append(f"{where}.space.{key}: needs low < high, got {low} and {high}")
        elif spec.get("log") and low <= 0:
            problems.append(f"{where}.space.{key}: a log range needs low > 0, got {low}")
        if method == "grid" and "int" not in spec:
            problems.append(f"{where}.space.{key}: a grid search needs {{choices: [...]}} or "
                            "{int: [low, high]}, not a float range")  # fmt: skip
    return problems


def model_problems(search: Mapping[str, Any], model: Mapping[str, Any], where: str) -> list[str]:
    """``search`` beside model keys that choose the same thing another way: an LR grid over a
    searched ``lr``, a classic ``grid``, layer probing, several classic families."""
    space, problems = search.get("space") or {}, []
    if model.get("lr_grid") and "lr" in space:
        problems.append(f"{where}.space.lr: model.lr_grid chooses the learning rate by LR "
                        "cross-validation; drop one of them")  # fmt: skip
    if model.get("grid"):
        problems.append(f"{where}: model.grid is a second selection of the same run; put its "
                        "axes into search.space as {choices: [...]} (method grid)")  # fmt: skip
    if model.get("layer_probe"):
        problems.append(f"{where}: model.layer_probe chooses a layer per run; drop search or "
                        "layer_probe")  # fmt: skip
    if isinstance(model.get("family"), list):
        problems.append(f"{where}: a search varies one family's keys; model.family lists "
                        f"{len(model['family'])} families")  # fmt: skip
    return problems


def grid(space: Mapping[str, Any]) -> dict[str, list]:
    """The grid of a ``method: grid`` search: each key's choices, or its integers low..high."""
    out = {}
    for key, spec in space.items():
        if "choices" in spec:
            out[key] = list(spec["choices"])
        elif "int" in spec:
            out[key] = list(range(int(spec["int"][0]), int(spec["int"][1]) + 1))
        else:
            raise ValueError(f"search.space.{key}: a grid search needs choices or int")
    return out


def n_trials(search: Mapping[str, Any]) -> int:
    """Trials to run: ``trials``, at most the grid's size for a grid search (default every
    point), else :data:`DEFAULT_TRIALS`."""
    asked = search.get("trials")
    if search.get("method", DEFAULTS["method"]) == "grid":
        size = 1
        for values in grid(search["space"]).values():
            size *= len(values)
        return min(int(asked), size) if asked else size
    return int(asked) if asked else DEFAULT_TRIALS


def with_settings(model: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """``model`` with each ``key`` (``head_options.hidden``: nested) set to its trial value."""
    out = copy.deepcopy(dict(model))
    for key, value in settings.items():
        head, _, leaf = key.partition(".")
        if leaf:
            out[head] = dict(out.get(head) or {}) | {leaf: value}
        else:
            out[key] = value
    return out
