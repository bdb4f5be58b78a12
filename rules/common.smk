# Shared by all .smk files: the validated config and its plan (the package crossemo.plan: every
# experiment's runs, folds, feature sets, families, paper bindings, the targets, and each rule's
# inputs, params and resources, unit-tested). rules/<stage>.smk name their files from the one table
# of path templates (paths.SPLIT ...) and call the plan's named functions of the job's wildcards
# (INPUTS, PARAMS, RESOURCES). Keep this cheap: SLURM re-parses it for every job (no audio
# globbing, no ML imports; crossemo.plan imports no numpy/pandas).
import re
import sys
from pathlib import Path

from snakemake.utils import validate

sys.path.insert(
    0, str(Path(workflow.basedir) / "src")
)  # conda: crossemo is not installed
from crossemo.core import names
from crossemo.core.configuration import prepare, read_label_scheme, require_known_keys
from crossemo.core.configuration import require_schema
from crossemo import corpora
from crossemo.features import upstreams
from crossemo.core.losses import print_losses
from crossemo.plan import Plan, RuleInputs, RuleParams, RuleResources, paths
from crossemo.core.safe_text import inline_json  # report jobs' text params: no markup
from crossemo.report import pages


def workflow_path(path):
    """A config path to workflow data: as given if it exists, else inside the repository.

    Lets ``--directory`` runs (tests, scratch dirs) find the shipped label schemes and
    reference tables without copying them.
    """
    path = Path(path)
    return (
        path if path.is_absolute() or path.exists() else Path(workflow.basedir) / path
    )


def _load_label_schemes(folder):
    """Label scheme files of ``folder`` by name, each validated by its JSON schema."""
    schemes = {}
    for path in sorted(folder.glob("*.yaml")):
        # unknown keys are named with the nearest valid one
        schemes[path.stem] = read_label_scheme(path)
        validate(schemes[path.stem], "../workflow/schemas/label_scheme.schema.yaml")
    return schemes


# Start-up: unknown keys (named with the nearest valid one), schema, rehearsal overlay, then
# the checks that would otherwise fail inside a job.
# The config's own corpus adapters and upstreams (`adapters:`, `upstreams: {name: module}`)
# join their registries first, so the start-up checks, the schema, the plan and the rules see them.
require_known_keys(config)
corpora.register_config(config)
upstreams.register_config(config)
CONFIG_SCHEMA = upstreams.schema_file(
    Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
)
# plain validation first: it names the key of a value that Snakemake's validation fails on
require_schema(config, CONFIG_SCHEMA)
validate(config, str(CONFIG_SCHEMA))
LABEL_SCHEME_DIR = workflow_path(
    config.get("label_schemes_dir", "config/label_schemes")
)
#: label schemes available as files (small config dir: cheap to read)
LABEL_SCHEMES = _load_label_schemes(LABEL_SCHEME_DIR)
prepare(config, LABEL_SCHEMES, corpora.ADAPTERS)
PLAN = Plan(config, LABEL_SCHEME_DIR, workflow_path("src/crossemo/data/reference"))
PLAN.validate()
#: the rules' input, params and resource functions (of a job's wildcards), bound to the plan
INPUTS = RuleInputs(PLAN)
PARAMS = RuleParams(PLAN)
RESOURCES = RuleResources(PLAN)


def table_page(table, category, labels):
    """The report item of CSV table ``table``: its HTML page (``crossemo.report.pages``), which
    the rule's job writes beside the CSV, so the table opens in the report (the CSV stays).
    """
    return report(
        pages.page_path(table),
        caption=f"../workflow/report/{pages.caption_file(table)}",
        category=category,
        labels=labels,
    )


def _alternatives(choices):
    """A wildcard constraint matching exactly ``choices`` (nothing when there are none)."""
    return "|".join(re.escape(n) for n in choices) if choices else "(?!x)x"
