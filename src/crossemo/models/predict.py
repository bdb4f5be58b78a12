"""``crossemo predict MODEL_DIR AUDIO...``: label and class probabilities of audio files.

Works on every saved audio-classification model directory of the workflow (fine-tuned and
block-expanded). The folder must be local (nothing is ever downloaded) and hold a trained head
and a label map; otherwise :class:`ModelFolderError` says what is wrong and what to do.

Every file is checked with ingestion's rules and reasons (:mod:`crossemo.audio.decode`:
``missing_file``, ``not_audio``, ``truncated`` ...; :mod:`crossemo.audio.preprocess`:
``non_finite_samples``, ``too_short``) and a file that fails becomes a record with its
``error`` reason instead of a label; the other files are still classified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crossemo.audio.decode import DecodeError
from crossemo.audio.preprocess import Dropped

SAMPLE_RATE = 16000
#: a clip whose probabilities are not finite (a broken model) gets this error
NON_FINITE_OUTPUT = "non_finite_output"
_DEFAULT_LABEL = re.compile(r"^LABEL_\d+$")


class ModelFolderError(ValueError):
    """A model folder ``crossemo predict`` cannot use."""


@dataclass
class Prediction:
    """The answer for one file: a label and probabilities, or an error reason."""

    file: str
    label: str | None = None
    probs: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    detail: str = ""

    def as_dict(self) -> dict:
        if self.error is not None:
            return {"file": self.file, "error": self.error, "detail": self.detail}
        return {"file": self.file, "label": self.label, "probs": self.probs}


def default_min_seconds() -> float:
    """Ingestion's minimum clip duration (``preprocess.min_duration``'s default)."""
    from crossemo.audio.preprocess import PreprocessSettings

    return PreprocessSettings.min_duration


def load_wave(path: str | Path, max_seconds: float | None = None,
              min_seconds: float = 0.0) -> np.ndarray:  # fmt: skip
    """Mono float32 at 16 kHz; raises :class:`DecodeError` or :class:`Dropped` with
    ingestion's reason when the file cannot be used."""
    from crossemo.audio.decode import load
    from crossemo.audio.preprocess import check_min_duration, check_signal, resample

    samples, rate = load(path)
    check_signal(samples)
    wave = resample(samples, rate, SAMPLE_RATE)
    check_min_duration(len(wave) / SAMPLE_RATE, min_seconds)
    if max_seconds:
        wave = wave[: int(max_seconds * SAMPLE_RATE)]
    return np.ascontiguousarray(wave, dtype=np.float32)


def model_classes(model_dir: Path, num_labels: int) -> list[str]:
    """The class names of a saved model; :class:`ModelFolderError` without a label map."""
    from crossemo.models.stages import read_label_map

    classes = read_label_map(model_dir)
    if not classes or all(_DEFAULT_LABEL.match(c) for c in classes):
        raise ModelFolderError(
            f"{model_dir}: no label map (no label_map.json, and config.json's id2label holds only "
            "LABEL_0 ...): the folder was not written by a training rule; use a trained model "
            "folder (results/models/<experiment>/<run>)"
        )
    if len(classes) != num_labels:
        raise ModelFolderError(
            f"{model_dir}: the label map names {len(classes)} classes, the model has {num_labels}"
            " outputs; the folder mixes two models: retrain or copy the folder again"
        )
    return classes


def load_classifier(model_dir: str | Path):
    """``(model, feature_extractor, classes)`` of a local trained model folder (ExHuBERT
    registered); :class:`ModelFolderError` when it is not one. Never reaches a network."""
    from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

    import crossemo.models.block_expansion  # noqa: F401  (registers model_type exhubert)

    folder = Path(model_dir)
    if not folder.is_dir():
        raise ModelFolderError(
            f"{model_dir}: no such folder; crossemo predict needs a local model folder written "
            "by a training rule (results/models/<experiment>/<run>) and never downloads models"
        )
    if not (folder / "config.json").is_file():
        raise ModelFolderError(f"{folder}: no config.json (not a saved model folder)")
    try:
        model, info = AutoModelForAudioClassification.from_pretrained(
            str(folder), local_files_only=True, output_loading_info=True)  # fmt: skip
        fe = AutoFeatureExtractor.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as err:
        raise ModelFolderError(f"{folder}: cannot be loaded as an audio classifier: {err}") from err
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        raise ModelFolderError(
            f"{folder}: no trained classification head (weights not in the folder: "
            f"{', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}); it holds an encoder "
            "only: train a model with the workflow and use its results/models/... folder"
        )
    model.eval()
    return model, fe, model_classes(folder, model.config.num_labels)


