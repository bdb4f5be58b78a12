"""Layer probing of the classic engine (``model.layer_probe``): one model per encoder layer of
multi-layer Whisper features, the layer with the best selection UAR kept (``select_on: dev``: on
the dev rows; ``loco``: the mean UAR on held-out training corpora), and the table of every
layer's selection and test UAR (rule make_layer_table). Test rows never take part in the choice.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from crossemo.core.safe_text import write_csv
from crossemo.evaluation.metrics import uar
from crossemo.models.classic import ClassicConfig, train_predict
from crossemo.models.loco import LOCO

log = logging.getLogger(__name__)


def _selection_uar(
    view: pd.DataFrame,
    features: pd.DataFrame,
    cfg: ClassicConfig,
    classes: list[str],
    speakers: pd.Series | None,
    threads: int,
    selection: dict,
) -> float:
    """Selection UAR of a layer's chosen grid point: the grid selection's own score (dev, or
    loco: always scored), or (a single point, never scored on dev) that point fitted on the
    train rows and scored on the dev rows."""
    scored = [r["uar"] for r in selection["results"] if r["params"] == selection["best"]]
    if scored:
        return float(scored[0])
    dev = view[view["split"] != "test"].assign(split=lambda v: v["split"].replace("dev", "test"))
    dev = dev[dev["split"].isin(["train", "test"])]
    fixed = ClassicConfig(**{**cfg.__dict__, "params": dict(selection["best"]), "grid": None,
                             "layer_probe": False})  # fmt: skip
    _, table = train_predict(dev, features, fixed, classes, speakers, threads)
    return float(uar(table["label"].to_numpy(), table["pred"].to_numpy()))


def train_predict_by_layer(
    view: pd.DataFrame,
    features: pd.DataFrame,
    cfg: ClassicConfig,
    classes: list[str],
    speakers: pd.Series | None = None,
    threads: int = 1,
) -> tuple[dict, pd.DataFrame]:
    """``layer_probe``: :func:`train_predict` on each encoder layer's columns alone; the layer
    with the best selection UAR (``select_on`` dev: the dev UAR, loco: the mean held-out corpus
    UAR; of its grid point, chosen the same way; the lower layer of ties) gives the model and
    the predictions. Test rows never take part in the choice: the bundle's ``layers`` table
    lists each layer's selection and its UAR (``dev_uar`` or ``loco_uar``) beside its test UAR
    (the report)."""
    from crossemo.features.upstreams.whisper.features import layer_columns

    if cfg.layer_combination:
        raise ValueError("model.layer_probe and model.layer_combination exclude each other")
    by_layer = layer_columns(features.columns)
    if len(by_layer) < 2:
        raise ValueError(
            "layer_probe needs features of several encoder layers (whisper_l{layer}_... "
            f"columns, e.g. features: {{name: whisper, backend: transformers, layers: all}}); "
            f"found layers {sorted(by_layer)}"
        )
    method = cfg.select_on
    if method not in ("dev", LOCO) or (method == "dev" and not (view["split"] == "dev").any()):
        raise ValueError("layer_probe chooses the layer on the dev split (it needs dev rows: "
                         "dev_fraction > 0) or by select_on: loco, not select_on: cv")  # fmt: skip
    runs, rows = {}, []
    for layer, columns in by_layer.items():
        bundle, table = train_predict(view, features[columns], cfg, classes, speakers, threads)
        score = _selection_uar(view, features[columns], cfg, classes, speakers, threads,
                               bundle["selection"])  # fmt: skip
        test = uar(table["label"].to_numpy(), table["pred"].to_numpy())
        rows.append({"layer": layer, "selection": method, f"{method}_uar": score,
                     "test_uar": float(test)})  # fmt: skip
        runs[layer] = (bundle, table)
        log.info("layer %d: %s UAR %.4f, test UAR %.4f (%d features)", layer, method, score,
                 test, len(columns))  # fmt: skip
    best = max(rows, key=lambda r: r[f"{method}_uar"])["layer"]  # first (lowest layer) of ties
    bundle, table = runs[best]
    for row in rows:
        row["chosen"] = row["layer"] == best
    bundle["layer"] = best
    bundle["layers"] = rows
    return bundle, table


#: columns of the layer table (rule make_layer_table)
LAYER_COLUMNS = ["run", "layer", "selection", "dev_uar", "loco_uar", "test_uar", "chosen"]


def layer_table(config_paths: dict[str, str | Path]) -> pd.DataFrame:
    """UAR by encoder layer of a ``layer_probe`` experiment: one row per run and layer (``run
    layer selection dev_uar loco_uar test_uar chosen``) from each run's ``config.json`` (run ->
    path). ``selection`` names the score that chose the layer (``dev_uar`` or ``loco_uar``; the
    other is empty); ``test_uar`` is reported, never used for the choice."""
    rows = []
    for run, path in config_paths.items():
        info = json.loads(Path(path).read_text())
        if "layers" not in info:
            raise ValueError(f"{path}: run {run} was not trained with model.layer_probe")
        rows += [{"run": run, "selection": "dev", **row} for row in info["layers"]]
    return pd.DataFrame(rows, columns=LAYER_COLUMNS)


def write_layer_table(config_paths: dict[str, str | Path], output: str | Path) -> pd.DataFrame:
    """Rule make_layer_table: :func:`layer_table` as a CSV."""
    table = layer_table(config_paths)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, output, index=False)
    return table
