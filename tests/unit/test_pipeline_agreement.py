"""Every neural export that ``transformers`` loads as an audio classifier: the Hugging Face
``pipeline("audio-classification")`` called as its model card says gives the labels and
probabilities of ``crossemo predict`` on the same files, or the card says not to call it
(a Whisper fine-tune on cropped input, which the pipeline pads to 30 s)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))
from models_fixtures import CLASSES, tone  # noqa: E402

from crossemo.evaluation.card_facts import RunFacts, whisper_input  # noqa: E402
from crossemo.evaluation.card_usage import pipeline_lines  # noqa: E402
from crossemo.models.block_expansion import expand  # noqa: E402
from crossemo.models.encoder import feature_extractor, load_audio_classifier  # noqa: E402
from crossemo.models.predict import predict_files  # noqa: E402

SR = 16000


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[str]:
    root = tmp_path_factory.mktemp("clips")
    rng = np.random.default_rng(0)
    paths = []
    for i, seconds in enumerate((1.0, 1.3, 1.7, 2.4, 1.1, 3.1)):
        path = root / f"clip{i}.wav"
        sf.write(path, tone(CLASSES[i % 3], seconds, rng), SR)
        paths.append(str(path))
    return paths


def _hubert(folder: Path) -> None:
    torch.manual_seed(0)
    load_audio_classifier({"tiny": {}}, CLASSES).save_pretrained(folder)
    feature_extractor({"tiny": {}}).save_pretrained(folder)


def _exhubert(folder: Path) -> None:
    torch.manual_seed(0)
    model = expand(load_audio_classifier({"tiny": {}}, CLASSES)).eval()
    with torch.no_grad():
        model.hubert.encoder.layers[1].zll.weight.normal_()
    model.save_pretrained(folder)
    feature_extractor({"tiny": {}}).save_pretrained(folder)


def _card_pipeline(family: str, folder: Path):
    """The pipeline, built by running the card's own Python lines (imports included)."""
    lines = pipeline_lines(RunFacts("exp", "main", family, CLASSES, []), str(folder))
    code = "\n".join(lines[lines.index("```python") + 1 : lines.index("```", lines.index(
        "```python") + 1)])  # fmt: skip
    scope: dict = {}
    exec(code.split("print(")[0], scope)  # noqa: S102 - the card's snippet, minus the call
    return scope["classify"]


@pytest.mark.parametrize(
    ("family", "build"), [("finetune", _hubert), ("block_expansion", _exhubert)]
)
def test_pipeline_as_the_card_says_agrees_with_crossemo_predict(family, build, clips, tmp_path):
    build(tmp_path)
    ours = predict_files(tmp_path, clips)
    classify = _card_pipeline(family, tmp_path)
    for record, path in zip(ours, clips, strict=True):
        theirs = {r["label"]: r["score"] for r in classify(path, top_k=None)}
        assert max(theirs, key=theirs.get) == record.label
        np.testing.assert_allclose(
            [theirs[c] for c in CLASSES], [record.probs[c] for c in CLASSES], atol=1e-4
        )


def test_a_whisper_fine_tune_card_refuses_the_pipeline_which_pads_to_30_s(clips, tmp_path):
    """Why: the pipeline's extractor pads to 3000 log-mel frames and the HF classifier averages
    all of them, while crossemo trained (and predicts) on each utterance's own frames."""
    from transformers import (
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForAudioClassification,
        pipeline,
    )

    from crossemo.features.upstreams.whisper.inputs import INPUT_ATTRIBUTE

    config = WhisperConfig(d_model=16, encoder_layers=2, encoder_attention_heads=2,
                           encoder_ffn_dim=32, decoder_layers=1, decoder_attention_heads=2,
                           decoder_ffn_dim=32, num_mel_bins=80, vocab_size=64,
                           classifier_proj_size=8, num_labels=3,
                           id2label=dict(enumerate(CLASSES)),
                           label2id={c: i for i, c in enumerate(CLASSES)})  # fmt: skip
    setattr(config, INPUT_ATTRIBUTE, "cropped")
    torch.manual_seed(0)
    WhisperForAudioClassification(config).save_pretrained(tmp_path)
    extractor = WhisperFeatureExtractor(feature_size=80)
    extractor.save_pretrained(tmp_path)
    assert extractor(np.zeros(SR, np.float32), sampling_rate=SR).input_features[0].shape[-1] == 3000
    ours = predict_files(tmp_path, clips)
    classify = pipeline("audio-classification", model=str(tmp_path))
    theirs = [{r["label"]: r["score"] for r in classify(p, top_k=None)} for p in clips]
    gaps = [max(abs(t[c] - o.probs[c]) for c in CLASSES) for t, o in zip(theirs, ours,
                                                                        strict=True)]  # fmt: skip
    assert max(gaps) > 1e-3  # the pipeline does not feed the model as it was trained
    run = RunFacts("exp", "main", "finetune", CLASSES, [], whisper_input=whisper_input(tmp_path))
    text = "\n".join(pipeline_lines(run, str(tmp_path)))
    assert run.whisper_input == "cropped" and "Do not call" in text and "```python" not in text
