"""The "How to use" section of a model card: ``crossemo predict`` for every folder, and for a
``transformers`` audio classifier the Hugging Face pipeline call that gives the same labels.

The pipeline agrees with ``crossemo predict`` for wav2vec2/HuBERT-like fine-tunes and ExHuBERT
(once :mod:`crossemo.models.block_expansion` registered its model type) on clips up to
``crossemo predict``'s ``--max-seconds``. It does not for a Whisper classifier crossemo fine-tuned:
the pipeline's feature extractor pads every clip to Whisper's 30 s window and
``WhisperForAudioClassification`` averages all 1500 encoder frames, padding included, while the
model was trained on each utterance's own frames (``cropped``) or its frames sliced out of a
shared window (``packed``); for those the card says to call ``crossemo predict`` or
:class:`crossemo.models.predict.Predictor` and never the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crossemo.core.names import PREDICT_MAX_SECONDS as DEFAULT_MAX_SECONDS

if TYPE_CHECKING:
    from crossemo.evaluation.card_facts import RunFacts

#: the import that registers ExHuBERT's model type with ``transformers``' Auto classes
EXHUBERT_IMPORT = "import crossemo.models.block_expansion  # registers model_type exhubert"


def predict_lines(folder: str) -> list[str]:
    return ["From the command line (any crossemo model folder; nothing is downloaded):", "",
            "```bash", f"crossemo predict {folder} clip1.wav clip2.wav          # table",
            f"crossemo predict {folder} clip1.wav --json             # one JSON line per file",
            "```", "",
            f"Each file's first {DEFAULT_MAX_SECONDS:g} s are classified (`--max-seconds`); "
            "a file that cannot be used gets an error reason instead of a label.", "",
            "From Python:", "", "```python", "from crossemo.models.predict import Predictor",
            "", f'predictor = Predictor("{folder}")',
            'print(predictor("clip1.wav").as_dict())', "```"]  # fmt: skip


def pipeline_lines(run: RunFacts, folder: str) -> list[str]:
    """The pipeline call, or why not to use it (a Whisper fine-tune)."""
    if run.whisper_input:
        return ["**Do not call `pipeline(\"audio-classification\")` on this model.** It is a "
                f"Whisper classifier trained on `{run.whisper_input}` input (each utterance's "
                "own encoder frames); the pipeline pads every clip to Whisper's 30 s window and "
                "averages all 1500 encoder frames, padding included, so its labels differ from "
                "the ones evaluated above. Use `crossemo predict` or `Predictor`, which feed "
                "the model as it was trained (the config's `crossemo_whisper_input`)."]  # fmt: skip
    imports = ["from transformers import pipeline"]
    if run.family == "block_expansion":
        imports.insert(0, EXHUBERT_IMPORT)
    return ["With the Hugging Face pipeline (gives the same labels as `crossemo predict` on "
            f"clips up to {DEFAULT_MAX_SECONDS:g} s; 16 kHz mono input):", "", "```python",
            *imports, "",
            f'classify = pipeline("audio-classification", model="{folder}")',
            'print(classify("clip1.wav"))', "```"]  # fmt: skip


def usage_section(run: RunFacts, folder: str) -> list[str]:
    lines = ["## How to use", "", *predict_lines(folder)]
    if run.family == "multimodal":
        lines += ["", "A speech+text model: give each file's transcript (`--text`, once per "
                  "file in order) or let the run's Whisper transcribe it."]  # fmt: skip
    if run.hf_audio:
        lines += ["", *pipeline_lines(run, folder)]
    return lines
