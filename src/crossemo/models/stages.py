"""Multi-stage training: an experiment's model starts from another experiment's trained model.

``model.init_from`` names the experiment (and optionally the run) whose saved model
(``results/models/{experiment}/{run}/``, a ``save_pretrained`` directory) replaces the
``encoder``'s pretrained weights. The workflow makes that directory an input of the run
(``rules/common.smk``, ``init_model``), so the DAG is static: stage 2 jobs wait for stage 1.

ExHuBERT (Sect. 3): "we fine-tune the encoder part of the HuBERT architecture on 37 diverse
emotion datasets [...]. After the weights are updated, we conduct backbone extension [...], and
in the final step, we evaluate the performance of the backbone extended HuBERT (ExHuBERT) on 6
unseen test emotion datasets": stage 1 is a ``finetune`` experiment on the seen corpora
(round-robin batches), stage 2 a ``block_expansion`` experiment per unseen corpus with
``init_from`` the stage-1 experiment. The head of the stage-1 model is kept when both stages
use the same classes (the paper maps every corpus to its six arousal/valence classes); with
another number of classes a new head is initialised; the same number of *different* classes
is refused (the old head's rows would silently mean other classes).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crossemo.core.names import FINAL
from crossemo.models import families

log = logging.getLogger(__name__)
#: default run of the init experiment when ``init_from`` names none (after LR CV: the refit)
PREFERRED_RUN = FINAL


def init_families() -> tuple[str, ...]:
    """Families whose model can start from a saved model: those that take ``init_from``."""
    return tuple(n for n, f in families.FAMILIES.items() if "init_from" in f.keys)


def parse_init_from(spec: str | Mapping[str, Any] | None) -> tuple[str, str | None] | None:
    """``(experiment, run or None)`` of an ``init_from`` value (a name or ``{experiment, run}``)."""
    if not spec:
        return None
    if isinstance(spec, str):
        return spec, None
    if "experiment" not in spec:
        raise ValueError(f"init_from needs `experiment`: {dict(spec)}")
    run = spec.get("run")
    return str(spec["experiment"]), None if run is None else str(run)


def init_run(experiment: str, run: str | None, runs: Sequence[str]) -> str:
    """The run of ``experiment`` to start from: ``run`` if given (must exist), else ``final``
    when the experiment has one, else its only run."""
    runs = list(runs)
    if run is not None:
        if run not in runs:
            raise ValueError(f"init_from: experiment {experiment} has no run {run!r}; runs: {runs}")
        return run
    if PREFERRED_RUN in runs:
        return PREFERRED_RUN
    if len(runs) == 1:
        return runs[0]
    raise ValueError(
        f"init_from: experiment {experiment} has runs {runs}; name one with "
        f"init_from: {{experiment: {experiment}, run: ...}}"
    )


def init_chain(name: str, experiments: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """``[name, its init experiment, that one's ...]``; raises on unknown names, families that
    cannot start from a saved model, and cycles."""
    chain = [name]
    while True:
        exp = experiments.get(chain[-1])
        if exp is None:
            raise ValueError(f"init_from of {chain[-2]}: no experiment {chain[-1]!r}")
        model = exp.get("model") or {}
        parsed = parse_init_from(model.get("init_from"))
        if parsed is None:
            return chain
        if model.get("family") not in init_families():
            raise ValueError(
                f"experiment {chain[-1]}: init_from needs family {' or '.join(init_families())}, "
                f"not {model.get('family')!r}"
            )
        source = parsed[0]
        if source in chain:
            raise ValueError(f"init_from cycle: {' -> '.join([*chain, source])}")
        chain.append(source)


def init_model_config(model_cfg: Mapping[str, Any], init_dir: str | Path,
                      classes: Sequence[str]) -> dict[str, Any]:  # fmt: skip
    """``model_cfg`` whose encoder is the saved model ``init_dir`` (its weights, config and
    feature extractor), after checking the family and the classes (see the module docstring)."""
    family = model_cfg.get("family")
    if family not in init_families():
        raise ValueError(f"init_from: family {family!r} cannot start from a saved model")
    from crossemo.models.predictions import read_label_map

    init_dir = Path(init_dir)
    if not (init_dir / "config.json").exists():
        raise FileNotFoundError(f"init model {init_dir}: no config.json (not a saved HF model)")
    old = read_label_map(init_dir)
    if old is not None and list(old) != list(classes):
        if len(old) == len(classes):
            raise ValueError(
                f"init model {init_dir} predicts {old}, this experiment {list(classes)}: the same "
                "number of other classes (use the same label scheme, or one with another count "
                "to get a new head)"
            )
        log.info("init model %s: %d classes -> %d, new head", init_dir, len(old), len(classes))
    else:
        log.info("init model %s: weights and head kept", init_dir)
    return {**dict(model_cfg), "encoder": str(init_dir)}
