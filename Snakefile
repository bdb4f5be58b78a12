# crossemo: cross-corpus speech emotion recognition. Layout note: this repository keeps the
# Snakefile, rules/ and profiles/ at the top level and the library in src/crossemo/ (see README).
import os

from snakemake.utils import min_version

min_version("9.1")

# Jobs inherit this: OpenMP threads (torch, CTranslate2, XGBoost, LightGBM) wait without spinning.
# Spinning threads of one job take the cores of the next: two threads of a tiny training run beside
# a second job on 2 cores cost 86 CPU-s active, 24 passive (BENCHMARKS.md, Waiting times).
# Set OMP_WAIT_POLICY yourself to keep another policy.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


# The demo config is the default; a config given with --configfile (config/paper/*.yaml)
# replaces it instead of being merged into it (no demo corpora in a paper run).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "rules/common.smk"


wildcard_constraints:
    corpus=_alternatives(PLAN.corpora),
    scanned_corpus=_alternatives(PLAN.scanned_corpora),
    shard=r"\d{4}",
    scheme=_alternatives(sorted(LABEL_SCHEMES)),
    experiment=_alternatives(PLAN.experiments),
    fold=names.FOLD_PATTERN,


include: "rules/demo.smk"
include: "rules/ingest.smk"
include: "rules/preprocess.smk"
include: "rules/labels.smk"
include: "rules/splits.smk"
include: "rules/balance.smk"
include: "rules/features.smk"
include: "rules/classic.smk"
include: "rules/evaluate.smk"
include: "rules/analysis.smk"
include: "rules/report.smk"
include: "rules/strEmo.smk"
include: "rules/transcribe.smk"
include: "rules/filters.smk"
include: "rules/train.smk"
include: "rules/ensemble.smk"
include: "rules/track.smk"
include: "rules/stress.smk"


# Cheap table rules run on the submitting host, not as cluster jobs (rules/report.smk lists its own).
localrules:
    aggregate_lr_cv,
    make_layer_table,
    make_ensemble_table,


# A run that lost data says so on the console: the rejects of ingestion and preprocessing, counted;
# and dev parts drawn by utterance where groups were asked (speakers shared by dev and train).
onsuccess:
    print_losses()
    from crossemo.splits.audit import print_dev_notices

    print_dev_notices(dict(zip(PLAN.experiments, PLAN.split_audits(), strict=True)))


rule all:
    default_target: True
    input:
        PLAN.all_targets(),


rule manifests:
    input:
        PLAN.manifests(),


rule audio:
    input:
        PLAN.audio_shards(),


rule paper_tables:
    input:
        PLAN.paper_table_targets(),
