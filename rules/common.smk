# Helpers shared by all .smk files -- config validation, wildcard constraints, input functions.
# Keep this cheap: SLURM re-parses it for every job (no audio globbing, no ML imports).
import re
import sys
from pathlib import Path

import yaml
from snakemake.utils import validate

sys.path.insert(
    0, str(Path(workflow.basedir) / "src")
)  # conda: crossemo is not installed
from crossemo.configuration import SHEET_ADAPTER, prepare
from crossemo.corpora import ADAPTERS


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
        with open(path) as fh:
            schemes[path.stem] = yaml.safe_load(fh)
        validate(schemes[path.stem], "../workflow/schemas/label_scheme.schema.yaml")
    return schemes


# Start-up: schema, rehearsal overlay, then the checks that would otherwise fail inside a job.
validate(config, "../workflow/schemas/config.schema.yaml")
LABEL_SCHEME_DIR = workflow_path(
    config.get("label_schemes_dir", "config/label_schemes")
)
#: label schemes available as files (small config dir: cheap to read)
LABEL_SCHEMES = _load_label_schemes(LABEL_SCHEME_DIR)
SCHEMES = sorted(LABEL_SCHEMES)
prepare(config, LABEL_SCHEMES, ADAPTERS)

CORPORA = sorted(config["corpora"])
#: corpora built from a spreadsheet of videos (StrEmo) rather than scanned from a root
SHEET_CORPORA = [c for c in CORPORA if config["corpora"][c]["adapter"] == SHEET_ADAPTER]
SCANNED_CORPORA = [c for c in CORPORA if c not in SHEET_CORPORA]


def _alternatives(names):
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


def corpus_config(corpus):
    """The config entry of ``corpus``."""
    return config["corpora"][corpus]


def shard_names(corpus):
    """Shard stems of ``corpus`` (``0000`` ...): fixed by config, so the DAG is static."""
    return [f"{i:04d}" for i in range(int(corpus_config(corpus).get("n_shards", 1)))]


def demo_dir():
    return config["demo"]["dir"] if config["demo"]["enabled"] else None


def under_demo(path):
    """Whether ``path`` lies in the synthesised demo tree (and so depends on its rule)."""
    base = demo_dir()
    return base is not None and Path(path).resolve().is_relative_to(
        Path(base).resolve()
    )


def corpus_root_input(wildcards):
    """Input of ingest: the demo tree when the root lies in it, else the root itself."""
    root = corpus_config(wildcards.scanned_corpus)["root"]
    return demo_dir() if under_demo(root) else root


def manifests():
    return expand("results/manifests/{corpus}.parquet", corpus=CORPORA)


def audio_shards(corpora=None):
    """Every audio shard of ``corpora`` (all corpora by default)."""
    return [
        f"results/audio/{corpus}/{shard}.parquet"
        for corpus in (corpora or CORPORA)
        for shard in shard_names(corpus)
    ]


def audio_shard_rejects(corpora=None):
    return [p.replace(".parquet", ".rejects.parquet") for p in audio_shards(corpora)]


def all_targets():
    """What ``snakemake`` (rule all) builds."""
    return (
        audio_shards()
        + split_audits()
        + training_views()
        + report_targets()
        + strEmo_targets()
        + neural_targets()
    )


# ---- label schemes, experiments, splits, training views ----
EXPERIMENTS = sorted(config.get("experiments") or {})


def experiment_config(experiment):
    """The config entry of ``experiment`` (defaults filled by the schema)."""
    return config["experiments"][experiment]


SPLIT_KEYS = (
    "scheme",
    "protocol",
    "train",
    "test",
    "fractions",
    "folds",
    "cv_corpora",
    "test_fraction",
    "split_unit",
    "dev_fraction",
    "dev_unit",
    "seed",
)


def split_config(experiment):
    """The keys of ``experiment`` that decide its split (params of make_split: editing model or
    report keys does not rerun splits and views)."""
    exp = experiment_config(experiment)
    return {k: exp[k] for k in SPLIT_KEYS if k in exp}


