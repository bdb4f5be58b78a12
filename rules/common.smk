# Helpers shared by all .smk files -- config validation, wildcard constraints, input functions.
# Keep this cheap: SLURM re-parses it for every job (no audio globbing, no ML imports).
import re
from pathlib import Path

from snakemake.utils import validate

validate(config, "../workflow/schemas/config.schema.yaml")

CORPORA = sorted(config["corpora"])
#: corpora built from a spreadsheet of videos (StrEmo) rather than scanned from a root
SHEET_CORPORA = [c for c in CORPORA if config["corpora"][c]["adapter"] == "strEmo"]
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
    return audio_shards() + split_audits() + training_views()


# ---- label schemes, experiments, splits, training views (issue 4, items 1-3) ----
LABEL_SCHEME_DIR = Path(config.get("label_schemes_dir", "config/label_schemes"))
#: label schemes available as files (small config dir: cheap to list)
SCHEMES = sorted(p.stem for p in LABEL_SCHEME_DIR.glob("*.yaml"))
EXPERIMENTS = sorted(config.get("experiments") or {})


def _validate_experiments():
    for name in SCHEMES:
        import yaml

        with open(LABEL_SCHEME_DIR / f"{name}.yaml") as fh:
            validate(yaml.safe_load(fh), "../workflow/schemas/label_scheme.schema.yaml")
    for name, exp in (config.get("experiments") or {}).items():
        if exp["scheme"] not in SCHEMES:
            raise ValueError(
                f"experiment {name}: no label scheme file for {exp['scheme']!r}"
            )
        unknown = set(experiment_corpora(name)) - set(CORPORA)
        if unknown:
            raise ValueError(f"experiment {name}: unknown corpora {sorted(unknown)}")


def experiment_config(experiment):
    """The config entry of ``experiment`` (defaults filled by the schema)."""
    return config["experiments"][experiment]


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
    """Run names of ``experiment``: fold0..foldK-1 (k-fold, LOSO) or main (single split)."""
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


_validate_experiments()
