"""Trained runs on stressed test audio (rule predict_stressed): no retraining, the training job's
own test-prediction code path with the saved model loaded and the clean inputs swapped for the
stressed ones, so that the identity condition reproduces each run's predictions bit for bit.

- classic families: the run's ``model.joblib`` (standardiser, estimator) on the stressed
  feature shards, standardised and scored exactly as :func:`crossemo.models.classic.
  train_predict` scored its test rows (the rows of the run's own predictions, in their order);
- audio classifiers (finetune, block expansion, Whisper classifier): the saved folder on the
  stressed audio shards of the run's view's test rows, batched and fed as
  :func:`crossemo.models.skeleton.train_and_predict` fed them.

The output (STRESS_PREDICTIONS) is the predictions contract plus ``run`` and ``condition``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: families whose saved folder is a Hugging Face audio classifier fed from audio shards
AUDIO_CLASSIFIER_FAMILIES = ("finetune", "block_expansion")


class StressPredictionError(ValueError):
    """A run that cannot be scored on stressed audio; the message says which and why."""


def shard_key(path: str | Path) -> tuple[str, str]:
    """``(corpus folder, shard file)`` of an audio or feature shard path: what a clean shard and
    its stressed twin share."""
    path = Path(path)
    return path.parent.name, path.name


def swapped_shards(shards: pd.Series, stressed: Sequence[str | Path], where: str) -> pd.Series:
    """Each clean audio shard path replaced by its stressed twin among ``stressed``."""
    twins = {shard_key(p): str(p) for p in stressed}
    out = shards.map(lambda p: twins.get(shard_key(p)))
    if out.isna().any():
        missing = sorted(set(shards[out.isna()]))[:3]
        raise StressPredictionError(f"{where}: no stressed shard for {missing}: the plan's "
                                    "stressed shards must cover the test rows' shards")  # fmt: skip
    return out


# ---- classic -------------------------------------------------------------------------------
def classic_predictions(model_dir: str | Path, clean: pd.DataFrame, features: Sequence[str],
                        speakers: pd.Series, where: str) -> pd.DataFrame:  # fmt: skip
    """A classic run's predictions of its own test rows (``clean``: the run's predictions)
    from the stressed ``features`` shards (every set's, for an early-fusion run)."""
    import joblib

    from crossemo.features import read_features
    from crossemo.features.fusion import folders, is_fused, read_fused
    from crossemo.models.classic import _prediction_table, speaker_of
    from crossemo.models.classic_engine import CONFIG_FILE, MODEL_FILE
    from crossemo.models.layers import combine

    folder = Path(model_dir)
    folder = folder.parent if folder.name == MODEL_FILE else folder  # the model file's folder
    bundle = joblib.load(folder / MODEL_FILE)
    info = json.loads((folder / CONFIG_FILE).read_text())
    if info.get("layer_probe"):
        raise StressPredictionError(f"{where}: a layer_probe run is not scored under stress; "
                                    "leave `stress` off this experiment")  # fmt: skip
    if is_fused(info.get("features")):
        table = read_fused(list(features), folders(info["features"]))
    else:
        table = read_features(list(features))
        table = table.loc[~table.index.duplicated()]
    table = combine(table, bundle.get("layer_combination"))
    rows = clean[["utt_id", "corpus", "label"]].reset_index(drop=True)
    missing = sorted(set(rows["utt_id"]) - set(table.index))
    if missing:
        raise StressPredictionError(f"{where}: {len(missing)} test utterances missing from the "
                                    f"stressed features, e.g. {missing[:3]}")  # fmt: skip
    X_all = table.loc[rows["utt_id"], bundle["feature_names"]].to_numpy(dtype=np.float64)
    scaler = bundle["standardizer"]
    groups = None
    if scaler.by == "speaker":
        groups = speaker_of(rows["utt_id"], speakers)
    elif scaler.by == "corpus":
        groups = rows["corpus"]
    X = np.empty_like(X_all, dtype=np.float32)  # as train_predict: float32 after standardising
    X[:] = scaler.transform(X_all, groups)
    return _prediction_table(bundle["estimator"], X, rows, np.ones(len(rows), dtype=bool),
                             bundle["family"], bundle["classes"],
                             bundle["train_classes"])  # fmt: skip


# ---- audio classifiers ---------------------------------------------------------------------
def audio_predictions(model_dir: str | Path, view: str | Path, audio: Sequence[str],
                      where: str, threads: int | None = None) -> pd.DataFrame:  # fmt: skip
    """An audio classifier run's predictions of its view's test rows from the stressed
    ``audio`` shards, batched and fed as its training job predicted them."""
    from crossemo.models.data import load_audio_rows, read_view, to_audio_set
    from crossemo.models.finetune import audio_split, classifier_forward
    from crossemo.models.predict import RUN_FILE, load_classifier
    from crossemo.models.predictions import predictions_frame
    from crossemo.models.skeleton import PREDICT_SPLIT
    from crossemo.models.training import TrainSettings, configure_device, predict_proba

    folder = Path(model_dir)
    run_info = json.loads((folder / RUN_FILE).read_text())
    settings = TrainSettings.from_config(run_info.get("settings") or run_info.get("model"))
    rows = read_view(view, ["test"])
    rows["audio_shard"] = swapped_shards(rows["audio_shard"], audio, where)
    model, fe, classes = load_classifier(folder)
    aset = to_audio_set(rows, classes, load_audio_rows(rows, settings.max_seconds))
    device = configure_device(settings, threads)
    model.to(device)
    forward = classifier_forward(model, fe, {PREDICT_SPLIT: aset}, device, settings.seed)
    probs = predict_proba(model, forward, PREDICT_SPLIT, audio_split(aset), settings, device)
    return predictions_frame(aset.utt_ids, aset.corpora, aset.labels, probs, classes)


# ---- the job --------------------------------------------------------------------------------
def run_predictions(family: str, run: str, inputs: Mapping[str, Any], speakers: pd.Series,
                    where: str, threads: int | None = None) -> pd.DataFrame:  # fmt: skip
    """One run's stressed predictions, by its family's kind."""
    from crossemo.models import families

    kind = families.get(family).kind
    if kind == families.CLASSIC:
        clean = pd.read_parquet(inputs[f"predictions_{run}"])
        return classic_predictions(inputs[f"model_{run}"], clean, inputs["features"], speakers,
                                   where)  # fmt: skip
    if family in AUDIO_CLASSIFIER_FAMILIES:
        return audio_predictions(inputs[f"model_{run}"], inputs[f"view_{run}"], inputs["audio"],
                                 where, threads)  # fmt: skip
    raise StressPredictionError(f"{where}: family {family} is not scored under stress (classic "
                                f"families and {', '.join(AUDIO_CLASSIFIER_FAMILIES)} are); "
                                "leave `stress` off this experiment")  # fmt: skip


def predict_stressed(inputs: Mapping[str, Any], output: str | Path, *, experiment: str,
                     condition: str, runs: Mapping[str, str],
                     threads: int | None = None) -> pd.DataFrame:  # fmt: skip
    """Rule predict_stressed: every run of ``experiment`` (``runs``: run -> family) on the
    ``condition``'s stressed test inputs, in one table (STRESS_PREDICTIONS).

    ``inputs``: ``split`` (speakers of ``standardize: speaker`` runs), ``features`` (stressed
    feature shards; classic runs) or ``audio`` (stressed audio shards; audio classifiers), and
    per run ``model_<run>`` (folder), ``predictions_<run>`` (its own test predictions: the
    rows a classic run scores) and ``view_<run>`` (its training view: the rows an audio
    classifier scores)."""
    from crossemo.core.atomic import atomic_path
    from crossemo.models.predictions import Predictions

    split = pd.read_parquet(inputs["split"], columns=["utt_id", "speaker"])
    speakers = split.drop_duplicates("utt_id").set_index("utt_id")["speaker"]
    parts = []
    for run, family in runs.items():
        where = f"experiments.{experiment}.stress ({condition}, run {run})"
        table = run_predictions(family, run, inputs, speakers, where, threads)
        parts.append(Predictions.validate(table).assign(run=run, condition=condition))
        log.info("%s: %d test rows", where, len(table))
    out = pd.concat(parts, ignore_index=True)
    out = out[[c for c in out.columns if c not in ("run", "condition")] + ["run", "condition"]]
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(output) as tmp:
        out.to_parquet(tmp, index=False)
    return out