def experiment_corpora(experiment):
    """Train and test corpora of ``experiment``, each once, in config order."""
    exp = config["experiments"][experiment]
    return list(dict.fromkeys(list(exp.get("train", [])) + list(exp.get("test", []))))


def folds(experiment):
    """Number of folds of ``experiment`` (1 for cross_corpus and stratified)."""
    exp = experiment_config(experiment)
    if exp["protocol"] in ("speaker_kfold", "leave_one_session_out"):
        return int(exp.get("folds", 5))
    return 1


def fold_names(experiment):
    """Fold wildcard values of ``experiment``: fold0, fold1 ..."""
    return [f"fold{i}" for i in range(folds(experiment))]


def runs(experiment):
    """Run names of ``experiment``: fold0..foldK-1 (k-fold, LOSO) or main (single split);
    neural LR grids: fold{k}-lr{lr} CV runs plus final (see lr_cv_runs)."""
    if lr_cv_runs(experiment):
        return lr_cv_runs(experiment) + ["final"]
    n = folds(experiment)
    return [f"fold{i}" for i in range(n)] if n > 1 else ["main"]


def run_fold(run):
    """Fold name of a run: main -> fold0, fold3 -> fold3, fold0-lr1e-05 -> fold0."""
    return "fold0" if run in ("main", "final") else run.split("-")[0]


def scheme_file(wildcards):
    return str(LABEL_SCHEME_DIR / f"{wildcards.scheme}.yaml")


def label_inputs(wildcards):
    """Inputs of labelling: manifest, shards, shard rejects, filter table when configured."""
    corpus = wildcards.corpus
    inputs = {
        "manifest": f"results/manifests/{corpus}.parquet",
        "shards": audio_shards([corpus]),
        "rejects": audio_shard_rejects([corpus]),
        "scheme": scheme_file(wildcards),
    }
    if corpus_config(corpus).get("filter"):
        inputs["filter"] = f"results/filters/{corpus}.parquet"
    return inputs


def labelled_tables(experiment):
    scheme = experiment_config(experiment)["scheme"]
    return [
        f"results/labels/{scheme}/{corpus}.parquet"
        for corpus in experiment_corpora(experiment)
    ]


def split_inputs(wildcards):
    return {
        "labels": labelled_tables(wildcards.experiment),
        "scheme": str(
            LABEL_SCHEME_DIR
            / f"{experiment_config(wildcards.experiment)['scheme']}.yaml"
        ),
    }


def balance_inputs(wildcards):
    """Split table and labelled tables; audio shards only when oversampling needs samples."""
    exp = experiment_config(wildcards.experiment)
    inputs = {
        "split": f"results/splits/{wildcards.experiment}.parquet",
        "labels": labelled_tables(wildcards.experiment),
    }
    if exp.get("balance", {}).get("method", "none") == "oversample":
        inputs["shards"] = audio_shards(exp.get("train", []))
    return inputs


def split_tables(experiments=None):
    return [f"results/splits/{e}.parquet" for e in (experiments or EXPERIMENTS)]


def split_audits(experiments=None):
    return [f"results/splits/{e}.audit.csv" for e in (experiments or EXPERIMENTS)]


def training_views(experiments=None):
    """Every training view (one per experiment and fold)."""
    return [
        f"results/views/{e}/{fold}.parquet"
        for e in (experiments or EXPERIMENTS)
        for fold in fold_names(e)
    ]


def view_path(experiment, run):
    """The training view a run of ``experiment`` reads."""
    return f"results/views/{experiment}/{run_fold(run)}.parquet"


# ---- features, classic models, evaluation, report (issue 4, items 4-8) ----
FEATURESETS = ["gemaps", "egemaps", "compare", "handcrafted94"]
CLASSIC_FAMILIES = [
    "svm",
    "knn",
    "mlp",
    "xgboost",
    "lightgbm",
    "logreg",
    "random_forest",
    "gaussian_nb",
    "decision_tree",
]
REFERENCE_DIR = workflow_path("src/crossemo/data/reference")


