"""Frozen SSL features: hidden states of a frozen encoder, stored as feature shards
``results/features/{featureset}/{corpus}/{shard}.parquet`` (utt_id, features, n_layers,
n_frames, dim; ``features`` is the flattened float32 array [n_layers, n_frames, dim]).

``layer``: an index into the hidden states (0 = CNN/projection output, -1 = last) or ``all``
(every layer, for a learnt weighted sum SUPERB-style). ``pooling``: ``mean`` (masked mean over
frames; a weighted sum of mean-pooled layers equals the mean of the weighted sum, so heads lose
nothing) or ``sequence`` (every frame, for the CNN self-attention and class-token heads).
A Whisper encoder sees each utterance as ``whisper_input`` says (:func:`whisper_encode`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crossemo.core.progress import Progress
from crossemo.models.data import SAMPLE_RATE, bucket_batches, collate
from crossemo.models.families.keys import WHISPER_INPUTS
from crossemo.models.whisper_classifier import is_whisper

log = logging.getLogger(__name__)

#: how a frozen Whisper encoder may see each utterance (``model.whisper_input``), default first
FROZEN_WHISPER_INPUTS = WHISPER_INPUTS["frozen_head"]


def _frame_mask(model, n_frames: int, attention_mask):
    return model._get_feature_vector_attention_mask(n_frames, attention_mask)


def encode(model, waves: list[np.ndarray], layer: int | str = "all", pooling: str = "mean",
           device=None, do_normalize: bool = True, batch_seconds: float = 64.0,
           bf16: bool = True, whisper_input: str = FROZEN_WHISPER_INPUTS[0]
           ) -> list[np.ndarray]:  # fmt: skip
    """Per utterance an array [n_layers, n_frames (1 when pooled), dim] of float32 (a Whisper
    ``model``: :func:`whisper_encode` as ``whisper_input`` says; other encoders ignore it)."""
    import torch

    device = device or torch.device("cpu")
    model.eval().to(device)
    if is_whisper(model):
        return whisper_encode(model, waves, layer, pooling, batch_seconds, whisper_input)
    lengths = [len(w) for w in waves]
    batches = bucket_batches(lengths, int(batch_seconds * SAMPLE_RATE), shuffle=False)
    out: list[np.ndarray | None] = [None] * len(waves)
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" and bf16
                else torch.autocast("cpu", enabled=False))  # fmt: skip
    progress = Progress("encoder", len(waves), "utterances", log)
    with torch.no_grad(), autocast:
        for idx in batches:
            values, mask = collate([waves[i] for i in idx], do_normalize=do_normalize)
            res = model(values.to(device), attention_mask=mask.to(device),
                        output_hidden_states=True)  # fmt: skip
            hidden = torch.stack(res.hidden_states, dim=1).float()  # [B, L, T, H]
            if layer != "all":
                hidden = hidden[:, [int(layer)]]
            fmask = _frame_mask(model, hidden.shape[2], mask.to(device))
            for j, i in enumerate(idx):
                valid = int(fmask[j].sum())
                h = hidden[j, :, :valid]
                if pooling == "mean":
                    h = h.mean(dim=1, keepdim=True)
                out[i] = h.cpu().numpy().astype(np.float32)
            progress.advance(len(idx))
    return out  # type: ignore[return-value]


def whisper_encode(model, waves: list[np.ndarray], layer: int | str = "all",
                   pooling: str = "mean", batch_seconds: float = 30.0,
                   packing: str = FROZEN_WHISPER_INPUTS[0]) -> list[np.ndarray]:  # fmt: skip
    """Hidden states of a Whisper ``model``'s encoder, the Whisper features' ``packing`` of
    that name: ``cropped`` (each utterance alone, the encoder cut after its frames; batches of
    similar lengths of about ``batch_seconds``) or ``single`` (EmoBox's: each utterance at the
    start of a 30 s zero-padded window of its own, its frames kept; about ``batch_seconds`` of
    windows per call); utterances over 30 s in chunks. Per utterance [n_layers, n_frames (1
    when pooled), dim] float32."""
    from crossemo.features.upstreams.whisper.features import HFEncoder, WhisperExtractor

    if packing not in FROZEN_WHISPER_INPUTS:
        raise ValueError(f"model.whisper_input {packing!r} of a frozen_head: one of "
                         f"{', '.join(FROZEN_WHISPER_INPUTS)}")  # fmt: skip
    layers = "all" if layer == "all" else (int(layer),)
    settings = {
        "model": "(loaded)",
        "backend": "transformers",
        "layers": layers,
        "packing": packing,
        "batch_windows": max(1, round(batch_seconds / 30)),
    }
    frames = WhisperExtractor(settings, encoder=HFEncoder.of_model(model)).frames(waves)
    return [f.mean(axis=1, keepdims=True) if pooling == "mean" else f for f in frames]


def resolve_encoder(spec):
    """``spec``, a ``{convert: <CTranslate2 Whisper>}`` one as ``{name: <its converted folder>}``
    (rule convert_whisper's output, ``results/encoders/whisper-...``)."""
    if not (isinstance(spec, Mapping) and "convert" in spec):
        return spec
    from crossemo.plan.files import converted_folder

    folder = converted_folder(str(spec["convert"]))
    if not (Path(folder) / "config.json").is_file():
        raise FileNotFoundError(
            f"model.encoder {dict(spec)}: no converted Whisper at {folder}; "
            "rule convert_whisper (or `crossemo convert-whisper`) writes it"
        )
    return {"name": folder}


def extract_shard(encoder_spec, shard_path: str | Path, output: str | Path, *,
                  layer: int | str = "all", pooling: str = "mean", batch_seconds: float = 64.0,
                  max_seconds: float | None = 30.0, threads: int | None = None,
                  whisper_input: str = FROZEN_WHISPER_INPUTS[0]) -> dict:  # fmt: skip
    """Encode every utterance of an audio shard; returns timing (x real time)."""
    import torch

    from crossemo.audio.shards import iter_audio
    from crossemo.models.encoder import feature_extractor, load_audio_encoder

    if threads:
        torch.set_num_threads(int(threads))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    encoder_spec = resolve_encoder(encoder_spec)
    model = load_audio_encoder(encoder_spec)
    fe = feature_extractor(encoder_spec)
    limit = int(max_seconds * SAMPLE_RATE) if max_seconds else None
    ids, waves = [], []
    for utt_id, samples, _ in iter_audio([shard_path]):
        ids.append(utt_id)
        waves.append(np.ascontiguousarray(samples[:limit], dtype=np.float32))
    t0 = time.perf_counter()
    feats = encode(model, waves, layer, pooling, device, getattr(fe, "do_normalize", True),
                   batch_seconds, whisper_input=whisper_input) if waves else []  # fmt: skip
    elapsed = time.perf_counter() - t0
    write_features(output, ids, feats)
    audio_s = sum(len(w) for w in waves) / SAMPLE_RATE
    stats = {"utterances": len(ids), "audio_s": audio_s, "elapsed_s": elapsed,
             "x_real_time": audio_s / elapsed if elapsed else float("nan")}  # fmt: skip
    log.info("extracted %s", stats)
    return stats


def write_features(output: str | Path, ids: list[str], feats: list[np.ndarray]) -> None:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({
        "utt_id": pa.array(ids, pa.string()),
        "features": pa.array([f.ravel() for f in feats], pa.list_(pa.float32())),
        "n_layers": pa.array([f.shape[0] for f in feats], pa.int32()),
        "n_frames": pa.array([f.shape[1] for f in feats], pa.int32()),
        "dim": pa.array([f.shape[2] for f in feats], pa.int32()),
    })  # fmt: skip
    pq.write_table(table, output)


def load_features(paths: Iterable[str | Path], utt_ids: set[str] | None = None
                  ) -> dict[str, np.ndarray]:  # fmt: skip
    """utt_id -> [n_layers, n_frames, dim] from feature shards."""
    out: dict[str, np.ndarray] = {}
    for path in paths:
        table = pq.read_table(path)
        flat = table.column("features").combine_chunks()
        offsets, values = flat.offsets.to_numpy(), flat.values.to_numpy(zero_copy_only=False)
        cols = {c: table.column(c).to_numpy() for c in ("n_layers", "n_frames", "dim")}
        for i, utt_id in enumerate(table.column("utt_id").to_pylist()):
            if utt_ids is not None and utt_id not in utt_ids:
                continue
            shape = (cols["n_layers"][i], cols["n_frames"][i], cols["dim"][i])
            out[utt_id] = values[offsets[i] : offsets[i + 1]].reshape(shape)
    return out


def collate_features(arrays: list[np.ndarray]):
    """``(x [B, L, T, H], mask [B, T])`` torch tensors, zero-padded over frames."""
    import torch

    n_layers, dim = arrays[0].shape[0], arrays[0].shape[2]
    longest = max(a.shape[1] for a in arrays)
    x = np.zeros((len(arrays), n_layers, longest, dim), dtype=np.float32)
    mask = np.zeros((len(arrays), longest), dtype=bool)
    for i, a in enumerate(arrays):
        x[i, :, : a.shape[1]] = a
        mask[i, : a.shape[1]] = True
    return torch.from_numpy(x), torch.from_numpy(mask)


def train_head(view: str | Path, feature_paths: list[str], classes: list[str],
               model_cfg: Mapping[str, Any], *, output_dir, predictions, scratch,
               threads: int | None = None, run_info: Mapping[str, Any] | None = None,
               interrupt_after: int | None = None, dev_predictions=None):  # fmt: skip
    """Train a head on frozen features of the view's train rows (early stopping on dev) and
    predict its test rows. Augmented rows (no features) are skipped with a warning."""
    import json

    from crossemo.models.skeleton import train_and_predict
    from crossemo.models.training import TrainSettings

    settings = TrainSettings.from_config(model_cfg)
    run_config = {"model": dict(model_cfg), "view": str(view), **dict(run_info or {})}
    fingerprint = json.dumps([dict(model_cfg), str(view)], default=str)
    return train_and_predict(
        lambda device: head_job(view, feature_paths, classes, model_cfg, settings.seed, device,
                                fingerprint),
        settings, classes, output_dir=output_dir, predictions=predictions, scratch=scratch,
        run_config=run_config, threads=threads, interrupt_after=interrupt_after,
        dev_predictions=dev_predictions,
    )  # fmt: skip


def feature_splits(view: str | Path, feature_paths: list[str], classes: list[str]
                   ) -> dict[str, tuple[pd.DataFrame, list[np.ndarray], Any]]:  # fmt: skip
    """Per split of the view: its rows, their feature arrays and their Split."""
    from crossemo.models.data import read_view
    from crossemo.models.training import Split

    rows = read_view(view)
    feats = load_features(feature_paths, set(rows["utt_id"]))
    missing = ~rows["utt_id"].isin(feats)
    if missing.any():
        log.warning("%d view rows without features skipped (augmented copies?)", missing.sum())
        rows = rows[~missing]
    index = {c: i for i, c in enumerate(classes)}
    out = {}
    for name in ("train", "dev", "test"):
        part = rows[rows["split"] == name].reset_index(drop=True)
        arrays = [feats[u] for u in part["utt_id"]]
        labels = np.array([index[x] for x in part["label"]], dtype=np.int64)
        split = Split(labels=labels, lengths=np.array([a.shape[1] for a in arrays], dtype=np.int64),
                      weights=part["weight"].fillna(1).to_numpy(np.float32),
                      groups=part["corpus"].tolist(), unit_per_second=50.0)  # fmt: skip
        out[name] = (part, arrays, split)
    return out


def head_job(view: str | Path, feature_paths: list[str], classes: list[str],
             model_cfg: Mapping[str, Any], seed: int, device, fingerprint: str):  # fmt: skip
    """The training job of a head on frozen features (see :func:`train_head`)."""
    import json

    import torch

    from crossemo.models.heads import build_head
    from crossemo.models.skeleton import Job
    from crossemo.models.training import seed_everything

    splits = feature_splits(view, feature_paths, classes)
    first = splits["train"][1][0]
    head_name = model_cfg.get("head", "pooling_linear")
    head_kwargs = dict(model_cfg.get("head_options") or {})
    seed_everything(seed)
    model = build_head(head_name, first.shape[2], len(classes), n_layers=first.shape[0],
                       **head_kwargs)  # fmt: skip

    def forward(m, split, idx):
        x, mask = collate_features([splits[split][1][i] for i in idx])
        return m(x.to(device), mask.to(device))

    def save(trained, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        torch.save(trained.state_dict(), out / "head.pt")
        (out / "head_config.json").write_text(json.dumps({
            "head": head_name, "dim": int(first.shape[2]), "n_layers": int(first.shape[0]),
            "n_classes": len(classes), "options": head_kwargs}, indent=2))  # fmt: skip
        if trained.layer_sum is not None:
            w = torch.softmax(trained.layer_sum.weights.detach(), 0).tolist()
            (out / "layer_weights.json").write_text(json.dumps(w))

    test, dev = splits["test"][0], splits["dev"][0]
    return Job(model, forward, splits["train"][2], splits["dev"][2], splits["test"][2],
               test["utt_id"].tolist(), test["corpus"].tolist(), save, fingerprint,
               dev["utt_id"].tolist(), dev["corpus"].tolist())  # fmt: skip


def features_frame(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Metadata (utt_id, n_layers, n_frames, dim) of feature shards."""
    return pd.concat([pq.read_table(p, columns=["utt_id", "n_layers", "n_frames", "dim"])
                      .to_pandas() for p in paths], ignore_index=True)  # fmt: skip


class FrozenHeadModel:
    """A saved frozen_head run as a :class:`crossemo.models.families.Model`: each clip's hidden
    states from the run's encoder (``layer``, ``pooling``, ``max_seconds``, ``whisper_input``
    as rule extract_features took them), then the trained head."""

    needs_text = False
    joint = False

    def __init__(self, head, encoder, fe, model_cfg: Mapping[str, Any], classes: list[str]):
        self.head, self.encoder, self.fe, self.classes = head, encoder, fe, classes
        self.layer = model_cfg.get("layer", "all")
        self.pooling = model_cfg.get("pooling", "mean")
        self.max_seconds = model_cfg.get("max_seconds", 30.0)
        self.whisper_input = model_cfg.get("whisper_input", FROZEN_WHISPER_INPUTS[0])
        from crossemo.models.predict import min_samples

        self.min_samples = min_samples(encoder.config)

    @classmethod
    def load(cls, folder: str | Path) -> FrozenHeadModel:
        """The head in ``folder`` (``head.pt``, ``head_config.json``) and the encoder its run
        named (``crossemo_run.json``: a tiny one rebuilt from its seed, a named one read from
        the local Hugging Face cache: nothing is downloaded)."""
        import json

        import torch

        from crossemo.models.encoder import feature_extractor, load_audio_encoder
        from crossemo.models.heads import build_head
        from crossemo.models.predictions import read_label_map

        folder = Path(folder)
        cfg = json.loads((folder / "head_config.json").read_text())
        run = json.loads((folder / "crossemo_run.json").read_text())
        model_cfg = run.get("model") or {}
        classes = read_label_map(folder)
        if not classes or len(classes) != int(cfg["n_classes"]):
            raise ValueError(
                f"{folder}: the label map does not match the head's {cfg['n_classes']} classes"
            )
        options = dict(cfg.get("options") or {})
        head = build_head(cfg["head"], int(cfg["dim"]), int(cfg["n_classes"]),
                          n_layers=int(cfg["n_layers"]), **options)  # fmt: skip
        head.load_state_dict(torch.load(folder / "head.pt", map_location="cpu", weights_only=True))
        head.eval()
        spec = resolve_encoder(model_cfg.get("encoder"))
        encoder = load_audio_encoder(spec)
        return cls(head, encoder, feature_extractor(spec), model_cfg, classes)

    def prepare(self, wave: np.ndarray, text: str | None = None) -> np.ndarray:
        """The clip's stored-feature array ``[n_layers, n_frames, dim]``, as the rule extracted."""
        limit = int(self.max_seconds * SAMPLE_RATE) if self.max_seconds else None
        wave = np.ascontiguousarray(wave[:limit], dtype=np.float32)
        return encode(self.encoder, [wave], self.layer, self.pooling,
                      do_normalize=getattr(self.fe, "do_normalize", True),
                      whisper_input=self.whisper_input)[0]  # fmt: skip

    def predict(self, prepared) -> tuple[list[str], np.ndarray]:
        import torch

        x, mask = collate_features(list(prepared))
        with torch.no_grad():
            probs = torch.softmax(self.head(x, mask).float(), dim=-1).numpy().astype(np.float64)
        labels = [self.classes[int(i)] for i in probs.argmax(axis=1)]
        return labels, probs
