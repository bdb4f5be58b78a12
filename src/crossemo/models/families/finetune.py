"""Fine-tuning of a Hugging Face audio encoder (HuBERT, WavLM, wav2vec2, Whisper ...) with a
mean-pooling classification head, in full or in its top layers (:mod:`crossemo.models.finetune`).

Optionally with a learning rate chosen by cross-validation (``lr_grid``, :mod:`crossemo.models
.lr_cv`) and from an earlier experiment's trained model (``init_from``, :mod:`crossemo.models
.stages`). The model folder is ``save_pretrained`` output with the feature extractor:
``crossemo predict`` and ``transformers.pipeline("audio-classification")`` load it.
"""

from __future__ import annotations

from crossemo.models.families import keys

KEYS = {
    **keys.ENCODER,
    **keys.CONFIG_OVERRIDES,
    **keys.TRAINING,
    **keys.LR_CV,
    **keys.INIT_FROM,
    **keys.WHISPER_INPUT,
    **keys.NEURAL_RESOURCES,
}
DEFAULTS = keys.LR_CV_DEFAULTS
#: added to the family's schema block: its own ``whisper_input`` values
SCHEMA = {"allOf": [keys.whisper_input_rule("finetune")]}


def build_model(model_cfg, classes, settings):
    """The encoder with a new head for ``classes``, trainable as ``finetune_layers`` says."""
    from crossemo.models.finetune import build_finetuned

    return build_finetuned(model_cfg, classes, settings)


def fit(run) -> None:
    """Train one run (:class:`crossemo.models.run.NeuralRun`): an LR-CV fold or the whole view."""
    from crossemo.models.lr_cv import fit_run

    fit_run(run)


def load(folder):
    """The saved audio classifier in ``folder``."""
    from crossemo.models.predict import AudioClassifierModel

    return AudioClassifierModel.load(folder)