def model_families(experiment):
    """Model families of ``experiment`` (``model.family`` may list several classic ones)."""
    family = experiment_config(experiment).get("model", {}).get("family")
    if family is None:
        return []
    return list(family) if isinstance(family, list) else [family]


def is_classic(experiment):
    families = model_families(experiment)
    return bool(families) and all(f in CLASSIC_FAMILIES for f in families)


CLASSIC_EXPERIMENTS = [e for e in EXPERIMENTS if is_classic(e)]
#: experiments that produce predictions (those with a model), so metrics and the report
MODEL_EXPERIMENTS = [e for e in EXPERIMENTS if model_families(e)]


def experiment_runs(experiment):
    """Runs of ``experiment``; a multi-family classic one has a run per fold and family."""
    families = model_families(experiment)
    if is_classic(experiment) and len(families) > 1:
        folds_ = [run_fold(r) for r in runs(experiment)]
        return [f"{f}-{fam}" for f in dict.fromkeys(folds_) for fam in families]
    return runs(experiment)


def experiment_featureset(experiment):
    featureset = experiment_config(experiment).get("features")
    if featureset not in FEATURESETS:
        raise ValueError(
            f"experiment {experiment}: features must be one of {FEATURESETS}, "
            f"not {featureset!r}"
        )
    return featureset


def feature_shards(featureset, corpora):
    return [
        f"results/features/{featureset}/{corpus}/{shard}.parquet"
        for corpus in corpora
        for shard in shard_names(corpus)
    ]


def oversamples(experiment):
    balance = experiment_config(experiment).get("balance") or {}
    return balance.get("method", "none") == "oversample"


def classic_inputs(wildcards):
    """View, split table, scheme and feature shards (+ augmented features) of a classic run."""
    exp, fold = wildcards.experiment, run_fold(wildcards.run)
    featureset = experiment_featureset(exp)
    inputs = {
        "view": view_path(exp, wildcards.run),
        "split": f"results/splits/{exp}.parquet",
        "scheme": str(LABEL_SCHEME_DIR / f"{experiment_config(exp)['scheme']}.yaml"),
        "features": feature_shards(featureset, experiment_corpora(exp)),
    }
    if oversamples(exp):
        inputs["augmented"] = (
            f"results/features/{featureset}/augmented/{exp}/{fold}.parquet"
        )
    return inputs


def run_family(wildcards):
    """The model family a classic run trains (the run's suffix for multi-family ones)."""
    families = model_families(wildcards.experiment)
    if len(families) == 1:
        return families[0]
    suffix = wildcards.run.split("-", 1)[1]
    if suffix not in families:
        raise ValueError(f"run {wildcards.run}: no family {suffix!r} in {families}")
    return suffix


def experiment_predictions(wildcards):
    """Run name -> predictions of every run of the experiment (rule evaluate_experiment)."""
    return {
        run: f"results/predictions/{wildcards.experiment}/{run}.parquet"
        for run in experiment_runs(wildcards.experiment)
    }


def run_metrics(wildcards):
    """The evaluated runs of an experiment (one file: every run's metrics)."""
    return [f"results/metrics/{wildcards.experiment}.runs.json"]


def metrics_tables(experiments=None):
    return [f"results/metrics/{e}.csv" for e in (experiments or MODEL_EXPERIMENTS)]


def paper_bindings(experiment):
    """The ``paper:`` entry of ``experiment`` as a list of bindings (one mapping or a list):
    the one place that normalises it (params hand the list to the report library)."""
    entry = experiment_config(experiment).get("paper") or []
    return [entry] if isinstance(entry, dict) else list(entry)


#: reference tables (their file stems) that some experiment's binding reports against
PAPER_TABLES = sorted({b["table"] for e in EXPERIMENTS for b in paper_bindings(e)})


