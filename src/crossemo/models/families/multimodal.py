"""Speech + text (the multimodal paper): an audio encoder on the waveform and a BERT-like text
encoder on the Whisper transcript, mean-pooled, concatenated and classified by one linear layer
(:mod:`crossemo.models.multimodal`).

The folder holds both encoders (``audio/``, ``text/``) and the layer (``head.pt``); ``crossemo
predict`` needs each clip's transcript: given (``--text``), or made by the Whisper the run's
transcripts came from when it is installed.
"""

from __future__ import annotations

from crossemo.models.families import keys

KEYS = {
    **keys.ENCODER,
    **keys.CONFIG_OVERRIDES,
    **keys.TRAINING,
    **keys.MULTIMODAL,
    **keys.NEURAL_RESOURCES,
}


def fit(run) -> None:
    """Train on the run's audio and transcripts (:class:`crossemo.models.run.NeuralRun`)."""
    from crossemo.models.multimodal import train_multimodal

    train_multimodal(run.view, list(run.inputs["transcripts"]), run.classes, run.model,
                     run_info=run.info, **run.common)  # fmt: skip


def load(folder):
    """The saved speech+text classifier in ``folder``."""
    from crossemo.models.multimodal import SpeechTextModel

    return SpeechTextModel.load(folder)
