"""Backbone block expansion (ExHuBERT): a copy of every encoder layer behind a zero-initialised
linear layer and a skip connection trains, the original layers stay frozen
(:mod:`crossemo.models.block_expansion`).

Trained like ``finetune`` (LR cross-validation, ``init_from`` an earlier stage); the folder is a
``save_pretrained`` directory of the registered ``exhubert`` model type.
"""

from __future__ import annotations

from crossemo.models.families import keys

KEYS = {
    **keys.ENCODER,
    **keys.CONFIG_OVERRIDES,
    **keys.TRAINING,
    **keys.LR_CV,
    **keys.INIT_FROM,
    **keys.COPIES,
    **keys.NEURAL_RESOURCES,
}
DEFAULTS = keys.LR_CV_DEFAULTS


def build_model(model_cfg, classes, settings):
    """The HuBERT classifier for ``classes``, block-expanded (``copies`` per layer)."""
    from crossemo.models.block_expansion import build_expanded_classifier

    updates = dict(model_cfg.get("config_overrides") or {})
    return build_expanded_classifier(model_cfg.get("encoder"), classes,
                                     copies=int(model_cfg.get("copies", 1)), **updates)  # fmt: skip


def fit(run) -> None:
    """Train one run (:class:`crossemo.models.run.NeuralRun`): an LR-CV fold or the whole view."""
    from crossemo.models.lr_cv import fit_run

    fit_run(run)


def load(folder):
    """The saved block-expanded classifier in ``folder`` (model type ``exhubert``)."""
    import crossemo.models.block_expansion  # noqa: F401  (registers model type exhubert)
    from crossemo.models.predict import AudioClassifierModel

    return AudioClassifierModel.load(folder)
