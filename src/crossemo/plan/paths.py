"""Every file the workflow writes under ``results/``, as a template: the one table of paths.

The rules' ``output:`` (``output: split=paths.SPLIT``) and the plan's file lists and input
functions (``fill(paths.SPLIT, experiment=e)``) read the same templates, so a path is written
once. A template's ``{wildcards}`` are the rules' wildcards; a rule that names one differently
renames it (:func:`renamed`). Logs and benchmarks (``logs/<rule>/...``) stay in the rules.
"""

from __future__ import annotations

import re
import string

# ---- ingest.smk, strEmo.smk: manifests, downloads, source checksums ----
MANIFEST = "results/manifests/{corpus}.parquet"
MANIFEST_REJECTS = "results/manifests/{corpus}.rejects.parquet"
SOURCE_CHECKSUMS = "results/manifests/{corpus}.checksums.parquet"
CORPUS_FINGERPRINTS = "results/tables/corpus_fingerprints.csv"
DOWNLOAD_STATUS = "results/downloads/{corpus}.status.parquet"
DOWNLOAD_STATUS_TABLE = "results/tables/download_status_{corpus}.csv"
#: downloaded audio of a sheet corpus: a cache, not an output (a rerun downloads what is missing)
DOWNLOAD_AUDIO = "results/strEmo/{corpus}/audio"
CLIPS = "results/strEmo/{corpus}/clips"
OVERLAPS = "results/tables/overlaps_{corpus}.csv"

# ---- preprocess.smk, transcribe.smk, filters.smk: audio shards and what is read from them ----
AUDIO_SHARD = "results/audio/{corpus}/{shard}.parquet"
AUDIO_SHARD_REJECTS = "results/audio/{corpus}/{shard}.rejects.parquet"
AUDIO_PRINTS = "results/audio/{corpus}/{shard}.prints.parquet"
DUPLICATES = "results/tables/duplicates.csv"
TRANSCRIPTS = "results/transcripts/{corpus}/{shard}.parquet"
FILTER = "results/filters/{corpus}.parquet"
FILTER_STEPS = "results/tables/filter_steps_{corpus}.csv"

# ---- labels.smk, splits.smk, balance.smk ----
LABELS = "results/labels/{scheme}/{corpus}.parquet"
LABELS_DROPPED = "results/labels/{scheme}/{corpus}.dropped.parquet"
SPLIT = "results/splits/{experiment}.parquet"
SPLIT_AUDIT = "results/splits/{experiment}.audit.csv"
VIEW = "results/views/{experiment}/{fold}.parquet"
AUGMENTED = "results/augmented/{experiment}/{fold}.parquet"

# ---- features.smk, train.smk: feature shards, encoders ----
FEATURES = "results/features/{featureset}/{corpus}/{shard}.parquet"
AUGMENTED_FEATURES = "results/features/{featureset}/augmented/{experiment}/{fold}.parquet"
#: a CTranslate2 Whisper converted to a transformers folder (rule convert_whisper)
ENCODER = "results/encoders/{encoder}"

# ---- classic.smk, train.smk: models and predictions of each run ----
MODEL = "results/models/{experiment}/{run}"
CLASSIC_MODEL = "results/models/{experiment}/{run}/model.joblib"
LABEL_MAP = "results/models/{experiment}/{run}/label_map.json"
MODEL_CONFIG = "results/models/{experiment}/{run}/config.json"
PREDICTIONS = "results/predictions/{experiment}/{run}.parquet"
DEV_PREDICTIONS = "results/predictions/{experiment}/{run}.dev.parquet"
#: epoch checkpoints of a neural run: params, not outputs, so a killed or requeued job resumes
SCRATCH = "results/scratch/{experiment}/{run}"
#: a neural run's training curve, copied out of its model folder for the report
TRAINING_CURVE = "results/figures/training/{experiment}/{run}.png"
LR_CV_TABLE = "results/tables/{experiment}_lr_cv.csv"
LAYER_TABLE = "results/tables/{experiment}_layers.csv"
#: an experiment's search: (crossemo.models.search): the settings each run chose, every trial
SEARCH_TABLE = "results/tables/{experiment}_search.csv"
SEARCH_TRIALS = "results/tables/{experiment}_search_trials.csv"
#: members and ensemble side by side (rule make_ensemble_table; an ensemble's runs write
#: MODEL_CONFIG, PREDICTIONS and DEV_PREDICTIONS, rule combine_ensemble)
ENSEMBLE_TABLE = "results/tables/ensemble_{experiment}.csv"

# ---- stress.smk: test audio under stress conditions (crossemo.stress), what models read of it ----
#: a test corpus's audio shard under one condition (rule perturb_audio; the AUDIO_SHARD contract)
STRESS_AUDIO = "results/stress/audio/{condition}/{corpus}/{shard}.parquet"
#: features of a perturbed shard (rule extract_stress_features; the FEATURES format)
STRESS_FEATURES = "results/stress/features/{featureset}/{condition}/{corpus}/{shard}.parquet"
#: every trained run of an experiment on one condition: PREDICTIONS' columns + run, condition
STRESS_PREDICTIONS = "results/stress/predictions/{experiment}/{condition}.parquet"
#: measures with intervals and paired differences to clean; first failing condition per family
STRESS_METRICS = "results/stress/metrics_{experiment}.csv"
STRESS_BREAKDOWN = "results/stress/breakdown_{experiment}.csv"
STRESS_FIGURE = "results/figures/stress_{experiment}.png"
#: per-speaker UAR on clean audio and under each condition; the named robustness tests with
#: pass/fail (rule test_robustness, crossemo.stress.robustness)
STRESS_SPEAKERS = "results/stress/speakers_{experiment}.csv"
STRESS_SPEAKERS_FIGURE = "results/figures/stress_speakers_{experiment}.png"
ROBUSTNESS = "results/tables/robustness_{experiment}.csv"