def binding_inputs(experiment, binding):
    """Files the source of one binding reads (crossemo.report.ours.load_source)."""
    source = binding.get("source", "metrics")
    if source == "metrics":
        return {"metrics": [f"results/metrics/{experiment}.runs.json"]}
    if source == "lr_cv":
        return {
            "lr_cv": [f"results/tables/{experiment}_lr_cv.csv"],
            "metrics": [f"results/metrics/{experiment}.runs.json"],
        }
    corpora = experiment_corpora(experiment)
    if source == "corpus":
        return {
            "manifests": [f"results/manifests/{c}.parquet" for c in corpora],
            "shards": audio_shards(corpora),
        }
    if source == "labels":
        return {"labels": labelled_tables(experiment)}
    if source == "split":
        return {"split": [f"results/splits/{experiment}.parquet"]}
    if source == "view":
        return {
            "view": [f"results/views/{experiment}/fold{binding.get('fold', 0)}.parquet"]
        }
    raise ValueError(f"experiment {experiment}: unknown paper source {source!r}")


def _validate_paper_bindings():
    """Bindings whose source the experiment cannot feed fail at parse time (called from
    rules/report.smk, once every experiment family is known)."""
    for e in EXPERIMENTS:
        for b in paper_bindings(e):
            source = b.get("source", "metrics")
            if source == "metrics" and e not in MODEL_EXPERIMENTS:
                raise ValueError(f"experiment {e}: paper table {b['table']} reads metrics, "
                                 "but the experiment has no model")  # fmt: skip
            if source == "lr_cv" and not lr_grid(e):
                raise ValueError(f"experiment {e}: paper table {b['table']} reads the LR-CV "
                                 "table, but the experiment has no model.lr_grid")  # fmt: skip
            if source in ("split", "view") and int(b.get("fold", 0)) >= folds(e):
                raise ValueError(f"experiment {e}: paper table {b['table']}: fold "
                                 f"{b.get('fold')} >= {folds(e)} folds")  # fmt: skip


def paper_table_bindings(wildcards):
    """``{experiment, paper, inputs}`` per binding of one table (params of make_paper_table)."""
    return [
        {"experiment": e, "paper": b, "inputs": binding_inputs(e, b)}
        for e in EXPERIMENTS
        for b in paper_bindings(e)
        if b["table"] == wildcards.table
    ]


def paper_table_inputs(wildcards):
    files = [
        path
        for bound in paper_table_bindings(wildcards)
        for paths in bound["inputs"].values()
        for path in paths
    ]
    return {
        "reference": str(REFERENCE_DIR / f"{wildcards.table}.csv"),
        "data": list(dict.fromkeys(files)),
    }


def deviations_of(wildcards):
    """The config's ``deviations:`` list (read when the job is planned, so entries that a
    ``rehearsal:`` overlay appends are there too)."""
    return list(config.get("deviations") or [])


def deviations_title(wildcards):
    papers = sorted({t.split("_table")[0] for t in PAPER_TABLES})
    return "Deviations from the paper" + (f" ({', '.join(papers)})" if papers else "")


def paper_tables():
    """Per-paper tables (Markdown, CSV, LaTeX) and the deviations table: the target of
    ``paper_tables``."""
    targets = [
        f"results/tables/paper_{t}.{ext}"
        for t in PAPER_TABLES
        for ext in ("md", "csv", "tex")
    ]
    return targets + ["results/tables/deviations.md", "results/tables/deviations.csv"]


#: label schemes used by some experiment (their conservation tables are checked)
USED_SCHEMES = sorted({experiment_config(e)["scheme"] for e in EXPERIMENTS})


def scheme_corpora(scheme):
    """Corpora labelled with ``scheme`` by some experiment."""
    corpora = [
        c
        for e in EXPERIMENTS
        if experiment_config(e)["scheme"] == scheme
        for c in experiment_corpora(e)
    ]
    return sorted(set(corpora))


