"""The plan: what the config means, derived once, and what each rule of the workflow reads.

``rules/common.smk`` builds one :class:`Plan` from the validated config (after
:func:`crossemo.core.configuration.prepare`), runs :meth:`Plan.validate`, and binds the rules' named
functions to it (``INPUTS``, ``PARAMS``, ``RESOURCES``). Pure Python, no Snakemake, and light
(no numpy/pandas: SLURM re-parses the workflow for every job). Unit-tested in
``tests/unit/test_plan*.py``. One concern per module:

- :mod:`~crossemo.plan.experiments`: what an experiment means (corpora, split keys, folds, runs,
  families, feature sets, init chain, paper bindings, comparisons);
- :mod:`~crossemo.plan.checks`: configs refused at start-up rather than inside a job;
- :mod:`~crossemo.plan.paths`: the one table of ``results/`` path templates (the rules' outputs);
- :mod:`~crossemo.plan.files`: file lists and the targets of rule ``all``;
- :mod:`~crossemo.plan.stress`: stressed experiments, their conditions, perturbed shards;
- :mod:`~crossemo.plan.inputs`, :mod:`~crossemo.plan.params`, :mod:`~crossemo.plan.resources`:
  what each rule's jobs read and need, by stage, and the rules' functions of the job's wildcards.

The run-name grammar, families and feature sets are :mod:`crossemo.core.names`.
"""

from __future__ import annotations

from crossemo.plan import paths
from crossemo.plan.checks import Checks
from crossemo.plan.experiments import (
    PAPER_SOURCES,
    RESOURCE_KEYS,
    SPLIT_KEYS,
    Experiments,
    converted_encoder_name,
    split_keys,
    ssl_spec,
)
from crossemo.plan.inputs import RuleInputs
from crossemo.plan.params import Params, RuleParams
from crossemo.plan.resources import Resources, RuleResources
from crossemo.plan.stress import Stress


class Plan(Stress, Params, Resources, Checks):
    """Experiments, corpora, files, targets, and each rule's inputs, params and resources of one
    validated ``config`` (each part in its module of :mod:`crossemo.plan`)."""


__all__ = [
    "PAPER_SOURCES",
    "RESOURCE_KEYS",
    "SPLIT_KEYS",
    "Experiments",
    "Plan",
    "RuleInputs",
    "RuleParams",
    "RuleResources",
    "converted_encoder_name",
    "paths",
    "split_keys",
    "ssl_spec",
]
