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
    return audio_shards()