def conservation_inputs(wildcards):
    corpora = scheme_corpora(wildcards.scheme)
    return {
        "manifests": [f"results/manifests/{c}.parquet" for c in corpora],
        "manifest_rejects": [f"results/manifests/{c}.rejects.parquet" for c in corpora],
        "shards": audio_shards(corpora),
        "shard_rejects": audio_shard_rejects(corpora),
        "labels": [f"results/labels/{wildcards.scheme}/{c}.parquet" for c in corpora],
        "dropped": [
            f"results/labels/{wildcards.scheme}/{c}.dropped.parquet" for c in corpora
        ],
    }


def stage_table_sources():
    """Report name -> CSV written by another stage that the report shows when configured:
    split audits, StrEmo download status (adapter strEmo), filter step counts (filter:).
    """
    sources = {f"split_audit_{e}": f"results/splits/{e}.audit.csv" for e in EXPERIMENTS}
    for corpus in SHEET_CORPORA:
        sources[f"download_status_{corpus}"] = (
            f"results/tables/download_status_{corpus}.csv"
        )
    for corpus in CORPORA:
        if corpus_config(corpus).get("filter"):
            sources[f"filter_steps_{corpus}"] = (
                f"results/tables/filter_steps_{corpus}.csv"
            )
    return sources


def stage_table_source(wildcards):
    return stage_table_sources()[wildcards.stage_table]


def report_targets():
    """Tables and figures of the report (rule all builds them; --report collects them)."""
    targets = metrics_tables() + paper_tables()
    targets += [f"results/tables/conservation_{s}.csv" for s in USED_SCHEMES]
    targets += [f"results/report_tables/{name}.csv" for name in stage_table_sources()]
    targets += [f"results/figures/confusion_{e}.png" for e in MODEL_EXPERIMENTS]
    targets += [f"results/figures/labels_{e}.png" for e in EXPERIMENTS]
    return targets


# ---- StrEmo downloads, transcription, MOSEI filter (issue 3) ----
#: corpora with a `filter:` entry (transcribed, then filtered before labelling)
FILTERED_CORPORA = [c for c in CORPORA if corpus_config(c).get("filter")]
#: corpora whose audio shards are transcribed by rule `all`
TRANSCRIBED_CORPORA = [
    c for c in CORPORA if c in FILTERED_CORPORA or corpus_config(c).get("transcribe")
]


def sheet_input(wildcards):
    """Input of download_videos: the demo tree when the sheet lies in it, else the sheet."""
    sheet = corpus_config(wildcards.corpus)["sheet"]
    return demo_dir() if under_demo(sheet) else sheet


def download_settings(wildcards):
    """Top-level `download:` overridden by the corpus's own `download:` entry."""
    merged = {
        **config.get("download", {}),
        **corpus_config(wildcards.corpus).get("download", {}),
    }
    merged.pop("serve_dir", None)
    return merged


def download_serve_dir(wildcards):
    return corpus_config(wildcards.corpus).get("download", {}).get("serve_dir")


def transcribe_settings():
    """The `transcribe:` keys a transcription job reads (not its resources: no rerun on them)."""
    return {
        k: v
        for k, v in config.get("transcribe", {}).items()
        if k not in ("mem_mb", "runtime")
    }


def corpus_transcripts(wildcards):
    return [
        f"results/transcripts/{wildcards.corpus}/{shard}.parquet"
        for shard in shard_names(wildcards.corpus)
    ]


def strEmo_targets():
    """Download status and overlap tables, transcripts, filter tables and step counts."""
    targets = [f"results/tables/download_status_{c}.csv" for c in SHEET_CORPORA]
    targets += [f"results/tables/overlaps_{c}.csv" for c in SHEET_CORPORA]
    targets += [
        f"results/transcripts/{c}/{s}.parquet"
        for c in TRANSCRIBED_CORPORA
        for s in shard_names(c)
    ]
    targets += [f"results/filters/{c}.parquet" for c in FILTERED_CORPORA]
    targets += [f"results/tables/filter_steps_{c}.csv" for c in FILTERED_CORPORA]
    return targets


# ---- neural models: fine-tuning, LR CV, frozen features + heads, block expansion,
# ---- speech+text (issue 5)
NEURAL_FAMILIES = ["finetune", "block_expansion", "frozen_head", "multimodal"]


