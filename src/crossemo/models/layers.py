"""Layer combination: a classic family on features of several encoder layers combined into one
matrix (``model.layer_combination``), the alternative to probing one layer (``layer_probe``).

Whisper features of several layers (``features: {name: whisper, backend: transformers, layers:
all}``) hold one block of columns per hidden state, ``whisper_l{layer}_{stat}_{k:03d}``
(:func:`crossemo.features.upstreams.whisper.features.layer_columns`). Two methods:

- ``weighted_sum`` (SUPERB's recipe on pooled statistics): each layer's block is standardised
  with the training rows' statistics, and softmax-normalised layer weights (one scalar per layer)
  are learnt with a linear softmax classifier on the weighted sum (:func:`fit_layer_weights`), on
  the training rows only. The weights are then frozen: the family trains on the weighted sum
  (one layer's width, columns ``whisper_wsum_{stat}_{k:03d}``).
- ``concat``: the chosen layers' columns side by side; with ``scale`` each block is divided by
  its total standard deviation on the training rows, so that every layer weighs the same even
  without the family's own z-scoring (``standardize: none``).

Columns of no encoder layer (another feature set fused beside) pass through unchanged. The fitted
combination is a plain dict (the model bundle's ``layer_combination``) that :func:`combine`
applies alike in training and in ``crossemo predict``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crossemo.features.upstreams.whisper.features import layer_columns
from crossemo.models.families.keys import LAYER_STEPS as STEPS

METHODS = ("weighted_sum", "concat")
#: the config key, named in errors
KEY = "model.layer_combination"
#: Adam learning rate and L2 penalty of the classifier that learns the weights
LEARNING_RATE, L2 = 0.05, 1e-3
#: prefix of the weighted sum's columns (``whisper_wsum_mean_000`` ...)
SUM_PREFIX = "whisper_wsum_"


def layer_blocks(columns: Sequence[str], layers: str | Sequence[int] | None = "all"
                 ) -> dict[int, list[str]]:  # fmt: skip
    """The columns of each chosen layer (``all``: every layer found); ValueError naming
    :data:`KEY` and the layers found when a chosen layer is missing or none is found."""
    found = layer_columns(columns)
    chosen = sorted(found) if layers in (None, "all") else [int(i) for i in layers]
    missing = [i for i in chosen if i not in found]
    if missing or not chosen:
        raise ValueError(
            f"{KEY}.layers {layers}: the features have encoder layers {sorted(found)} (missing "
            f"{missing or chosen}); combining needs Whisper features of those layers: features "
            "{name: whisper, backend: transformers, layers: all}"
        )
    return {i: found[i] for i in chosen}


def _suffixes(blocks: Mapping[int, list[str]]) -> list[str]:
    """The statistic names shared by every block (``mean_000`` ...); ValueError when they differ."""
    suffixes = {i: [c.rsplit("/", 1)[-1].split("_", 2)[2] for c in cols]  # "<set>/" of fused
                for i, cols in blocks.items()}  # fmt: skip
    first = next(iter(suffixes.values()))
    if any(s != first for s in suffixes.values()):
        raise ValueError(f"{KEY}: weighted_sum needs the same statistics in every layer")
    return first


def fit_layer_weights(X_by_layer: Sequence[np.ndarray], y: np.ndarray, seed: int = 0,
                      steps: int = STEPS) -> np.ndarray:  # fmt: skip
    """Softmax-normalised layer weights (non-negative, sum 1) learnt with a linear softmax
    classifier on ``sum_l w_l X_l``: class-balanced cross-entropy plus an L2 penalty on the
    classifier, full-batch Adam from uniform weights; deterministic for a seed.

    ``X_by_layer``: one ``[n, d]`` array per layer (standardised); ``y``: class codes ``0..C-1``,
    rows with a negative or NaN code are left out.
    """
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(y) & (y >= 0)
    X = np.stack([np.asarray(x, dtype=np.float64)[keep] for x in X_by_layer])  # [L, n, d]
    codes = y[keep].astype(int)
    n_classes = int(codes.max()) + 1
    Y = np.eye(n_classes)[codes]
    counts = Y.sum(axis=0)
    row_weight = (1.0 / (n_classes * counts[codes]))[:, None]  # class-balanced, sums to 1
    rng = np.random.default_rng(seed)
    params = [np.zeros(len(X)), rng.normal(scale=0.01, size=(X.shape[2], n_classes)),
              np.zeros(n_classes)]  # fmt: skip
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    for step in range(1, steps + 1):
        grads = _gradients(params, X, Y, row_weight)
        for p, g, (m, v) in zip(params, grads, moments, strict=True):
            m[...] = 0.9 * m + 0.1 * g
            v[...] = 0.999 * v + 0.001 * g * g
            p -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return _softmax(params[0])


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _gradients(params: list[np.ndarray], X: np.ndarray, Y: np.ndarray,
               row_weight: np.ndarray) -> list[np.ndarray]:  # fmt: skip
    """Gradients of the weighted cross-entropy (+ L2 on the classifier) by the layer logits,
    the classifier and its bias."""
    a, W, b = params
    w = _softmax(a)
    z = np.tensordot(w, X, axes=1)  # [n, d]
    G = (_softmax(z @ W + b) - Y) * row_weight  # d loss / d logits
    dz = G @ W.T
    dw = np.einsum("lnd,nd->l", X, dz)
    return [w * (dw - w @ dw), z.T @ G + L2 * W, G.sum(axis=0)]


def _train_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = X.mean(axis=0), X.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def fit_combination(view: pd.DataFrame, features: pd.DataFrame, spec: Mapping | None,
                    seed: int = 0) -> dict | None:  # fmt: skip
    """The fitted combination of ``spec`` (``{method, layers, scale, steps}``) on the view's
    ``train`` rows only (dev and test rows never take part); None without a spec."""
    if not spec:
        return None
    method = spec["method"]
    if method not in METHODS:
        raise ValueError(f"{KEY}.method {method!r}: one of {list(METHODS)}")
    blocks = layer_blocks(features.columns, spec.get("layers", "all"))
    train = view.loc[view["split"] == "train"]
    rows = features.loc[train["utt_id"]]
    fitted: dict = {"method": method, "layers": list(blocks)}
    if method == "concat":
        return fitted | {"scale": _concat_scales(rows, blocks, bool(spec.get("scale")))}
    return fitted | _fit_weighted_sum(train["label"], rows, blocks, seed,
                                      int(spec.get("steps", STEPS)))  # fmt: skip


def _concat_scales(rows: pd.DataFrame, blocks: Mapping[int, list[str]], scale: bool
                   ) -> list[float]:  # fmt: skip
    """Each block's factor: 1 / its total standard deviation on ``rows`` (1.0 without scale)."""
    if not scale:
        return [1.0] * len(blocks)
    totals = [float(np.sqrt(rows[c].to_numpy(np.float64).var(axis=0).sum())) for c in
              blocks.values()]  # fmt: skip
    return [1.0 / max(t, 1e-12) for t in totals]


