"""Repeats over seeds (an experiment's ``seeds:``): what a repeat's training job changes.

A repeat is a run whose name ends in ``-s{seed}`` (:func:`crossemo.core.names.seed_run`). Its
job trains with that seed: the experiment's ``seed`` (classic families: the estimator's
``random_state`` and its grid's CV shuffles) and ``model.seed`` (neural families: head weights,
batch order, dropout). With ``seeds_split`` it also draws its own dev set from the fold's
training rows of the view (the split's dev rule, :func:`crossemo.splits.dev.add_dev`, seeded
with the repeat's seed; the test rows stay the split's), so seed ``s`` of a split drawn with
``seed: s`` gets the split's own dev set. A run without a seed part is handed over unchanged.
The classic and neural engines (:mod:`crossemo.models.classic_engine`,
:mod:`crossemo.models.run`) prepare every job so.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crossemo.core.names import augmented_source, run_fold_index, run_seed

#: the experiment key that asks each repeat for its own dev draw (the job's params then hold
#: the split keys too: :meth:`crossemo.plan.params.Params.train_params`)
SEEDS_SPLIT = "seeds_split"


def seeded_experiment(experiment: Mapping[str, Any], seed: int, neural: bool) -> dict[str, Any]:
    """``experiment`` (a training job's keys) trained with ``seed``: its ``seed`` and, for a
    neural family, its ``model.seed``."""
    out = {**experiment, "seed": int(seed)}
    if neural:
        out["model"] = {**dict(experiment.get("model") or {}), "seed": int(seed)}
    return out


def redraw_dev(view, split, experiment: Mapping[str, Any], name: str, fold: int, seed: int):
    """The view with its dev rows drawn again with ``seed``: the fold's training rows of the view
    (train and dev, originals) pooled and split by :func:`crossemo.splits.dev.add_dev` under the
    experiment's split keys; augmented copies follow their source (dropped where it went to
    dev); test rows unchanged. ``split``: the fold's rows of the split table (their groups)."""
    import pandas as pd

    from crossemo.splits import Experiment
    from crossemo.splits.dev import add_dev

    keys = {f.name for f in dataclasses.fields(Experiment)} - {"name"}
    exp = Experiment.from_config(name, {**{k: v for k, v in experiment.items() if k in keys},
                                        "seed": int(seed)})  # fmt: skip
    training = view["split"].isin(["train", "dev"])
    source = view["utt_id"].map(augmented_source)
    original = training & (source == view["utt_id"])
    groups = split.drop_duplicates("utt_id").set_index("utt_id")["group"]
    pool = view.loc[original, ["utt_id", "corpus", "label"]].assign(
        group=lambda d: d["utt_id"].map(groups)
    )
    drawn = add_dev(pool, pd.Series("train", index=pool.index), exp, fold)
    out = view.copy()
    out.loc[drawn.index, "split"] = drawn
    to_dev = set(pool.loc[drawn == "dev", "utt_id"])
    copies = training & ~original
    keep = ~(copies & source.isin(to_dev))
    return out[keep].reset_index(drop=True)


@contextmanager
def repeat(job, neural: bool) -> Iterator[Any]:
    """The training job of a repeat (:class:`crossemo.models.families.TrainJob`): its seed set
    and, with ``seeds_split``, its view replaced by a redrawn one (a temporary file, removed
    after the block); ``job`` itself for a run without a seed part."""
    seed = run_seed(job.run)
    if seed is None:
        yield job
        return
    experiment = seeded_experiment(job.experiment, seed, neural)
    if not experiment.get(SEEDS_SPLIT):
        yield dataclasses.replace(job, experiment=experiment)
        return
    import pandas as pd

    fold = run_fold_index(job.run)
    split = pd.read_parquet(job.inputs["split"])
    view = redraw_dev(pd.read_parquet(job.inputs["view"]), split[split["fold"] == fold],
                      experiment, job.name, fold, seed)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="crossemo-repeat-") as tmp:
        path = Path(tmp) / "view.parquet"
        view.to_parquet(path, index=False)
        yield dataclasses.replace(job, experiment=experiment,
                                  inputs={**job.inputs, "view": str(path)})  # fmt: skip