def min_samples(config) -> int:
    """The shortest input (samples) the model's convolutional feature encoder accepts."""
    n = 1
    kernels, strides = getattr(config, "conv_kernel", ()), getattr(config, "conv_stride", ())
    for kernel, stride in reversed(list(zip(kernels, strides, strict=False))):
        n = (n - 1) * stride + kernel
    return n


def classify(model, fe, classes: list[str], wave: np.ndarray) -> dict[str, float]:
    """Class probabilities of one clip."""
    import torch

    with torch.no_grad():
        probs = torch.softmax(clip_logits(model, fe, wave)[0].float(), -1)
    return {c: float(p) for c, p in zip(classes, probs.tolist(), strict=True)}


def clip_logits(model, fe, wave: np.ndarray):
    """Logits ``[1, labels]`` of one clip, fed as the model was trained: waveform (HuBERT ...),
    the Whisper input crossemo trained it on, or a 30 s window (a Whisper trained elsewhere)."""
    from crossemo.models import whisper_classifier as wc
    from crossemo.models.data import collate

    if wc.is_whisper(model):
        mode = getattr(model.config, wc.INPUT_ATTRIBUTE, None)
        if mode is not None:
            return wc.logits(model, wc.WhisperInput.from_extractor(fe, mode)([wave]))
        features = fe(wave, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features
        return model(input_features=features).logits
    values, mask = collate([wave], do_normalize=getattr(fe, "do_normalize", True))
    kwargs = {"attention_mask": mask} if getattr(fe, "return_attention_mask", True) else {}
    return model(input_values=values, **kwargs).logits


def predict_one(model, fe, classes: list[str], path: str | Path, max_seconds: float | None,
                min_seconds: float) -> Prediction:  # fmt: skip
    """The prediction of one file, or its error reason."""
    shortest = max(min_seconds, min_samples(model.config) / SAMPLE_RATE)
    try:
        wave = load_wave(path, max_seconds, shortest)
    except (DecodeError, Dropped) as err:
        return Prediction(str(path), error=err.reason, detail=err.detail)
    probs = classify(model, fe, classes, wave)
    if not all(np.isfinite(p) for p in probs.values()):
        return Prediction(str(path), error=NON_FINITE_OUTPUT, detail="the model answered NaN")
    return Prediction(str(path), label=max(probs, key=probs.get), probs=probs)


def predict_files(model_dir: str | Path, paths: list[str | Path], max_seconds: float | None = None,
                  min_seconds: float | None = None) -> list[Prediction]:  # fmt: skip
    """One :class:`Prediction` per file, in order (``min_seconds``: default ingestion's)."""
    model, fe, classes = load_classifier(model_dir)
    floor = default_min_seconds() if min_seconds is None else min_seconds
    return [predict_one(model, fe, classes, p, max_seconds, floor) for p in paths]


def format_table(records: list[Prediction]) -> str:
    """A text table: file, label, one column per class and, if a file failed, its error."""
    if not records:
        return ""
    classes = next((list(r.probs) for r in records if r.error is None), [])
    width = max(len("file"), *(len(r.file) for r in records))
    lab_w = max(len("label"), *(len(r.label or "-") for r in records))
    failed = any(r.error is not None for r in records)
    head = f"{'file':<{width}}  {'label':<{lab_w}}  " + "  ".join(f"{c:>10}" for c in classes)
    head += "  error" if failed else ""
    lines = [head.rstrip(), "-" * len(head.rstrip())]
    for r in records:
        if r.error is None:
            cells = "  ".join(f"{r.probs[c]:>10.4f}" for c in classes)
        else:
            cells = "  ".join(f"{'-':>10}" for _ in classes) + f"  {r.error}"
        lines.append(f"{r.file:<{width}}  {r.label or '-':<{lab_w}}  {cells}".rstrip())
    return "\n".join(lines)