def is_neural(experiment):
    families = model_families(experiment)
    return len(families) == 1 and families[0] in NEURAL_FAMILIES


NEURAL_EXPERIMENTS = [e for e in EXPERIMENTS if is_neural(e)]


def neural_model(experiment):
    return experiment_config(experiment).get("model", {})


def lr_grid(experiment):
    """The LR grid of a fine-tuning experiment (empty: no LR cross-validation)."""
    if experiment not in NEURAL_EXPERIMENTS:
        return []
    return list(neural_model(experiment).get("lr_grid") or [])


def _lr_name(lr):
    return f"{float(lr):g}"


def lr_cv_runs(experiment):
    """fold{k}-lr{lr}: one run per CV fold and LR of the grid (strEmo paper, Table 3)."""
    k = int(neural_model(experiment).get("cv_folds", 5)) if lr_grid(experiment) else 0
    return [f"fold{i}-lr{_lr_name(lr)}" for lr in lr_grid(experiment) for i in range(k)]


LR_CV_EXPERIMENTS = [e for e in NEURAL_EXPERIMENTS if lr_grid(e)]
SSL_EXPERIMENTS = [
    e for e in NEURAL_EXPERIMENTS if neural_model(e)["family"] == "frozen_head"
]
#: model keys that decide a frozen encoder's stored features (rule extract_ssl_features)
SSL_KEYS = ("encoder", "layer", "pooling", "batch_seconds", "max_seconds")


def ssl_featureset(experiment):
    """Feature set of a frozen_head experiment, named by the settings that decide its features
    (encoder slug + hash of SSL_KEYS): experiments on one encoder share one extraction.
    """
    import hashlib
    import json

    model = neural_model(experiment)
    settings = {k: model[k] for k in SSL_KEYS if k in model}
    encoder = settings.get("encoder")
    name = encoder if isinstance(encoder, str) else (encoder or {}).get("name", "tiny")
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", str(name)).strip("-")
    text = json.dumps(settings, sort_keys=True, default=str)
    return f"ssl-{slug}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


#: SSL feature sets (frozen encoder hidden states), one per distinct setting
SSL_FEATURESETS = sorted({ssl_featureset(e) for e in SSL_EXPERIMENTS})


def init_source(experiment):
    """``(experiment, run)`` whose trained model ``experiment`` starts from
    (``model.init_from``: a name, or ``{experiment, run}``), or None. Default run: ``final``
    when the source has one, else its only run (crossemo.models.stages.init_run)."""
    spec = neural_model(experiment).get("init_from")
    if not spec:
        return None
    source, run = (
        (spec, None) if isinstance(spec, str) else (spec["experiment"], spec.get("run"))
    )
    if source not in NEURAL_EXPERIMENTS:
        raise ValueError(
            f"experiment {experiment}: init_from {source!r} is not a neural experiment"
        )
    source_runs = runs(source)
    if run is None:
        if "final" in source_runs:
            return source, "final"
        if len(source_runs) != 1:
            raise ValueError(
                f"experiment {experiment}: init_from {source} has runs {source_runs}; "
                "name one with init_from: {experiment: ..., run: ...}"
            )
        return source, source_runs[0]
    if run not in source_runs:
        raise ValueError(
            f"experiment {experiment}: init_from {source} has no run {run!r}"
        )
    return source, run


def _validate_init_from():
    """Unknown sources, families that cannot start from a saved model, cycles: at parse time."""
    for e in NEURAL_EXPERIMENTS:
        seen = [e]
        while init_source(seen[-1]) is not None:
            if neural_model(seen[-1])["family"] not in ("finetune", "block_expansion"):
                raise ValueError(
                    f"experiment {seen[-1]}: init_from needs family finetune or "
                    "block_expansion"
                )
            source = init_source(seen[-1])[0]
            if source in seen:
                raise ValueError(f"init_from cycle: {' -> '.join(seen + [source])}")
            seen.append(source)


