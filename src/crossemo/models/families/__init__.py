"""Model families: the registry (the only list of their names) and the contract every family keeps.

A family is one module, ``crossemo.models.families.<name>``, and one line in :data:`FAMILIES`.
The line holds what the workflow needs at parse time without importing anything heavy (this
package imports only the standard library; a family's module is imported when it is used):

- ``name``: the ``model.family`` value, the ``{run}`` suffix of a multi-family classic experiment;
- ``kind``: ``classic`` (a scikit-learn style estimator on utterance-level features; rule
  ``train_classic``, a ``model.joblib``), ``neural`` (a torch model trained by the resumable
  loop; rule ``train_neural``, a model folder) or ``ensemble`` (late fusion of other
  experiments' predictions; rule ``combine_ensemble``, a ``config.json``);
- ``needs``: what the run reads from the plan besides the training view, the split table and the
  label scheme: :data:`FEATURES` (the experiment's feature set), :data:`AUDIO` (the view's audio
  shards), :data:`SSL_FEATURES` (a frozen encoder's hidden states, rule extract_features),
  :data:`TRANSCRIPTS` (Whisper transcripts).

The module holds the rest of the contract (:class:`Family` reads it):

- ``KEYS``: the ``model:`` keys it takes (``family`` aside), each with its JSON-schema fragment
  (groups in :mod:`.keys`); ``DEFAULTS`` (optional): what the schema fills in for keys left out;
  ``SCHEMA`` (optional): rules added to its schema block (the frozen head's ``head_options`` per
  head). The config schema's ``model`` part and config/README.md's table of families are
  generated from them (:mod:`.document`); a unit test keeps the files equal to the registry.
- ``PAPER_NAME`` (optional): the family's name in the papers' tables.
- its kind's hook. Classic: ``estimator(params, seed, threads)`` (optionally ``DEFAULT_GRID``,
  ``OWN_LABELS``, ``grid_uars``); the classic engine (:mod:`crossemo.models.classic_engine`) trains
  and loads every classic family alike. Neural: ``fit(run)`` (a
  :class:`crossemo.models.run.NeuralRun`, which the neural engine prepares alike for every
  neural family) and ``load(folder)``. Ensemble: none (its engine,
  :mod:`crossemo.models.ensemble`, reads the members' predictions). A module's own
  ``train(job)`` or ``load(folder)`` replaces its engine's.

Every family then offers the same two calls: :meth:`Family.train` (one rule job: writes the
model and the test and dev predictions in the one predictions contract,
:mod:`crossemo.models.predictions`) and :meth:`Family.load` (a saved model folder ->
:class:`Model`, which ``crossemo predict`` asks for class probabilities of audio clips).

Adding a family: write its module and add its line below (:func:`register` does the same at run
time, for plugins and tests), then run ``python -m crossemo.models.families.document --write``
to regenerate the schema's and README's generated parts.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

CLASSIC = "classic"
NEURAL = "neural"
ENSEMBLE = "ensemble"
KINDS = (CLASSIC, NEURAL, ENSEMBLE)

#: what a family reads from the plan besides the view, the split table and the label scheme
FEATURES = "features"
AUDIO = "audio"
SSL_FEATURES = "ssl_features"
TRANSCRIPTS = "transcripts"
NEEDS = (FEATURES, AUDIO, SSL_FEATURES, TRANSCRIPTS)

#: the engine of each kind: train and load for the families whose module leaves them out
ENGINES = {
    CLASSIC: "crossemo.models.classic_engine",
    NEURAL: "crossemo.models.run",
    ENSEMBLE: "crossemo.models.ensemble",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Family:
    """One registered family: its registry line, and its module's contract behind properties."""

    name: str
    kind: str
    needs: tuple[str, ...]
    module: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"family name {self.name!r}: lower-case letters, digits and _")
        if self.kind not in KINDS:
            raise ValueError(f"family {self.name}: kind {self.kind!r} is not one of {KINDS}")
        needs = (self.needs,) if isinstance(self.needs, str) else tuple(self.needs)
        unknown = sorted(set(needs) - set(NEEDS))
        if unknown:
            raise ValueError(f"family {self.name}: needs {unknown}; known: {', '.join(NEEDS)}")
        object.__setattr__(self, "needs", needs)
        if not self.module:
            object.__setattr__(self, "module", f"{__name__}.{self.name}")

    @property
    def impl(self) -> ModuleType:
        """The family's module (imported on first use)."""
        return importlib.import_module(self.module)

    @property
    def keys(self) -> dict[str, dict]:
        """``model:`` keys the family takes (``family`` included) -> JSON-schema fragment."""
        return dict(self.impl.KEYS)

    @property
    def defaults(self) -> dict[str, Any]:
        """Values the schema fills in for keys the experiment leaves out."""
        return dict(getattr(self.impl, "DEFAULTS", {}))

    @property
    def paper_name(self) -> str:
        """The family's name in the papers' tables (its own name when they have none)."""
        return str(getattr(self.impl, "PAPER_NAME", self.name))

    @property
    def summary(self) -> str:
        """The first paragraph of the module's docstring, on one line."""
        first = (self.impl.__doc__ or self.name).strip().split("\n\n")[0]
        return " ".join(first.split()).replace("``", "`")

    def _engine(self) -> ModuleType:
        return importlib.import_module(ENGINES[self.kind])

    def train(self, job: TrainJob):
        """Run one training job (see :class:`TrainJob`): the model and its test and dev
        predictions are written to ``job.outputs``; returns the test predictions (or None).
        The module's ``train(job)`` if it has one, else its kind's engine's."""
        own = getattr(self.impl, "train", None)
        return own(job) if own is not None else self._engine().train(self, job)

    def load(self, folder: str | Path) -> Model:
        """The model a training job of this family saved in ``folder`` (the module's
        ``load(folder)`` if it has one, else its kind's engine's)."""
        own = getattr(self.impl, "load", None)
        return own(Path(folder)) if own is not None else self._engine().load(self, Path(folder))


