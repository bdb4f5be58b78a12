"""The vocabulary of an experiment, written once: run names, model families, feature sets.

Run names (the ``{run}`` wildcard, ``results/predictions/{experiment}/{run}.parquet``):

- ``main``: the one run of a single-split experiment (cross_corpus, stratified);
- ``fold{k}``: fold ``k`` of a k-fold or leave-one-session-out experiment;
- ``fold{k}-{family}``: one family of a multi-family classic experiment (a single split is fold0);
- ``fold{k}-lr{lr}``: learning-rate cross-validation run (fold ``k`` of the inner CV, ``lr`` as
  :func:`lr_name` writes it);
- ``final``: the refit of an LR-CV experiment with the chosen learning rate;
- ``<run>-s{seed}``: one repeat of an experiment with ``seeds:`` (``main-s2``, ``fold0-s1``,
  ``fold0-svm-s1``): the run trained with that seed (:func:`seed_run`). Without ``seeds:``
  run names carry no seed part. The seed part ends the name, so :func:`parse_run`'s variant
  of a repeat holds it (``s1``, ``svm-s1``: each seed's folds pool as today) and
  :func:`split_seed` takes it off again (the variant the seeds repeat).

A ``corpus_matrix`` experiment has one fold per training source (:func:`matrix_sources`):
``fold{i}`` trains on the i-th corpus of its ``train`` list alone and tests every other one;
with ``include_loco`` the next folds leave one corpus out in turn (train on the others, test
it). Its (train -> test) cells are the per-corpus scores of these runs.

The workflow (``crossemo.plan``, the rules' wildcard constraints) and the library (evaluation,
LR CV, classic models, report) build and parse run names with these functions only. The family
lists are the registry's (:mod:`crossemo.models.families`). Importing this module is free (no
third-party imports): ``rules/common.smk`` uses it at parse time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MAIN = "main"
FINAL = "final"

#: model families by kind and by what they read, taken from the family registry
#: (crossemo.models.families) whenever they are read (module ``__getattr__`` below)
_FAMILY_LISTS = {
    "CLASSIC_FAMILIES": ("kind", "classic"),  # classic families (rule train_classic)
    "NEURAL_FAMILIES": ("kind", "neural"),  # neural families (rule train_neural)
    "ENSEMBLE_FAMILIES": ("kind", "ensemble"),  # late fusion of runs (rule combine_ensemble)
    "FEATURE_FAMILIES": ("needs", "features"),  # read the experiment's feature set
    "SSL_FEATURE_FAMILIES": ("needs", "ssl_features"),  # read a frozen encoder's features
    "TRANSCRIPT_FAMILIES": ("needs", "transcripts"),  # read the corpora's transcripts
}
#: model keys that decide a frozen encoder's stored features (the SSL upstream's settings,
#: crossemo.features.upstreams.ssl; rule extract_features)
#: seconds of a file `crossemo predict` classifies by default: its first ones (the rest is never
#: decoded; crossemo.models.predict, and the model cards that say so)
PREDICT_MAX_SECONDS = 30.0
SSL_KEYS = ("encoder", "layer", "pooling", "batch_seconds", "max_seconds", "whisper_input")
#: experiment keys a training job reads (rule params of train_classic / train_neural /
#: combine_ensemble; the library's entry points see only these, so a key read there must be
#: listed here to reach it)
CLASSIC_EXPERIMENT_KEYS = ("model", "features", "fusion", "standardize", "seed", "search")
NEURAL_EXPERIMENT_KEYS = ("model", "scheme", "search")
ENSEMBLE_EXPERIMENT_KEYS = ("model", "seed")
#: model keys that are job resources, not settings (never in a training job's params)
RESOURCE_KEYS = ("threads", "mem_mb", "runtime")
#: protocols with several folds (the others have one split: fold0)
#: EmoBox's own protocols: its fixed folds of one corpus (k folds), its balanced cross-corpus
#: test sets (track 2, one split)
EMOBOX_FOLDS = "emobox_folds"
EMOBOX_TRACK2 = "emobox_track2"
KFOLD_PROTOCOLS = ("speaker_kfold", "leave_one_session_out", EMOBOX_FOLDS)
#: every train corpus x every test corpus: one fold per training source (matrix_sources)
CORPUS_MATRIX = "corpus_matrix"
#: how a leave-one-corpus-out source is written in tables and figures: "all but x"
LOCO_PREFIX = "all but "

#: the marker of an augmented copy's id, ``<utt_id>#aug<k>`` (crossemo.balance); readers take
#: the source's id as the part before it
AUG_MARKER = "#aug"
#: markers the pipeline gives ids a meaning by: no ingested utterance id may hold one
#: (ingestion rejects it as ``reserved_id_marker``)
RESERVED_ID_MARKERS = (AUG_MARKER,)


def reserved_marker(utt_id: str) -> str | None:
    """The first of :data:`RESERVED_ID_MARKERS` that ``utt_id`` holds, or None."""
    return next((m for m in RESERVED_ID_MARKERS if m in utt_id), None)


def augmented_id(utt_id: str, k: int) -> str:
    """Id of the ``k``-th augmented copy of ``utt_id``."""
    return f"{utt_id}{AUG_MARKER}{k}"


def augmented_source(utt_id: str) -> str:
    """The id an augmented copy was made from (an original's own id unchanged)."""
    return utt_id.split(AUG_MARKER, 1)[0]


#: wildcard constraints of the ``{fold}`` and ``{run}`` wildcards
FOLD_PATTERN = r"fold\d+"
SEED_PART = r"(-s\d+)?"  #: a repeat's seed part of a run name (:func:`seed_run`)
CLASSIC_RUN_PATTERN = r"(fold\d+|main)(-[A-Za-z0-9_]+)?" + SEED_PART
NEURAL_RUN_PATTERN = r"(main|final|fold\d+)(-lr[0-9.eE+-]+)?" + SEED_PART
ENSEMBLE_RUN_PATTERN = r"(main|fold\d+)"

_FOLD_RUN = re.compile(r"^fold(?P<fold>\d+)(?:-(?P<variant>.+))?$")
_SEEDED = re.compile(r"^(?:(?P<base>.+)-)?s(?P<seed>\d+)$")
_LR_RUN = re.compile(r"^fold(?P<fold>\d+)-lr(?P<lr>[0-9.eE+-]+)$")


def slug(text: str) -> str:
    """``text`` as a folder-name part: runs of anything but ASCII letters, digits and dots
    become one dash (feature-set and encoder folder names)."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def job_keys(experiment: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The part of an experiment a job reads: ``keys`` only, resource keys out of ``model``."""
    out = {k: experiment[k] for k in keys if k in experiment}
    if "model" in out:
        out["model"] = {k: v for k, v in out["model"].items() if k not in RESOURCE_KEYS}
    return out


def n_folds(protocol: str, folds: int | None = 5, corpora: Sequence[str] = (),
            include_loco: bool = False) -> int:  # fmt: skip
    """Folds of an experiment: ``folds`` (default 5) for k-fold protocols, one per training
    source of a corpus matrix over ``corpora`` (:func:`matrix_sources`), else 1."""
    if protocol == CORPUS_MATRIX:
        return len(matrix_sources(corpora, include_loco))
    return int(folds if folds is not None else 5) if protocol in KFOLD_PROTOCOLS else 1


def matrix_sources(corpora: Sequence[str], include_loco: bool = False) -> list[tuple[str, ...]]:
    """Training corpora of each fold of a corpus matrix, in fold order: each corpus alone, then
    (``include_loco``) every corpus but one, leaving out ``corpora[0]``, ``corpora[1]`` ...;
    every fold tests the corpora it does not train on."""
    corpora = list(dict.fromkeys(corpora))
    sources = [(c,) for c in corpora]
    if include_loco and len(corpora) > 2:  # with two corpora LOCO repeats the single ones
        sources += [tuple(c for c in corpora if c != out) for out in corpora]
    return sources


def source_name(train: Sequence[str], corpora: Sequence[str]) -> str:
    """A training source as tables show it: ``ravdess``, or ``all but savee`` (LOCO)."""
    train = list(train)
    if len(train) == 1:
        return train[0]
    left_out = [c for c in corpora if c not in train]
    return LOCO_PREFIX + ", ".join(left_out) if len(left_out) == 1 else "+".join(train)


def fold_name(k: int) -> str:
    """``fold3``: the ``{fold}`` wildcard of view ``k``."""
    return f"fold{int(k)}"


def lr_name(lr: float) -> str:
    """How an LR appears in run names: ``1e-05``."""
    return f"{float(lr):g}"


def lr_cv_run(fold: int, lr: float) -> str:
    """``fold{k}-lr{lr}``."""
    return f"{fold_name(fold)}-lr{lr_name(lr)}"


def lr_cv_runs(lr_grid: Sequence[float], folds: int) -> list[str]:
    """One run per LR of the grid and CV fold, LR-major."""
    return [lr_cv_run(k, lr) for lr in lr_grid for k in range(folds)]


def fold_runs(folds: int) -> list[str]:
    """``fold0`` ... of a k-fold experiment, ``[main]`` of a single split."""
    return [fold_name(k) for k in range(folds)] if folds > 1 else [MAIN]


def family_run(run: str, family: str) -> str:
    """Run of one family in a multi-family classic experiment: ``fold{k}-{family}``."""
    return f"{run_fold(run)}-{family}"


def seed_run(run: str, seed: int) -> str:
    """Run ``run`` repeated with ``seed``: ``fold0`` -> ``fold0-s1``, ``main`` -> ``main-s1``."""
    return f"{run}-s{int(seed)}"


def seeded_runs(runs: Sequence[str], seeds: Sequence[int]) -> list[str]:
    """Each run once per seed, seed-minor (``fold0-s0, fold0-s1, ...``); ``runs`` as they are
    without seeds (an experiment without ``seeds:`` keeps its run names)."""
    return [seed_run(r, s) for r in runs for s in seeds] if seeds else list(runs)


def split_seed(name: str) -> tuple[str, int | None]:
    """A run or variant without its seed part, and the seed: ``fold0-svm-s1`` -> (``fold0-svm``,
    1), variant ``s2`` -> ("", 2), variant ``svm-s2`` -> (``svm``, 2); (name, None) unseeded."""
    match = _SEEDED.match(name)
    if not match:
        return name, None
    return match["base"] or "", int(match["seed"])


def run_seed(run: str) -> int | None:
    """The seed of a repeat (``fold0-s2`` -> 2), None for a run of an experiment without seeds."""
    return split_seed(run)[1]


def parse_run(run: str) -> tuple[int, str]:
    """``fold3`` -> (3, ""), ``fold0-lr1e-05`` -> (0, "lr1e-05"), ``main``/``final`` -> (0, run)."""
    match = _FOLD_RUN.match(run)
    if match:
        return int(match["fold"]), match["variant"] or ""
    if "-" in run:  # e.g. main-knn: a single-split run of variant knn
        return 0, run.split("-", 1)[1]
    return 0, "" if run == MAIN else run


def parse_lr_run(run: str) -> tuple[int, float] | None:
    """``fold2-lr1e-05`` -> (2, 1e-05); None for runs that are not LR-CV runs."""
    m = _LR_RUN.match(run)
    return (int(m["fold"]), float(m["lr"])) if m else None


def run_fold_index(run: str) -> int:
    """Fold of a run: ``fold3``, ``fold3-knn``, ``fold3-lr1e-05`` -> 3; ``main``, ``final`` -> 0."""
    return parse_run(run)[0]


def run_fold(run: str) -> str:
    """Fold name of a run: main -> fold0, fold3 -> fold3, fold0-lr1e-05 -> fold0."""
    return fold_name(run_fold_index(run))


def view_fold(run: str) -> str:
    """The training view a run reads: LR-CV runs split fold0's training rows, others their fold."""
    return fold_name(0) if parse_lr_run(run) else run_fold(run)


def run_family(run: str, families: Sequence[str]) -> str:
    """The model family a classic run trains (the run's suffix for multi-family ones)."""
    families = list(families)
    if len(families) == 1:
        return families[0]
    suffix = split_seed(parse_run(run)[1])[0]
    if suffix not in families:
        raise ValueError(f"run {run}: no family {suffix!r} in {families}")
    return suffix


def __getattr__(name: str) -> Any:
    """Lists read from their one registry whenever they are read (registered entries included):
    ``FEATURESETS``, the named feature sets (``features: egemaps``;
    :func:`crossemo.features.upstreams.featuresets`), and ``CLASSIC_FAMILIES``,
    ``NEURAL_FAMILIES``, ``ENSEMBLE_FAMILIES``, ``FEATURE_FAMILIES``, ``SSL_FEATURE_FAMILIES``,
    ``TRANSCRIPT_FAMILIES``, family names in registry order (:mod:`crossemo.models.families`)."""
    if name == "FEATURESETS":
        from crossemo.features import upstreams

        return upstreams.featuresets()
    if name in _FAMILY_LISTS:
        from crossemo.models import families

        by, value = _FAMILY_LISTS[name]
        return families.names(value) if by == "kind" else families.needing(value)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def converted_encoder_name(source: str) -> str:
    """Folder name (under results/encoders/) of the CTranslate2 Whisper ``source`` converted to
    transformers: ``whisper-`` + the package name, or the folder's name + a hash of its path."""
    if "/" not in source and "\\" not in source:
        return f"whisper-{slug(source)}"
    stem = slug(Path(source).name) or "model"
    return f"whisper-{stem}-{hashlib.sha1(source.encode()).hexdigest()[:8]}"
