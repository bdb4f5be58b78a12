"""The workflow's start-up, written once: the config checked, completed and planned.

``rules/common.smk`` runs :func:`start` when the Snakefile is parsed, and ``crossemo run`` runs it
before Snakemake starts, so a config that cannot work fails in a second with the message the
workflow would print. Light imports only (SLURM re-parses the Snakefile for every job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crossemo.core.configuration import (
    prepare,
    read_label_scheme,
    require_known_keys,
    require_schema,
)
from crossemo.plan import Plan

#: Snakemake's ``snakemake.utils.validate`` (fills the schema's defaults into the data)
Validate = Callable[..., object]

#: where the workflow's files lie inside the repository (the folder holding the Snakefile)
CONFIG_SCHEMA = "workflow/schemas/config.schema.yaml"
LABEL_SCHEME_SCHEMA = "workflow/schemas/label_scheme.schema.yaml"
LABEL_SCHEME_DIR = "config/label_schemes"
REFERENCE_DIR = "src/crossemo/data/reference"


@dataclass(frozen=True)
class Startup:
    """What the start-up made of a config: the schema it was validated with (the config's own
    upstreams join its enum), the label schemes by name and the plan."""

    schema: Path
    scheme_dir: Path
    schemes: dict[str, dict]
    plan: Plan


def workflow_path(path: str | Path, basedir: Path) -> Path:
    """A config path to workflow data: as given if it exists, else inside the repository
    ``basedir``; lets ``--directory`` runs find the shipped label schemes and reference tables."""
    path = Path(path)
    return path if path.is_absolute() or path.exists() else Path(basedir) / path


def load_label_schemes(folder: Path, basedir: Path, validate: Validate) -> dict[str, dict]:
    """Label scheme files of ``folder`` by name; unknown keys are named with the nearest valid
    one, then each file is validated by its JSON schema."""
    schemes = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        schemes[path.stem] = read_label_scheme(path)
        validate(schemes[path.stem], str(Path(basedir) / LABEL_SCHEME_SCHEMA))
    return schemes


def start(config: dict, basedir: Path, validate: Validate) -> Startup:
    """Check ``config`` (in place: schema defaults, rehearsal overlay) and plan it, in the
    workflow's order: unknown keys, the config's own adapters and upstreams registered, schema,
    label schemes, the checks that would otherwise fail inside a job, the plan's own checks.

    Raises :class:`~crossemo.core.configuration.ConfigError` (or Snakemake's validation error)
    naming the key and what to do. Relative paths of the config are read from the current folder
    (Snakemake's working directory).
    """
    from crossemo import corpora
    from crossemo.features import upstreams

    basedir = Path(basedir)
    require_known_keys(config)
    corpora.register_config(config)
    upstreams.register_config(config)
    schema = upstreams.schema_file(basedir / CONFIG_SCHEMA)
    # plain validation first: it names the key of a value Snakemake's validation fails on
    require_schema(config, schema)
    validate(config, str(schema))
    scheme_dir = workflow_path(config.get("label_schemes_dir", LABEL_SCHEME_DIR), basedir)
    schemes = load_label_schemes(scheme_dir, basedir, validate)
    prepare(config, schemes, corpora.ADAPTERS)
    plan = Plan(config, scheme_dir, workflow_path(REFERENCE_DIR, basedir))
    plan.validate()
    return Startup(schema, scheme_dir, schemes, plan)