# ---- evaluate.smk ----
METRICS_RUNS = "results/metrics/{experiment}.runs.json"
METRICS = "results/metrics/{experiment}.csv"
INTERVALS = "results/metrics/{experiment}.intervals.csv"
CONFUSION = "results/figures/confusion_{experiment}.png"
SUBGROUPS = "results/tables/subgroups_{experiment}.csv"
SPEAKERS = "results/tables/speakers_{experiment}.csv"
SPEAKERS_FIGURE = "results/figures/speakers_{experiment}.png"
CALIBRATION = "results/tables/calibration_{experiment}.csv"
RELIABILITY = "results/figures/reliability_{experiment}.png"
COMPARISON = "results/tables/compare_{comparison}.csv"
#: an experiment with ``seeds:``: each variant's mean, std and per-seed values (rule
#: make_seeds_table, crossemo.evaluation.seeds)
SEEDS_TABLE = "results/tables/seeds_{experiment}.csv"

# ---- analysis.smk: embedding maps, permutation feature importance ----
EMBEDDING_FIGURE = "results/figures/embedding_{experiment}.png"
IMPORTANCE = "results/tables/importance_{experiment}.csv"
IMPORTANCE_FIGURE = "results/figures/importance_{experiment}.png"
#: the index of an experiment's model cards; each run's card is README.md in its model folder
#: (rule write_model_cards, crossemo.evaluation.cards)
MODEL_CARDS = "results/models/{experiment}/README.md"

# ---- track.smk: experiment trackers (config `tracking:`) ----
#: what rule track_experiment logged of an experiment's runs: backend, run, counts, location
TRACKING = "results/tracking/{experiment}.csv"
#: the default MLflow store (``tracking.uri``): one SQLite file for every experiment, the runs'
#: artifacts in ``artifacts/`` beside it
MLFLOW_STORE = "results/tracking/mlflow.db"
#: TensorBoard event files of an experiment's runs, a folder per run
TENSORBOARD = "results/tracking/tensorboard/{experiment}"


# ---- report.smk ----
#: a paper table in each format (Markdown, CSV, LaTeX)
PAPER_TABLE = {
    "md": "results/tables/paper_{table}.md",
    "csv": "results/tables/paper_{table}.csv",
    "tex": "results/tables/paper_{table}.tex",
}
DEVIATIONS = {"md": "results/tables/deviations.md", "csv": "results/tables/deviations.csv"}
CONSERVATION = "results/tables/conservation_{scheme}.csv"
LOSSES = "results/tables/losses_{scheme}.csv"
LABEL_FIGURE = "results/figures/labels_{experiment}.png"
CORPUS_MATRIX_TABLE = "results/tables/corpus_matrix_{experiment}.csv"
CORPUS_MATRIX_FIGURE = "results/figures/corpus_matrix_{experiment}.png"
#: every experiment's runs per test set beside chance (rule make_leaderboard); the headline is
#: the HTML fragment the report's front page (workflow/report/workflow.rst) includes
LEADERBOARD = {
    "csv": "results/tables/leaderboard.csv",
    "md": "results/tables/leaderboard.md",
    "html": "results/tables/leaderboard.html",
    "headline": "results/tables/leaderboard.headline.html",
}


def wildcards(template: str) -> list[str]:
    """The wildcard names of ``template``, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def fill(template: str, **values: object) -> str:
    """``template`` with every wildcard filled: ``fill(SPLIT, experiment="e")``."""
    missing = [name for name in wildcards(template) if name not in values]
    if missing:
        raise KeyError(f"{template}: no value for {', '.join(missing)}")
    return template.format(**values)


def renamed(template: str, **names: str) -> str:
    """``template`` with wildcards renamed, for a rule that calls one otherwise:
    ``renamed(MANIFEST, corpus="scanned_corpus")`` is ``results/manifests/{scanned_corpus}...``."""
    unknown = sorted(set(names) - set(wildcards(template)))
    if unknown:
        raise KeyError(f"{template} has no wildcard {', '.join(unknown)}")
    return re.sub(r"\{(\w+)\}", lambda m: "{" + names.get(m[1], m[1]) + "}", template)


def templates() -> dict[str, str]:
    """Every template of this table by its name (``PAPER_TABLE.md``, ... for the formats)."""
    out: dict[str, str] = {}
    for name, value in globals().items():
        if name.isupper() and isinstance(value, str):
            out[name] = value
        elif name.isupper() and isinstance(value, dict):
            out.update({f"{name}.{key}": path for key, path in value.items()})
    return out