@dataclass
class TrainJob:
    """One training job as rules train_classic, train_neural and combine_ensemble hand it over."""

    family: str
    #: the keys of the experiment a training job reads (crossemo.core.names.*_EXPERIMENT_KEYS)
    experiment: Mapping[str, Any]
    name: str  #: experiment name
    run: str
    #: view, split, scheme (+ features, augmented, transcripts, lr_table, init_model, encoder);
    #: an ensemble's: members, members_dev (the members' predictions, in ``members`` order)
    inputs: Mapping[str, Any]
    #: model (file or folder), predictions, dev_predictions (+ label_map, config: classic;
    #: an ensemble: config, predictions, dev_predictions)
    outputs: Mapping[str, str]
    threads: int | None = None
    scratch: str | None = None  #: resumable checkpoints (neural families)


class Model(Protocol):
    """A loaded model folder (:meth:`Family.load`) as ``crossemo predict`` uses it.

    ``prepare`` turns one clip (16 kHz mono float32, and its transcript where ``needs_text``)
    into the model's input, raising for that clip alone; ``predict`` answers the labels and the
    class probabilities ``[n, len(classes)]`` of prepared clips. ``joint``: the clips must be
    answered together (features standardised with the statistics of the clips given, as a run
    normalised each test corpus), else one at a time. ``min_samples``: the shortest clip the
    model takes.
    """

    classes: list[str]
    needs_text: bool
    joint: bool
    min_samples: int

    def prepare(self, wave: Any, text: str | None = None) -> Any: ...

    def predict(self, prepared: Sequence[Any]) -> tuple[list[str], Any]: ...


#: the registry: one line per family, in the order tables and docs list them
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("svm", CLASSIC, FEATURES),
        Family("knn", CLASSIC, FEATURES),
        Family("mlp", CLASSIC, FEATURES),
        Family("xgboost", CLASSIC, FEATURES),
        Family("lightgbm", CLASSIC, FEATURES),
        Family("logreg", CLASSIC, FEATURES),
        Family("random_forest", CLASSIC, FEATURES),
        Family("gaussian_nb", CLASSIC, FEATURES),
        Family("decision_tree", CLASSIC, FEATURES),
        Family("finetune", NEURAL, AUDIO),
        Family("block_expansion", NEURAL, AUDIO),
        Family("frozen_head", NEURAL, SSL_FEATURES),
        Family("multimodal", NEURAL, (AUDIO, TRANSCRIPTS)),
        Family("ensemble", ENSEMBLE, ()),
    )
}


def register(name: str, kind: str, needs: str | Sequence[str], module: str) -> Family:
    """Add a family at run time (a plugin's module, a test's toy family): the same as a line in
    :data:`FAMILIES`, for this process only. A registered name is refused."""
    if name in FAMILIES:
        raise ValueError(f"family {name!r} is registered already ({FAMILIES[name].module})")
    family = Family(name, kind, needs, module)
    FAMILIES[name] = family
    return family


def names(kind: str | None = None) -> tuple[str, ...]:
    """Registered family names (of ``kind``), in registry order."""
    return tuple(n for n, f in FAMILIES.items() if kind is None or f.kind == kind)


def needing(what: str) -> tuple[str, ...]:
    """Names of the families that read ``what`` (one of :data:`NEEDS`)."""
    if what not in NEEDS:
        raise ValueError(f"{what!r} is not one of {NEEDS}")
    return tuple(n for n, f in FAMILIES.items() if what in f.needs)


def get(name: str) -> Family:
    """The family called ``name``; ValueError naming the nearest one and every known name."""
    family = FAMILIES.get(str(name))
    if family is None:
        close = difflib.get_close_matches(str(name), list(FAMILIES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown model family {name!r}{hint}; known: {', '.join(FAMILIES)}")
    return family


def paper_names() -> dict[str, str]:
    """Family -> its name in the papers' tables (the multimodal paper's Table 6 rows), for the
    families that have one."""
    return {n: f.paper_name for n, f in FAMILIES.items() if f.paper_name != n}


def train(job: TrainJob):
    """Run ``job`` with its family (:meth:`Family.train`)."""
    return get(job.family).train(job)
