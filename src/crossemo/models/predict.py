"""``crossemo predict MODEL_DIR AUDIO...``: label and class probabilities of audio files.

Works on every model folder a training rule writes, of any family: the folder's family
(:func:`family_of`) loads it (:meth:`crossemo.models.families.Family.load`) and answers as a
:class:`crossemo.models.families.Model`: a fine-tuned or block-expanded audio classifier
(:class:`AudioClassifierModel`), a classic run (the run's feature set extracted from the audio),
a head on frozen encoder features (the encoder rebuilt from the run's settings) or a speech+text
model (each file's transcript given, or made by the Whisper the run's transcripts came from).
The folder must be local (nothing is ever downloaded) and hold a trained model and a label map;
otherwise :class:`ModelFolderError` says what is wrong and what to do.

Every file is checked with ingestion's rules and reasons (:mod:`crossemo.audio.decode`:
``missing_file``, ``not_audio``, ``truncated`` ...; :mod:`crossemo.audio.preprocess`:
``non_finite_samples``, ``too_short``) and a file that fails becomes a record with its
``error`` reason instead of a label; the other files are still classified. A path that is not a
regular file (a FIFO, socket, device or directory) is refused by its type before anything opens
it (``not_regular_file``), and an unexpected failure of one file (``processing_failed``, e.g.
out of memory) never stops the others.

Long files: only the first ``max_seconds`` (default :data:`DEFAULT_MAX_SECONDS`) are decoded and
classified, so a two-hour recording costs what a 30 s clip costs. :class:`Predictor` answers
one file at a time, so a caller can write each answer as it comes (a classic run standardised
per corpus answers the files together: their statistics normalise them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crossemo.audio.decode import INPUT_ERRORS, input_failure
from crossemo.audio.preprocess import Dropped
from crossemo.core.names import PREDICT_MAX_SECONDS
from crossemo.core.reasons import PROCESSING_FAILED

SAMPLE_RATE = 16000
#: seconds of a file classified by default: its first ones (the rest is never decoded)
DEFAULT_MAX_SECONDS = PREDICT_MAX_SECONDS
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
    from crossemo.models.predictions import read_label_map

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


#: files that tell which family wrote a folder
RUN_FILE = "crossemo_run.json"  # neural runs (crossemo.models.skeleton.RUN_FILE)
CLASSIC_MODEL_FILE = "model.joblib"  # classic runs (crossemo.models.classic_engine.MODEL_FILE)


def family_of(folder: str | Path):
    """The family that wrote ``folder``: a classic run's ``config.json`` names it, a neural
    run's ``crossemo_run.json`` holds its model, an ensemble run's ``config.json`` names it; a
    bare ``save_pretrained`` audio classifier is read as ``finetune``. :class:`ModelFolderError`
    when the folder is none of these."""
    from crossemo.models import families

    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFolderError(
            f"{folder}: no such folder; crossemo predict needs a local model folder written "
            "by a training rule (results/models/<experiment>/<run>) and never downloads models"
        )
    try:
        if (folder / CLASSIC_MODEL_FILE).is_file():
            name = json.loads((folder / "config.json").read_text()).get("family")
        elif (folder / RUN_FILE).is_file():
            name = (json.loads((folder / RUN_FILE).read_text()).get("model") or {}).get("family")
        elif (folder / "config.json").is_file():
            # an ensemble run's config.json names its family; else an HF audio classifier saved
            # without the run's files
            name = json.loads((folder / "config.json").read_text()).get("family") or "finetune"
        else:
            raise ModelFolderError(
                f"{folder}: no config.json, {RUN_FILE} or {CLASSIC_MODEL_FILE} (not a saved model "
                "folder); use a folder a training rule wrote (results/models/<experiment>/<run>)"
            )
    except (OSError, json.JSONDecodeError, AttributeError) as err:
        raise ModelFolderError(f"{folder}: unreadable run files ({err})") from err
    try:
        return families.get(name)
    except ValueError as err:
        raise ModelFolderError(f"{folder}: {err}") from err


def load_model(model_dir: str | Path):
    """The :class:`crossemo.models.families.Model` of a local trained model folder, loaded by
    the family that wrote it; :class:`ModelFolderError` when it cannot be used."""
    family = family_of(model_dir)
    try:
        return family.load(Path(model_dir))
    except ModelFolderError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise ModelFolderError(
            f"{model_dir}: cannot be loaded as a {family.name} model: {err}"
        ) from err


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
    from crossemo.features.upstreams.whisper import inputs as wi
    from crossemo.models import whisper_classifier as wc
    from crossemo.models.data import collate

    if wc.is_whisper(model):
        mode = getattr(model.config, wi.INPUT_ATTRIBUTE, None)
        if mode is not None:
            return wc.logits(model, wi.WhisperInput.from_extractor(fe, mode)([wave]))
        features = fe(wave, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features
        return model(input_features=features).logits
    values, mask = collate([wave], do_normalize=getattr(fe, "do_normalize", True))
    kwargs = {"attention_mask": mask} if getattr(fe, "return_attention_mask", True) else {}
    return model(input_values=values, **kwargs).logits


def softmax_labels(classes: Sequence[str], probs: np.ndarray) -> list[str]:
    """The most probable class of each row."""
    return [classes[int(i)] for i in np.asarray(probs).argmax(axis=1)]


class AudioClassifierModel:
    """A saved audio classifier (families finetune and block_expansion) as a
    :class:`crossemo.models.families.Model`: each clip fed as the model was trained."""

    needs_text = False
    joint = False

    def __init__(self, model, fe, classes: list[str]) -> None:
        self.model, self.fe, self.classes = model, fe, classes
        self.min_samples = min_samples(model.config)

    @classmethod
    def load(cls, folder: str | Path) -> AudioClassifierModel:
        return cls(*load_classifier(folder))

    def prepare(self, wave: np.ndarray, text: str | None = None) -> np.ndarray:
        return wave

    def predict(self, prepared: Sequence[np.ndarray]) -> tuple[list[str], np.ndarray]:
        probs = np.array([list(classify(self.model, self.fe, self.classes, w).values())
                          for w in prepared], dtype=np.float64)  # fmt: skip
        return softmax_labels(self.classes, probs), probs


def _failure(path: str | Path, err: BaseException) -> Prediction:
    """The error record of a file that could not be classified."""
    if isinstance(err, Dropped):
        return Prediction(str(path), error=err.reason, detail=err.detail)
    if isinstance(err, INPUT_ERRORS):  # ingestion's reasons (decode.input_failure)
        error, detail = input_failure(err)
        return Prediction(str(path), error=error, detail=detail)
    return Prediction(str(path), error=PROCESSING_FAILED, detail=f"{type(err).__name__}: {err}")


def _answer(path: str | Path, classes: Sequence[str], label: str, probs: np.ndarray) -> Prediction:
    if not np.isfinite(probs).all():
        return Prediction(str(path), error=NON_FINITE_OUTPUT, detail="the model answered NaN")
    return Prediction(str(path), label=str(label),
                      probs={c: float(p) for c, p in zip(classes, probs, strict=True)})  # fmt: skip


def predict_one(model, fe, classes: list[str], path: str | Path, max_seconds: float | None,
                min_seconds: float) -> Prediction:  # fmt: skip
    """The prediction of one file by an audio classifier, or its error reason (an unexpected
    failure, out of memory included, is ``processing_failed``: it never stops the other files)."""
    shortest = max(min_seconds, min_samples(model.config) / SAMPLE_RATE)
    try:
        wave = load_wave(path, max_seconds, shortest)
        probs = classify(model, fe, classes, wave)
    except Exception as err:  # noqa: BLE001 - one file's failure is its row, not the run's end
        return _failure(path, err)
    if not all(np.isfinite(p) for p in probs.values()):
        return Prediction(str(path), error=NON_FINITE_OUTPUT, detail="the model answered NaN")
    return Prediction(str(path), label=max(probs, key=probs.get), probs=probs)


class Predictor:
    """A loaded model folder, of any family, that answers one file at a time
    (``predictor(path)``; ``texts``: the transcript of each file, for a speech+text model)."""

    def __init__(self, model_dir: str | Path, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                 min_seconds: float | None = None,
                 texts: Mapping[str, str] | None = None) -> None:  # fmt: skip
        if max_seconds is not None and not max_seconds > 0:
            raise ValueError(f"max_seconds must be > 0 (got {max_seconds})")
        self.model = load_model(model_dir)
        self.classes = list(self.model.classes)
        self.max_seconds = max_seconds
        self.min_seconds = default_min_seconds() if min_seconds is None else min_seconds
        self.texts = {str(k): v for k, v in (texts or {}).items()}
        if self.model.needs_text and not self.texts:
            problem = getattr(self.model, "transcriber_problem", lambda: "no transcriber")()
            if problem:
                raise ModelFolderError(
                    f"{model_dir}: a speech+text model reads a transcript of each file: give "
                    f"them (crossemo predict --text TEXT, once per file in order), or make "
                    f"Whisper available: {problem}"
                )

    def _prepared(self, path: str | Path):
        shortest = max(self.min_seconds, self.model.min_samples / SAMPLE_RATE)
        wave = load_wave(path, self.max_seconds, shortest)
        return self.model.prepare(wave, self.texts.get(str(path)))

    def __call__(self, path: str | Path) -> Prediction:
        try:
            labels, probs = self.model.predict([self._prepared(path)])
        except Exception as err:  # noqa: BLE001 - one file's failure is its row, not the run's end
            return _failure(path, err)
        return _answer(path, self.classes, labels[0], probs[0])

    def each(self, paths: Iterable[str | Path]) -> Iterator[Prediction]:
        """One :class:`Prediction` per file, in order, each as soon as it is made (all together
        for a model that answers its clips jointly)."""
        if not self.model.joint:
            return (self(path) for path in paths)
        return iter(self._jointly(list(paths)))

    def _jointly(self, paths: list[str | Path]) -> list[Prediction]:
        records: list[Prediction | None] = [None] * len(paths)
        ready: dict[int, object] = {}
        for i, path in enumerate(paths):
            try:
                ready[i] = self._prepared(path)
            except Exception as err:  # noqa: BLE001 - one file's failure is its row
                records[i] = _failure(path, err)
        if ready:
            try:
                labels, probs = self.model.predict(list(ready.values()))
                for k, i in enumerate(ready):
                    records[i] = _answer(paths[i], self.classes, labels[k], probs[k])
            except Exception as err:  # noqa: BLE001 - the group failed: each file says why
                for i in ready:
                    records[i] = _failure(paths[i], err)
        return records  # type: ignore[return-value]


def predict_files(model_dir: str | Path, paths: list[str | Path],
                  max_seconds: float | None = DEFAULT_MAX_SECONDS,
                  min_seconds: float | None = None,
                  texts: Mapping[str, str] | None = None) -> list[Prediction]:  # fmt: skip
    """One :class:`Prediction` per file, in order (``min_seconds``: default ingestion's)."""
    return list(Predictor(model_dir, max_seconds, min_seconds, texts).each(paths))


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