def init_model(experiment):
    """The saved model directory a run of ``experiment`` starts from, or None."""
    source = init_source(experiment)
    return f"results/models/{source[0]}/{source[1]}" if source else None


def neural_view(experiment, run):
    """Training view of a neural run: LR CV folds split the fold0 view's training rows."""
    return f"results/views/{experiment}/{run_fold(run) if '-lr' not in run else 'fold0'}.parquet"


def neural_inputs(wildcards):
    exp, run = wildcards.experiment, wildcards.run
    model = neural_model(exp)
    fold = run_fold(run) if "-lr" not in run else "fold0"
    inputs = {
        "view": neural_view(exp, run),
        "split": f"results/splits/{exp}.parquet",
        "scheme": str(LABEL_SCHEME_DIR / f"{experiment_config(exp)['scheme']}.yaml"),
    }
    if oversamples(exp):
        inputs["augmented"] = f"results/augmented/{exp}/{fold}.parquet"
    if run == "final" and lr_grid(exp):
        inputs["lr_table"] = f"results/tables/{exp}_lr_cv.csv"
    if init_model(exp):  # a later stage starts from an earlier experiment's model
        inputs["init_model"] = init_model(exp)
    if model["family"] == "frozen_head":
        inputs["features"] = feature_shards(
            ssl_featureset(exp), experiment_corpora(exp)
        )
    elif model["family"] == "multimodal":
        inputs["transcripts"] = [
            f"results/transcripts/{c}/{s}.parquet"
            for c in experiment_corpora(exp)
            for s in shard_names(c)
        ]
    return inputs


def _tiny(experiment):
    encoder = neural_model(experiment).get("encoder")
    return isinstance(encoder, dict) and "tiny" in encoder


def neural_threads(wildcards):
    """CPU threads of a neural job: model.threads (default 4: data loading beside a GPU)."""
    return int(neural_model(wildcards.experiment).get("threads", 4))


def neural_mem_mb(wildcards, attempt):
    """Memory of a neural job: model.mem_mb (default 4 GB tiny, 32 GB real) x attempt."""
    model = neural_model(wildcards.experiment)
    base = model.get("mem_mb", 4000 if _tiny(wildcards.experiment) else 32000)
    return int(base) * attempt


def neural_runtime(wildcards, attempt):
    """Minutes of a neural job: model.runtime (default 30 tiny, 720 real) x attempt."""
    model = neural_model(wildcards.experiment)
    base = model.get("runtime", 30 if _tiny(wildcards.experiment) else 720)
    return int(base) * attempt


def neural_scratch(wildcards):
    """Resume checkpoints of a run (not an output: a failed job's outputs are deleted)."""
    return f"results/scratch/{wildcards.experiment}/{wildcards.run}"


def lr_cv_predictions(wildcards):
    return {
        run: f"results/predictions/{wildcards.experiment}/{run}.parquet"
        for run in lr_cv_runs(wildcards.experiment)
    }


def ssl_mem_mb(wildcards, attempt):
    """Memory of an SSL extraction job x attempt: frame sequences of every layer are large
    (HuBERT Base, layer all: ~2 MB per second of audio, held twice while written)."""
    experiment = next(
        e for e in SSL_EXPERIMENTS if ssl_featureset(e) == wildcards.ssl_featureset
    )
    if _tiny(experiment):
        return 4000 * attempt
    sequence = neural_model(experiment).get("pooling") == "sequence"
    return (24000 if sequence else 8000) * attempt


def ssl_settings(wildcards):
    """Encoder, layer, pooling ... of an SSL feature set (the same in all its experiments)."""
    experiment = next(
        e for e in SSL_EXPERIMENTS if ssl_featureset(e) == wildcards.ssl_featureset
    )
    model = neural_model(experiment)
    return {k: model[k] for k in SSL_KEYS if k in model}


_validate_init_from()


def neural_targets():
    """LR cross-validation tables (predictions come in through metrics and the report)."""
    return [f"results/tables/{e}_lr_cv.csv" for e in LR_CV_EXPERIMENTS]
