"""The classic engine's jobs (:data:`crossemo.models.families.ENGINES`): rule train_classic's run
of any classic family end to end (features read, fused or not; :func:`crossemo.models.classic.
train_predict` or layer probing, :mod:`crossemo.models.layer_probe`; the model, its config and its
predictions written) and :func:`load`, a saved run as ``crossemo predict`` uses it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.names import (
    CLASSIC_EXPERIMENT_KEYS,
    job_keys,
    run_fold_index,
)
from crossemo.features.fusion import (
    block_scale,
    folders,
    is_fused,
    prefixed,
    read_fused,
    specs,
)
from crossemo.models import families
from crossemo.models.classic import ClassicConfig, _prediction_table, train_predict
from crossemo.models.layer_probe import train_predict_by_layer
from crossemo.models.layers import combine, summary
from crossemo.models.loco import TooFewCorpora
from crossemo.models.predictions import scheme_classes, write_label_map, write_predictions

log = logging.getLogger(__name__)


def save_model(bundle: dict, model_path: str | Path, label_map_path: str | Path,
               config_path: str | Path, run_config: dict) -> None:  # fmt: skip
    """``model.joblib`` + ``label_map.json`` (:func:`crossemo.models.predictions.label_map`)
    + ``config.json`` of the run (what :func:`load` needs: family, features, standardize)."""
    import joblib

    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, model_path)
    write_label_map(label_map_path, bundle["classes"])
    info = run_config | {"selection": bundle["selection"], "family": bundle["family"],
                         "n_features": len(bundle["feature_names"])}  # fmt: skip
    if "layers" in bundle:  # layer_probe: the chosen layer, every layer's selection/test UAR
        info |= {"layer": bundle["layer"], "layers": bundle["layers"]}
    if "layer_combination" in bundle:  # the spec with the learnt weights (or concat scales)
        spec = info.get("layer_combination") or {}
        info["layer_combination"] = spec | summary(bundle["layer_combination"])
    Path(config_path).write_text(json.dumps(info, indent=2, default=str) + "\n")


def train_classic_run(*, view_path, split_path, scheme_path, feature_paths, augmented_path,
                      experiment: dict, family: str, name: str, run: str, outputs: dict,
                      threads: int = 1) -> pd.DataFrame:  # fmt: skip
    """Rule train_classic: one run (fold x family) of a classic experiment, end to end."""
    from crossemo.features import read_features

    experiment = job_keys(experiment, CLASSIC_EXPERIMENT_KEYS)  # what the rule's params hold
    fold = run_fold_index(run)
    classes = scheme_classes(scheme_path)
    view = pd.read_parquet(view_path)
    split = pd.read_parquet(split_path)
    split = split[split["fold"] == fold]
    if not (view["split"] == "test").any():  # views may hold training rows only
        test = split[split["split"] == "test"][["utt_id", "corpus", "label", "split"]]
        view = pd.concat([view, test.assign(weight=1.0)], ignore_index=True)
    paths = list(feature_paths)
    if augmented_path:  # one file, or one per fused feature set
        paths += [augmented_path] if isinstance(augmented_path, str | Path) else augmented_path
    if is_fused(experiment.get("features")):  # early fusion: every set's columns, per utterance
        features = read_fused(paths, folders(experiment["features"]))
    else:
        features = read_features(paths)
        features = features.loc[~features.index.duplicated()]
    by_utt = split.drop_duplicates("utt_id").set_index("utt_id")
    speakers = by_utt["speaker"]
    groups = by_utt["group"] if "group" in by_utt else speakers  # leakage units (a search's)
    cfg = ClassicConfig.from_config(
        experiment.get("model", {}), family, experiment.get("standardize", "global"),
        experiment.get("seed", 0), experiment.get("search"),
    )  # fmt: skip
    if is_fused(experiment.get("features")):  # each set's block weighed after standardisation
        cfg.fused_sets = tuple(folders(experiment["features"]))
        cfg.block_scale = block_scale(experiment.get("fusion"))
    log.info("%s/%s: %s on %d rows (%s), standardize=%s", name, run, family, len(view),
             view["split"].value_counts().to_dict(), cfg.standardize)  # fmt: skip
    try:
        if cfg.layer_probe:
            bundle, predictions = train_predict_by_layer(view, features, cfg, classes, speakers,
                                                         threads)  # fmt: skip
        else:
            bundle, predictions = train_predict(view, features, cfg, classes, speakers, threads,
                                                groups)  # fmt: skip
    except TooFewCorpora as err:
        raise ValueError(f"experiments.{name}.model.select_on (run {run}): {err}") from None
    dev_predictions = bundle.pop("dev_predictions")  # the saved model's own, not a twin's
    search = bundle.pop("search", None)  # the trials and the chosen settings, in config.json
    run_config = {"experiment": name, "run": run, "fold": fold, "features":
                  experiment.get("features"), "standardize": cfg.standardize, "seed": cfg.seed,
                  "params": cfg.params, "grid": cfg.grid,
                  "layer_probe": cfg.layer_probe,
                  "layer_combination": cfg.layer_combination}  # fmt: skip
    if search is not None:
        run_config["search"] = search
    if is_fused(experiment.get("features")):
        run_config["block_scale"] = block_scale(experiment.get("fusion"))
    save_model(bundle, outputs["model"], outputs["label_map"], outputs["config"], run_config)
    write_predictions(predictions, outputs["predictions"])
    if outputs.get("dev_predictions"):  # header-only for a view without dev rows
        write_predictions(dev_predictions, outputs["dev_predictions"])
    return predictions


# ---- the engine of the classic kind (crossemo.models.families.Family.train / .load) ----------
def train(family: families.Family, job: families.TrainJob) -> pd.DataFrame:
    """Rule train_classic's job for ``family`` (:class:`crossemo.models.families.TrainJob`); a
    repeat over seeds with its seed (:func:`crossemo.models.repeats.repeat`)."""
    from crossemo.models.repeats import repeat

    with repeat(job, neural=False) as prepared:
        return _train(family, prepared)


def _train(family: families.Family, job: families.TrainJob) -> pd.DataFrame:
    inputs = job.inputs
    return train_classic_run(
        view_path=inputs["view"], split_path=inputs["split"], scheme_path=inputs["scheme"],
        feature_paths=list(inputs["features"]), augmented_path=inputs.get("augmented"),
        experiment=dict(job.experiment), family=family.name, name=job.name, run=job.run,
        outputs=dict(job.outputs), threads=int(job.threads or 1),
    )  # fmt: skip


#: files of a saved classic run (rule train_classic's outputs)
MODEL_FILE, CONFIG_FILE = "model.joblib", "config.json"


def load(family: families.Family, folder: Path) -> ClassicModel:
    """The classic run saved in ``folder`` (``model.joblib`` + ``config.json``)."""
    import joblib

    bundle = joblib.load(folder / MODEL_FILE)
    info = json.loads((folder / CONFIG_FILE).read_text())
    if bundle.get("family") != family.name:
        raise ValueError(f"{folder}: a {bundle.get('family')} model, not {family.name}")
    if info.get("features") is None:
        raise ValueError(f"{folder}/{CONFIG_FILE}: no `features` (which feature set the run used)")
    return ClassicModel(bundle, info["features"])


class ClassicModel:
    """A saved classic run as ``crossemo predict`` uses it (a
    :class:`crossemo.models.families.Model`):
    each clip's features of the run's feature set, standardised as the run standardised its test
    rows and classified by the estimator. A run standardised by corpus or speaker normalised
    each test corpus with its own statistics: here the clips given are that corpus (``joint``),
    so give several clips of one recording condition."""

    needs_text = False
    min_samples = 1

    def __init__(self, bundle: dict, featureset) -> None:
        self.bundle = bundle
        self.featureset = featureset
        self.classes = [str(c) for c in bundle["classes"]]
        self.joint = bundle["standardizer"].by in ("corpus", "speaker")
        self._extract: dict[int, object] = {}  # each feature set's extractor, made once

    def _features(self, waves: list[np.ndarray]) -> pd.DataFrame:
        """The clips' features as the run read them: one set's, or (``features:`` a list) every
        set's, columns named as in :func:`crossemo.features.fusion.fuse`."""
        if not is_fused(self.featureset):
            return self._set_features(0, self.featureset, waves)
        sets = zip(specs(self.featureset), folders(self.featureset), strict=True)
        frames = [prefixed(self._set_features(i, spec, waves), folder)
                  for i, (spec, folder) in enumerate(sets)]  # fmt: skip
        return pd.concat(frames, axis=1)

    def _set_features(self, i: int, spec, waves: list[np.ndarray]) -> pd.DataFrame:
        from crossemo.features import extractor
        from crossemo.models.data import SAMPLE_RATE

        if i not in self._extract:
            if isinstance(spec, dict):
                from crossemo.features.upstreams.whisper.features import WhisperExtractor

                self._extract[i] = WhisperExtractor(spec)
            else:
                self._extract[i] = extractor(spec)
        fx = self._extract[i]
        if isinstance(spec, dict):  # configured (Whisper): the clips together
            return pd.DataFrame(fx(waves), columns=fx.names)
        rows = [fx(w, SAMPLE_RATE) for w in waves]
        return pd.DataFrame(np.vstack(rows).astype(np.float32), columns=list(fx.names))

    def prepare(self, wave: np.ndarray, text: str | None = None) -> np.ndarray:
        return np.asarray(wave, dtype=np.float32)

    def predict(self, prepared) -> tuple[list[str], np.ndarray]:
        """``(labels, probabilities)`` of the prepared clips, as the run predicted its test rows."""
        b = self.bundle
        frame = combine(self._features(list(prepared)), b.get("layer_combination"))
        X = frame[b["feature_names"]].to_numpy(dtype=np.float64)
        groups = ["clips"] * len(X) if self.joint else None
        X = b["standardizer"].transform(X, groups)
        view = pd.DataFrame({"utt_id": [str(i) for i in range(len(X))], "corpus": "clips",
                             "label": self.classes[0]})  # fmt: skip
        table = _prediction_table(b["estimator"], X, view, np.ones(len(X), dtype=bool),
                                  b["family"], self.classes, b["train_classes"])  # fmt: skip
        probs = table[[f"prob_{c}" for c in self.classes]].to_numpy(dtype=np.float64)
        return table["pred"].tolist(), probs
