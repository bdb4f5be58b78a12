"""``crossemo predict MODEL_DIR AUDIO...``: label and class probabilities of audio files.

Works on every saved audio-classification model directory of the workflow (fine-tuned and
block-expanded); prints a table (default) or JSON lines (``--json``).
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_RATE = 16000


def load_wave(path: str | Path):
    """Mono float32 at 16 kHz (decoded with soundfile, resampled with soxr)."""
    import numpy as np
    import soundfile as sf

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    wave = data.mean(axis=1)
    if rate != SAMPLE_RATE:
        import soxr

        wave = soxr.resample(wave, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(wave, dtype=np.float32)


def load_classifier(model_dir: str | Path):
    """``(model, feature_extractor, classes)`` of a saved directory (ExHuBERT registered)."""
    from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

    import crossemo.models.block_expansion  # noqa: F401  (registers model_type exhubert)

    model = AutoModelForAudioClassification.from_pretrained(str(model_dir))
    model.eval()
    fe = AutoFeatureExtractor.from_pretrained(str(model_dir))
    classes = [model.config.id2label[i] for i in range(model.config.num_labels)]
    return model, fe, classes


def predict_files(model_dir: str | Path, paths: list[str | Path], max_seconds: float | None = None
                  ) -> list[dict]:  # fmt: skip
    """One record per file: ``{"file", "label", "probs": {class: p}}``."""
    import torch

    from crossemo.models.data import collate

    model, fe, classes = load_classifier(model_dir)
    records = []
    with torch.no_grad():
        for path in paths:
            wave = load_wave(path)
            if max_seconds:
                wave = wave[: int(max_seconds * SAMPLE_RATE)]
            values, mask = collate([wave], do_normalize=getattr(fe, "do_normalize", True))
            kwargs = {"attention_mask": mask} if getattr(fe, "return_attention_mask", True) else {}
            probs = torch.softmax(model(input_values=values, **kwargs).logits[0], -1).tolist()
            best = max(range(len(classes)), key=lambda i: probs[i])
            named = {c: float(p) for c, p in zip(classes, probs, strict=True)}
            records.append({"file": str(path), "label": classes[best], "probs": named})
    return records


def format_table(records: list[dict]) -> str:
    if not records:
        return ""
    classes = list(records[0]["probs"])
    width = max(len("file"), *(len(r["file"]) for r in records))
    lab_w = max(len("label"), *(len(r["label"]) for r in records))
    head = f"{'file':<{width}}  {'label':<{lab_w}}  " + "  ".join(f"{c:>10}" for c in classes)
    lines = [head, "-" * len(head)]
    for r in records:
        probs = "  ".join(f"{r['probs'][c]:>10.4f}" for c in classes)
        lines.append(f"{r['file']:<{width}}  {r['label']:<{lab_w}}  {probs}")
    return "\n".join(lines)
