"""``crossemo predict MODEL_DIR AUDIO...``: label and class probabilities of audio files.

Works on every saved audio-classification model directory of the workflow (fine-tuned and
block-expanded). The folder must be local (nothing is ever downloaded) and hold a trained head
and a label map; otherwise :class:`ModelFolderError` says what is wrong and what to do.

Every file is checked with ingestion's rules and reasons (:mod:`crossemo.audio.decode`:
``missing_file``, ``not_audio``, ``truncated`` ...; :mod:`crossemo.audio.preprocess`:
``non_finite_samples``, ``too_short``) and a file that fails becomes a record with its
``error`` reason instead of a label; the other files are still classified. A path that is not a
regular file (a FIFO, socket, device or directory) is refused by its type before anything opens
it (``not_regular_file``), and an unexpected failure of one file (``processing_failed``, e.g.
out of memory) never stops the others.

Long files: only the first ``max_seconds`` (default :data:`DEFAULT_MAX_SECONDS`) are decoded and
classified, so a two-hour recording costs what a 30 s clip costs. :class:`Predictor` answers
one file at a time, so a caller can write each answer as it comes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crossemo.audio.decode import INPUT_ERRORS, input_failure
from crossemo.audio.preprocess import Dropped
from crossemo.reasons import PROCESSING_FAILED

SAMPLE_RATE = 16000
#: seconds of a file classified by default: its first ones (the rest is never decoded)
DEFAULT_MAX_SECONDS = 30.0
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
    """Mono float32 at 16 kHz of the first ``max_seconds`` (None: all; only they are decoded);
    raises :class:`DecodeError` or :class:`Dropped` with ingestion's reason when the file cannot
    be used."""
    from crossemo.audio.decode import load
    from crossemo.audio.preprocess import check_min_duration, check_signal, resample

    samples, rate = load(path, end=max_seconds or None)  # file type checked before opening
    check_min_duration(len(samples) / rate, min_seconds)
    check_signal(samples)
    wave = resample(samples, rate, SAMPLE_RATE)
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
    """The prediction of one file, or its error reason (an unexpected failure, out of memory
    included, is ``processing_failed``: it never stops the other files)."""
    shortest = max(min_seconds, min_samples(model.config) / SAMPLE_RATE)
    try:
        wave = load_wave(path, max_seconds, shortest)
        probs = classify(model, fe, classes, wave)
    except Dropped as err:
        return Prediction(str(path), error=err.reason, detail=err.detail)
    except INPUT_ERRORS as err:  # ingestion's reasons (decode.input_failure)
        error, detail = input_failure(err)
        return Prediction(str(path), error=error, detail=detail)
    except Exception as err:  # noqa: BLE001 - one file's failure is its row, not the run's end
        return Prediction(str(path), error=PROCESSING_FAILED, detail=f"{type(err).__name__}: {err}")
    if not all(np.isfinite(p) for p in probs.values()):
        return Prediction(str(path), error=NON_FINITE_OUTPUT, detail="the model answered NaN")
    return Prediction(str(path), label=max(probs, key=probs.get), probs=probs)


class Predictor:
    """A loaded model folder that answers one file at a time (``predictor(path)``)."""

    def __init__(self, model_dir: str | Path, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                 min_seconds: float | None = None) -> None:  # fmt: skip
        if max_seconds is not None and not max_seconds > 0:
            raise ValueError(f"max_seconds must be > 0 (got {max_seconds})")
        self.model, self.fe, self.classes = load_classifier(model_dir)
        self.max_seconds = max_seconds
        self.min_seconds = default_min_seconds() if min_seconds is None else min_seconds

    def __call__(self, path: str | Path) -> Prediction:
        return predict_one(self.model, self.fe, self.classes, path, self.max_seconds,
                           self.min_seconds)  # fmt: skip

    def each(self, paths: Iterable[str | Path]) -> Iterator[Prediction]:
        """One :class:`Prediction` per file, in order, each as soon as it is made."""
        return (self(path) for path in paths)


def predict_files(model_dir: str | Path, paths: list[str | Path],
                  max_seconds: float | None = DEFAULT_MAX_SECONDS,
                  min_seconds: float | None = None) -> list[Prediction]:  # fmt: skip
    """One :class:`Prediction` per file, in order (``min_seconds``: default ingestion's)."""
    return list(Predictor(model_dir, max_seconds, min_seconds).each(paths))


@dataclass(frozen=True)
class TableLayout:
    """Column widths of the text table, fixed before the first row so rows print as they come:
    file, label, one column per class, error."""

    classes: list[str]
    file_width: int
    label_width: int

    @classmethod
    def of(cls, classes: list[str], files: Iterable[str]) -> TableLayout:
        width = max([len("file"), *(len(str(f)) for f in files)])
        return cls(list(classes), width, max([len("label"), *(len(c) for c in classes)]))

    def header(self) -> list[str]:
        head = f"{'file':<{self.file_width}}  {'label':<{self.label_width}}  "
        head += "".join(f"{c:>10}  " for c in self.classes) + "error"
        return [head, "-" * len(head)]

    def row(self, r: Prediction) -> str:
        if r.error is None:
            cells = "".join(f"{r.probs[c]:>10.4f}  " for c in self.classes)
        else:
            cells = "".join(f"{'-':>10}  " for _ in self.classes) + r.error
        return (
            f"{r.file:<{self.file_width}}  {r.label or '-':<{self.label_width}}  {cells}".rstrip()
        )


def format_table(records: list[Prediction], classes: list[str] | None = None) -> str:
    """The text table of ``records`` (``classes``: default the first answered record's)."""
    if not records:
        return ""
    if classes is None:
        classes = next((list(r.probs) for r in records if r.error is None), [])
    layout = TableLayout.of(classes, [r.file for r in records])
    return "\n".join([*layout.header(), *(layout.row(r) for r in records)])
