"""What an experiment's split is: the protocols, the split names, the errors and
:class:`Experiment`, the split-relevant part of an ``experiments:`` entry.

Pure Python (no numpy, pandas, pandera or pyarrow, not even indirectly): the workflow's parse
reads the fields of :class:`Experiment` (the split keys of :mod:`crossemo.plan`) through the
light :mod:`crossemo.splits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from crossemo.core.names import CORPUS_MATRIX, EMOBOX_FOLDS, EMOBOX_TRACK2, n_folds
from crossemo.corpora import emobox

EMOBOX_PROTOCOLS = (EMOBOX_FOLDS, EMOBOX_TRACK2)
PROTOCOLS = ("cross_corpus", "speaker_kfold", "leave_one_session_out", "stratified",
             CORPUS_MATRIX, *EMOBOX_PROTOCOLS)  # fmt: skip
SPLITS = ("train", "dev", "test")
#: what ``disjoint`` may list; ``speaker`` (the manifest's group) is always kept apart
DISJOINT = ("speaker", "sentence")


class SplitError(ValueError):
    """An experiment that cannot be split as configured."""


class SplitLeakError(SplitError):
    """A group in two splits of a fold, or a test-only corpus in training."""


@dataclass(frozen=True)
class Experiment:
    """The split-relevant part of an ``experiments:`` entry, defaults filled in."""

    name: str
    scheme: str
    protocol: str
    train: tuple[str, ...]
    test: tuple[str, ...] = ()
    fractions: dict[str, dict[str, float]] = field(default_factory=dict)
    folds: int = 5
    cv_corpora: tuple[str, ...] = ()
    test_fraction: float = 0.2
    split_unit: str = "group"
    dev_fraction: float = 0.1
    dev_unit: str = "group"
    dev_tolerance: float = 0.1
    disjoint: tuple[str, ...] = ("speaker",)
    include_loco: bool = False
    seed: int = 0
    emobox_data: str = ""
    emobox_name: str | dict[str, str] = ""

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise SplitError(f"{self.name}: unknown protocol {self.protocol!r}")
        self._check_corpora()
        if "speaker" not in self.disjoint or set(self.disjoint) - set(DISJOINT):
            raise SplitError(
                f"{self.name}: disjoint {list(self.disjoint)} must list speaker and may add "
                "sentence"
            )
        if self.protocol == CORPUS_MATRIX and len(set(self.train)) < 2:
            raise SplitError(f"{self.name}: a corpus matrix needs two or more train corpora")
        if self.protocol in EMOBOX_PROTOCOLS:
            self._check_emobox()

    def _check_emobox(self) -> None:
        """EmoBox's protocols: ``emobox_data`` given, the EmoBox corpora (the one ``train``
        corpus of emobox_folds, one or more ``test`` corpora of emobox_track2) and their
        ``emobox_name``, EmoBox's assignment kept (no sentence dropping)."""
        if not self.emobox_data:
            raise SplitError(f"experiments.{self.name}.emobox_data: {self.protocol} needs the "
                             "path of a local copy of EmoBox's data/ folder")  # fmt: skip
        if self.protocol == EMOBOX_FOLDS and (len(self.train) != 1 or self.test):
            raise SplitError(f"experiments.{self.name}.train: {self.protocol} reads EmoBox's "
                             "folds of one corpus; list exactly one there and no test "
                             "corpus")  # fmt: skip
        if not self.emobox_corpora:
            raise SplitError(f"experiments.{self.name}.test: {self.protocol} tests EmoBox's "
                             "balanced test sets; list one or more corpora there")  # fmt: skip
        self._check_emobox_name()
        if "sentence" in self.disjoint:
            raise SplitError(f"experiments.{self.name}.disjoint: {self.protocol} keeps EmoBox's "
                             "assignment; drop sentence (the audit reports shared "
                             "sentences)")  # fmt: skip

    def _check_emobox_name(self) -> None:
        """``emobox_name``: one name only where one corpus's files are read; a mapping keyed by
        those corpora."""
        key = f"experiments.{self.name}.emobox_name"
        read = list(self.emobox_corpora)
        if isinstance(self.emobox_name, dict):
            stray = sorted(set(self.emobox_name) - set(read))
            if stray:
                raise SplitError(f"{key}: {stray} are not corpora whose EmoBox files "
                                 f"{self.protocol} reads ({read}); key the mapping by "
                                 "those")  # fmt: skip
        elif self.emobox_name and len(read) > 1:
            raise SplitError(f"{key}: one name for the {len(read)} test corpora {read}; give a "
                             f"mapping corpus -> EmoBox name, e.g. {{{read[0]}: "
                             f"{read[0].upper()}}} (a corpus left out: its own name)")  # fmt: skip

    def _check_corpora(self) -> None:
        """Refuse a corpus in train and test without ``fractions`` (cross_corpus) or at all
        (other protocols), fractions that are not a split of such a corpus or do not sum to 1,
        and ``cv_corpora`` outside ``train``."""
        both = set(self.train) & set(self.test)
        if self.protocol == "cross_corpus":
            if both - set(self.fractions):
                raise SplitError(
                    f"{self.name}: {sorted(both - set(self.fractions))} are in train and test "
                    "but have no `fractions` entry"
                )
        elif both and self.protocol != EMOBOX_TRACK2:
            raise SplitError(f"{self.name}: {sorted(both)} in train and test ({self.protocol})")
        for corpus, frac in self.fractions.items():
            if corpus not in both:
                raise SplitError(f"{self.name}: fractions of {corpus} need it in train and test")
            if not _close_to_one(frac["train"] + frac["test"]):
                raise SplitError(f"{self.name}: fractions of {corpus} must sum to 1, got {frac}")
        if set(self.cv_corpora) - set(self.train):
            raise SplitError(f"{self.name}: cv_corpora must be train corpora")

    @classmethod
    def from_config(cls, name: str, cfg: dict) -> Experiment:
        """The experiment of config entry ``cfg``: every field read from its key (absent or
        null: the field's default; ``cv_corpora`` defaults to the train corpora), converted by
        the field's type. A field added to this class is read from the config with nothing
        else to edit (and is a split key of crossemo.plan)."""
        values = {}
        for f in fields(cls):
            if f.name != "name" and cfg.get(f.name) is not None:
                values[f.name] = _convert(getattr(f.type, "__name__", str(f.type)), cfg[f.name])
        values["cv_corpora"] = values.get("cv_corpora") or tuple(cfg["train"])
        return cls(name=name, **values)

    @property
    def test_only(self) -> tuple[str, ...]:
        """Corpora never allowed in training."""
        return tuple(c for c in self.test if c not in self.train)

    def check_emobox_data(self) -> None:
        """Raise :class:`SplitError` naming ``emobox_data`` (or ``folds``) when it is not a
        folder, lacks the corpus's fold folders (emobox_folds; their count must be ``folds``) or
        a test corpus's track-2 file (emobox_track2). A cheap listing: the workflow checks at
        start-up."""
        data = Path(self.emobox_data)
        key = f"experiments.{self.name}.emobox_data"
        if not data.is_dir():
            raise SplitError(f"{key}: {data} is not a folder; give the path of a local copy of "
                             "EmoBox's data/ folder (github.com/emo-box/EmoBox)")  # fmt: skip
        if self.protocol == EMOBOX_TRACK2:
            for corpus in self.test:
                path = emobox.track2_file(data, self.emobox_name_of(corpus))
                if not path.is_file():
                    raise SplitError(f"{key}: no {path} for test corpus {corpus} (track 2 has "
                                     "IEMOCAP, MELD, RAVDESS and SAVEE; set emobox_name, with "
                                     "several test corpora a mapping corpus -> name, to "
                                     "EmoBox's name of it)")  # fmt: skip
            return
        name = self.emobox_name_of(self.train[0])
        found = len(emobox.fold_dirs(data, name))
        if not found:
            raise SplitError(f"{key}: no fold folders in {data / name} (set emobox_name to "
                             "EmoBox's name of the corpus)")  # fmt: skip
        if found != self.folds:
            raise SplitError(f"experiments.{self.name}.folds: EmoBox has {found} folds of "
                             f"{name} ({data / name}); set folds: {found}")  # fmt: skip

    def emobox_listing(self) -> list[Path]:
        """What :meth:`check_emobox_data` needs in ``emobox_data``: each test corpus's track-2
        file (emobox_track2), or the corpus's ``folds`` fold folders (emobox_folds)."""
        data = Path(self.emobox_data)
        if self.protocol == EMOBOX_TRACK2:
            return [emobox.track2_file(data, self.emobox_name_of(c)) for c in self.test]
        name = self.emobox_name_of(self.train[0])
        return [data / name / f"fold_{k}" for k in range(1, self.folds + 1)]

    @property
    def emobox_corpora(self) -> tuple[str, ...]:
        """Our corpora whose EmoBox files are read: the ``train`` corpus of emobox_folds, the
        ``test`` corpora of emobox_track2."""
        return self.train if self.protocol == EMOBOX_FOLDS else self.test

    def emobox_name_of(self, corpus: str) -> str:
        """EmoBox's name of our ``corpus``: ``emobox_name`` (its entry when a mapping), else
        ours (track-2 file names upper-case it: :func:`crossemo.corpora.emobox.track2_file`)."""
        if isinstance(self.emobox_name, dict):
            return self.emobox_name.get(corpus, corpus)
        return self.emobox_name or corpus

    @property
    def n_folds(self) -> int:
        return n_folds(self.protocol, self.folds, self.train, self.include_loco)


def _close_to_one(total: float) -> bool:
    """``numpy.isclose(total, 1.0)`` without numpy: within ``1e-8 + 1e-5`` of 1 (NaN is not)."""
    return abs(total - 1.0) <= 1e-8 + 1e-5 * 1.0


def _convert(annotation: str, value: object) -> object:
    """A config value as the dataclass field annotated ``annotation`` holds it."""
    if annotation.startswith("tuple"):
        return tuple(value)
    if "dict" in annotation and isinstance(value, dict):
        return {k: dict(v) if isinstance(v, dict) else v for k, v in dict(value).items()}
    converters = {"int": int, "float": float, "str": str}
    return converters.get(annotation, lambda v: v)(value)