def _fit_weighted_sum(labels: pd.Series, rows: pd.DataFrame, blocks: Mapping[int, list[str]],
                      seed: int, steps: int) -> dict:  # fmt: skip
    """The standardisation statistics of each block on ``rows`` and the learnt layer weights."""
    _suffixes(blocks)
    stats = [_train_stats(rows[c].to_numpy(np.float64)) for c in blocks.values()]
    X = [(rows[c].to_numpy(np.float64) - m) / s
         for c, (m, s) in zip(blocks.values(), stats, strict=True)]  # fmt: skip
    classes = sorted(labels.dropna().unique())
    y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.float64)
    weights = fit_layer_weights(X, y, seed, steps)
    return {"weights": [float(w) for w in weights], "mean": np.stack([m for m, _ in stats]),
            "std": np.stack([s for _, s in stats])}  # fmt: skip


def combine(features: pd.DataFrame, fitted: Mapping | None) -> pd.DataFrame:
    """``features`` with the chosen layers' blocks replaced by their combination (the other
    layers dropped, columns of no layer kept); ``features`` itself without a combination."""
    if not fitted:
        return features
    blocks = layer_blocks(features.columns, fitted["layers"])
    layered = {c for cols in layer_columns(features.columns).values() for c in cols}
    rest = features[[c for c in features.columns if c not in layered]]
    if fitted["method"] == "concat":
        parts = [features[c] * s for c, s in zip(blocks.values(), fitted["scale"], strict=True)]
        return pd.concat([*parts, rest], axis=1)
    terms = zip(blocks.values(), fitted["weights"], fitted["mean"], fitted["std"], strict=True)
    total = sum(w * (features[c].to_numpy(np.float64) - m) / s for c, w, m, s in terms)
    first = next(iter(blocks.values()))[0]
    owner = first[: first.rfind("/") + 1]  # a fused set's "<folder>/", kept on the sum
    names = [owner + SUM_PREFIX + s for s in _suffixes(blocks)]
    summed = pd.DataFrame(total.astype(np.float32), index=features.index, columns=names)
    return pd.concat([summed, rest], axis=1)


def summary(fitted: Mapping) -> dict:
    """What a run's ``config.json`` records: method, layers and the learnt weights (or the
    concat scales)."""
    return {k: fitted[k] for k in ("method", "layers", "weights", "scale") if k in fitted}
