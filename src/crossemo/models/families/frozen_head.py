"""A classification head on a frozen encoder's hidden states (the iberspeech paper, SUPERB
style): the features are extracted once by rule extract_features, the head trains on them
(:mod:`crossemo.models.frozen`, heads in :mod:`crossemo.models.heads`).

The folder holds the head (``head.pt``, ``head_config.json``); ``crossemo predict`` rebuilds the
encoder from the run's ``encoder`` (a tiny one from its seed; a named one from the local cache)
and extracts each clip's features as the rule did (a Whisper encoder as ``whisper_input`` says:
cropped to each utterance, or EmoBox's one 30 s window per utterance).
"""

from __future__ import annotations

from crossemo.models.families import keys

KEYS = {
    **keys.ENCODER,
    **keys.TRAINING,
    **keys.FROZEN_HEAD,
    **keys.WHISPER_INPUT,
    **keys.NEURAL_RESOURCES,
}


def fit(run) -> None:
    """Train the head on the run's feature shards (:class:`crossemo.models.run.NeuralRun`)."""
    from crossemo.models.frozen import train_head

    train_head(run.view, list(run.inputs["features"]), run.classes, run.model,
               run_info=run.info, **run.common)  # fmt: skip


def load(folder):
    """The saved head in ``folder`` with the encoder that feeds it."""
    from crossemo.models.frozen import FrozenHeadModel

    return FrozenHeadModel.load(folder)


def head_rules() -> dict:
    """Schema of ``head_options`` per ``head`` (the frozen_head family's block): each head's
    keyword arguments, nothing else (no ``head``: the default head's)."""
    rules = []
    for head, options in keys.HEAD_OPTIONS.items():
        when = {"properties": {"head": {"const": head}}}
        if head != keys.DEFAULT_HEAD:
            when["required"] = ["head"]
        rules.append({
            "if": when,
            "then": {
                "title": f"head {head}",
                "properties": {
                    "head_options": {"properties": options, "additionalProperties": False}
                },
            },
        })  # fmt: skip
    return {"allOf": rules}


#: added to the family's schema block: ``head_options`` are the chosen head's own, and its own
#: ``whisper_input`` values
SCHEMA = {"allOf": [*head_rules()["allOf"], keys.whisper_input_rule("frozen_head")]}
