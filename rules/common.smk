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
from crossemo.core import startup
from crossemo.core.losses import print_losses
from crossemo.plan import RuleInputs, RuleParams, RuleResources, paths
from crossemo.core.safe_text import inline_json  # report jobs' text params: no markup
from crossemo.report import pages
from crossemo.stress.conditions import CONDITION_PATTERN  # the {condition} wildcard


def workflow_path(path):
    """A config path to workflow data: as given if it exists, else inside the repository."""
    return startup.workflow_path(path, workflow.basedir)


# Start-up (crossemo.core.startup, which `crossemo run` runs too before Snakemake starts):
# unknown keys (named with the nearest valid one), the config's own corpus adapters and upstreams
# (`adapters:`, `upstreams: {name: module}`) registered, schema, label schemes, rehearsal overlay,
# then the checks that would otherwise fail inside a job.
STARTUP = startup.start(config, Path(workflow.basedir), validate)
#: label schemes available as files (small config dir: cheap to read)
LABEL_SCHEMES = STARTUP.schemes
PLAN = STARTUP.plan
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
