"""What an experiment means: its corpora, split keys, folds, runs, model families, feature sets,
init chain, paper bindings and comparisons, derived once from the validated config.

Pure and light (it runs at every parse; SLURM re-parses for every job): no Snakemake, no
numpy/pandas, and no file paths (those are :mod:`crossemo.plan.files` and
:mod:`crossemo.plan.paths`). The run-name grammar, families and feature sets are
:mod:`crossemo.core.names`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from crossemo import splits
from crossemo.core import names
from crossemo.core.configuration import SHEET_ADAPTER
from crossemo.core.names import converted_encoder_name  # noqa: F401  (the plan's name too)
from crossemo.features import fusion, upstreams
from crossemo.features.upstreams import whisper
from crossemo.models.families.keys import LOCO, LR_CV_DEFAULTS
from crossemo.models.stages import init_run, parse_init_from


def split_keys() -> tuple[str, ...]:
    """Experiment keys that decide its split: the fields of :class:`crossemo.splits.Experiment`
    (params of make_split, so editing a model or report key does not rerun splits and views).
    A field added there is a split key here, with nothing else to edit."""
    return tuple(f.name for f in dataclasses.fields(splits.Experiment) if f.name != "name")


SPLIT_KEYS = split_keys()
RESOURCE_KEYS = names.RESOURCE_KEYS
#: sources a ``paper:`` binding may name (crossemo.report.ours.load_source; binding_inputs)
PAPER_SOURCES = ("metrics", "lr_cv", "corpus", "labels", "split", "view")


def ssl_spec(model: Mapping[str, Any]) -> dict[str, Any]:
    """The feature set a frozen_head ``model`` reads: the SSL upstream with the model keys that
    decide its features (:data:`crossemo.core.names.SSL_KEYS`)."""
    return dict(upstreams.settings({**model, "name": "ssl"}))


class Experiments:
    """The experiments and corpora of one validated ``config``, and what each means."""

    def __init__(self, config: Mapping[str, Any], scheme_dir: str | Path = "config/label_schemes",
                 reference_dir: str | Path = "src/crossemo/data/reference"):  # fmt: skip
        """``config`` validated and prepared (:func:`crossemo.core.configuration.prepare`); the
        label schemes' folder and the paper reference tables' folder (inputs of some rules)."""
        self.config = config
        self.scheme_dir = Path(scheme_dir)
        self.reference_dir = Path(reference_dir)
        self.corpora = sorted(config["corpora"])
        self.experiments = sorted(config.get("experiments") or {})
        #: corpora built from a spreadsheet of videos (StrEmo) rather than scanned from a root
        self.sheet_corpora = [c for c in self.corpora if self.corpus(c)["adapter"] == SHEET_ADAPTER]
        self.scanned_corpora = [c for c in self.corpora if c not in self.sheet_corpora]
        #: corpora with a `filter:` entry (transcribed, then filtered before labelling)
        self.filtered_corpora = [c for c in self.corpora if self.corpus(c).get("filter")]
        #: corpora whose audio shards are transcribed by rule `all`
        self.transcribed_corpora = [
            c
            for c in self.corpora
            if c in self.filtered_corpora or self.corpus(c).get("transcribe")
        ]
        self.classic_experiments = [e for e in self.experiments if self.is_classic(e)]
        self.neural_experiments = [e for e in self.experiments if self.is_neural(e)]
        #: experiments that produce predictions (those with a model), so metrics and the report
        self.model_experiments = [e for e in self.experiments if self.families(e)]
        self.lr_cv_experiments = [e for e in self.neural_experiments if self.lr_grid(e)]
        #: late-fusion experiments (family ensemble): their runs combine other experiments' runs
        self.ensemble_experiments = [e for e in self.experiments if self.is_ensemble(e)]
        #: experiments repeated over seeds (``seeds:``; their seeds table, make_seeds_table)
        self.seeded_experiments = [e for e in self.model_experiments if self.seeds(e)]
        #: classic experiments trained on each encoder layer (model.layer_probe)
        self.layer_probe_experiments = [
            e for e in self.classic_experiments if self.model(e).get("layer_probe")
        ]
        #: experiments whose runs choose their settings by a search (search:)
        self.search_experiments = [
            e for e in self.model_experiments if self.experiment(e).get("search")
        ]
        ssl_families = names.SSL_FEATURE_FAMILIES  # a frozen encoder's stored features
        self.ssl_experiments = [
            e for e in self.neural_experiments if self.model(e)["family"] in ssl_families
        ]
        #: CTranslate2 Whisper models converted to transformers (rule convert_whisper): those a
        #: neural family reads (encoder {convert: source}) and those of transformers Whisper
        #: feature sets on a CTranslate2 model; folder name under results/encoders/ -> source
        sources = [self.convert_source(e) for e in self.neural_experiments]
        sources += [whisper.ct2_source(s) for s in self.featuresets.values()
                    if isinstance(s, dict)]  # fmt: skip
        self.converted_encoders = {
            converted_encoder_name(src): src for src in sources if src is not None
        }
        #: SSL feature sets (frozen encoder hidden states), one per distinct setting
        self.ssl_featuresets = sorted({self.ssl_featureset(e) for e in self.ssl_experiments})
        #: label schemes used by some experiment (their conservation tables are checked)
        self.used_schemes = sorted({self.experiment(e)["scheme"] for e in self.experiments})
        #: reference tables (file stems) that some experiment's binding reports against
        self.paper_tables = sorted(
            {b["table"] for e in self.experiments for b in self.paper_bindings(e)}
        )

    # ---- corpora ----
    def corpus(self, corpus: str) -> Mapping[str, Any]:
        return self.config["corpora"][corpus]

    def shard_names(self, corpus: str) -> list[str]:
        """Shard stems of ``corpus`` (``0000`` ...): fixed by config, so the DAG is static."""
        return [f"{i:04d}" for i in range(int(self.corpus(corpus).get("n_shards", 1)))]

    # ---- experiments: split, folds, runs ----
    def experiment(self, experiment: str) -> Mapping[str, Any]:
        """The config entry of ``experiment`` (defaults filled by the schema)."""
        return self.config["experiments"][experiment]

    def experiment_corpora(self, experiment: str) -> list[str]:
        """Train and test corpora of ``experiment``, each once, in config order."""
        exp = self.experiment(experiment)
        return list(dict.fromkeys([*exp.get("train", []), *exp.get("test", [])]))

    def test_corpora(self, experiment: str) -> list[str]:
        """Corpora whose utterances some fold of ``experiment`` tests: the ``test`` list of a
        cross_corpus experiment, every corpus of the others (their folds rotate the pool)."""
        exp = self.experiment(experiment)
        if exp["protocol"] == "cross_corpus":
            return list(dict.fromkeys(exp.get("test", [])))
        return self.experiment_corpora(experiment)

    def split_config(self, experiment: str) -> dict[str, Any]:
        """The keys of ``experiment`` that decide its split (crossemo.splits.Experiment)."""
        exp = self.experiment(experiment)
        return {k: exp[k] for k in split_keys() if k in exp}

    def folds(self, experiment: str) -> int:
        """Number of folds (1 for cross_corpus and stratified)."""
        exp = self.experiment(experiment)
        return names.n_folds(exp["protocol"], exp.get("folds"), exp.get("train", []),
                             bool(exp.get("include_loco")))  # fmt: skip

    def fold_names(self, experiment: str) -> list[str]:
        """Fold wildcard values: fold0, fold1 ..."""
        return [names.fold_name(k) for k in range(self.folds(experiment))]

    def lr_grid(self, experiment: str) -> list[float]:
        """The LR grid of a neural experiment (empty: no LR cross-validation)."""
        if not self.is_neural(experiment):
            return []
        return list(self.model(experiment).get("lr_grid") or [])

    def loco(self, experiment: str) -> bool:
        """Whether ``experiment`` selects by leaving one training corpus out (select_on: loco)."""
        return self.model(experiment).get("select_on") == LOCO

    def training_corpora(self, experiment: str) -> list[str]:
        """The corpora that give ``experiment`` training rows, sorted (loco's held-out order)."""
        return sorted(set(self.experiment(experiment).get("train", [])))

    def lr_cv_folds(self, experiment: str) -> int:
        """LR-CV folds: ``cv_folds``, or one per training corpus under ``select_on: loco``."""
        if self.loco(experiment):
            return len(self.training_corpora(experiment))
        return int(self.model(experiment).get("cv_folds", LR_CV_DEFAULTS["cv_folds"]))

    def lr_cv_runs(self, experiment: str) -> list[str]:
        """fold{k}-lr{lr}: one run per CV fold and LR of the grid (strEmo paper, Table 3)."""
        grid = self.lr_grid(experiment)
        return names.lr_cv_runs(grid, self.lr_cv_folds(experiment) if grid else 0)

    def base_runs(self, experiment: str) -> list[str]:
        """Runs before the family split: LR-CV runs + final, else one per fold (or main)."""
        if self.lr_grid(experiment):
            return [*self.lr_cv_runs(experiment), names.FINAL]
        return names.fold_runs(self.folds(experiment))

    def seeds(self, experiment: str) -> list[int]:
        """The repeats of ``experiment`` (``seeds:``; empty: one run each, as without)."""
        return [int(s) for s in self.experiment(experiment).get("seeds") or []]

    def seeds_split(self, experiment: str) -> bool:
        """Whether each repeat also draws its own dev set (``seeds_split``)."""
        return bool(self.seeds(experiment)) and bool(self.experiment(experiment).get("seeds_split"))

    def runs(self, experiment: str) -> list[str]:
        """Every run of ``experiment``; a multi-family classic one has a run per fold and family,
        an experiment with ``seeds:`` each of those once per seed (:func:`names.seeded_runs`)."""
        families = self.families(experiment)
        runs = self.base_runs(experiment)
        if self.is_classic(experiment) and len(families) > 1:
            folds = dict.fromkeys(names.run_fold(r) for r in runs)
            runs = [names.family_run(f, fam) for f in folds for fam in families]
        return names.seeded_runs(runs, self.seeds(experiment))

    def view_fold(self, experiment: str, run: str) -> str:
        """The training view (fold) a run reads."""
        return names.view_fold(run)

    def oversamples(self, experiment: str) -> bool:
        balance = self.experiment(experiment).get("balance") or {}
        return balance.get("method", "none") == "oversample"

    # ---- model families, feature sets ----
    def model(self, experiment: str) -> Mapping[str, Any]:
        return self.experiment(experiment).get("model") or {}

    def families(self, experiment: str) -> list[str]:
        """Model families (``model.family`` may list several classic ones)."""
        family = self.model(experiment).get("family")
        if family is None:
            return []
        return list(family) if isinstance(family, list) else [family]

    def is_classic(self, experiment: str) -> bool:
        families = self.families(experiment)
        return bool(families) and all(f in names.CLASSIC_FAMILIES for f in families)

    def is_neural(self, experiment: str) -> bool:
        families = self.families(experiment)
        return len(families) == 1 and families[0] in names.NEURAL_FAMILIES

    def is_ensemble(self, experiment: str) -> bool:
        families = self.families(experiment)
        return len(families) == 1 and families[0] in names.ENSEMBLE_FAMILIES

    # ---- ensembles (late fusion) ----
    def ensemble_members(self, experiment: str) -> list[str]:
        """``model.members`` of an ensemble: ``experiment`` or ``experiment/family`` entries."""
        return [str(m) for m in self.model(experiment).get("members") or []]

    def member_run(self, member: str, run: str) -> str:
        """The run of ``member`` (a ``model.members`` entry) that an ensemble's ``run`` combines:
        the same fold's run; ``final`` of an LR-CV experiment (its LR-CV runs are not on the
        ensemble's split); ``fold{k}-{family}`` of one family of a multi-family classic one."""
        source, _, family = member.partition("/")
        if self.lr_grid(source):
            return names.FINAL
        if len(self.families(source)) > 1:
            return names.family_run(run, family)
        return run

    def run_family(self, experiment: str, run: str) -> str:
        return names.run_family(run, self.families(experiment))

    def featureset(self, experiment: str) -> str:
        """Feature-set folder of a classic experiment on one set (``features:``): a named set,
        or the folder of a configured one (``{name: whisper, ...}``), by
        :func:`upstreams.folder`. ValueError for a list (early fusion: :meth:`featuresets_of`)."""
        featureset = self.experiment(experiment).get("features")
        if fusion.is_fused(featureset):
            raise ValueError(f"experiments.{experiment}.features lists several feature sets: "
                             "this step reads one set")  # fmt: skip
        try:
            return upstreams.folder(featureset)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"experiment {experiment}: features must be one of {list(names.FEATURESETS)} "
                f"or a mapping {{name: <one of {list(upstreams.configured())}>, ...}}, not "
                f"{featureset!r} ({err})"
            ) from None

    def featuresets_of(self, experiment: str) -> list[str]:
        """Feature-set folder of each set a classic experiment reads: its one set, or each item
        of a ``features:`` list (early fusion, :mod:`crossemo.features.fusion`: two or more
        sets, none twice). ValueError naming ``experiments.<name>.features[<i>]``."""
        features = self.experiment(experiment).get("features")
        if not fusion.is_fused(features):
            return [self.featureset(experiment)]
        key = f"experiments.{experiment}.features"
        if len(features) < 2:
            raise ValueError(f"{key}: a list fuses two or more feature sets; write one set "
                             "without the list")  # fmt: skip
        out: list[str] = []
        for i, spec in enumerate(features):
            try:
                folder = upstreams.folder(spec)
            except (TypeError, ValueError) as err:
                raise ValueError(
                    f"{key}[{i}]: each item must be one of {list(names.FEATURESETS)} or a "
                    f"mapping {{name: <one of {list(upstreams.configured())}>, ...}}, not "
                    f"{spec!r} ({err})"
                ) from None
            if folder in out:
                raise ValueError(f"{key}[{i}]: the same feature set as {key}[{out.index(folder)}] "
                                 f"({folder}); list each set once")  # fmt: skip
            out.append(folder)
        return out

    def ssl_featureset(self, experiment: str) -> str:
        """Feature-set folder a frozen_head experiment reads (the SSL upstream's settings)."""
        return upstreams.folder(ssl_spec(self.model(experiment)))

    @cached_property
    def featuresets(self) -> dict[str, str | dict[str, Any]]:
        """Folder -> settings (as the extraction job reads them) of every planned feature set:
        the classic experiments' ``features:`` (each set of a list) and the frozen_head
        experiments' encoders. One entry per folder, so one extraction per shard, however many
        experiments share it."""
        out: dict[str, str | dict[str, Any]] = {}
        for e in self.classic_experiments:
            specs = fusion.specs(self.experiment(e)["features"])
            for folder, spec in zip(self.featuresets_of(e), specs, strict=True):
                out.setdefault(folder, upstreams.settings(spec))
        for e in self.ssl_experiments:
            out.setdefault(self.ssl_featureset(e), ssl_spec(self.model(e)))
        return dict(sorted(out.items()))

    @cached_property
    def configured_featuresets(self) -> dict[str, dict[str, Any]]:
        """Folder -> full settings of the classic experiments' configured feature sets (a
        mapping ``{name: whisper, ...}``, not a named set)."""
        classic = {f for e in self.classic_experiments for f in self.featuresets_of(e)}
        return {f: s for f, s in self.featuresets.items() if f in classic and isinstance(s, dict)}

    def featureset_settings(self, featureset: str) -> str | dict[str, Any]:
        """Settings of a planned feature-set folder (params of rule extract_features)."""
        return self.featuresets[featureset]

    def tiny(self, experiment: str) -> bool:
        encoder = self.model(experiment).get("encoder")
        return isinstance(encoder, dict) and "tiny" in encoder

    def convert_source(self, experiment: str) -> str | None:
        """The CTranslate2 Whisper that ``model.encoder: {convert: ...}`` fine-tunes, or None."""
        encoder = self.model(experiment).get("encoder")
        if isinstance(encoder, dict) and "convert" in encoder:
            return str(encoder["convert"])
        return None

    # ---- neural stages ----
    def init_source(self, experiment: str) -> tuple[str, str] | None:
        """``(experiment, run)`` whose trained model ``experiment`` starts from, or None."""
        parsed = parse_init_from(self.model(experiment).get("init_from"))
        if parsed is None:
            return None
        source, run = parsed
        if source not in self.neural_experiments:
            raise ValueError(
                f"experiment {experiment}: init_from {source!r} is not a neural experiment"
            )
        return source, init_run(source, run, self.base_runs(source))

    # ---- paper bindings ----
    def paper_bindings(self, experiment: str) -> list[Mapping[str, Any]]:
        """The ``paper:`` entry of ``experiment`` as a list of bindings (one mapping or a list)."""
        entry = self.experiment(experiment).get("paper") or []
        return [entry] if isinstance(entry, Mapping) else list(entry)

    def scheme_corpora(self, scheme: str) -> list[str]:
        """Corpora labelled with ``scheme`` by some experiment."""
        return sorted(
            {
                c
                for e in self.experiments
                if self.experiment(e)["scheme"] == scheme
                for c in self.experiment_corpora(e)
            }
        )

    # ---- corpus matrices (make_corpus_matrix) ----
    @cached_property
    def matrix_experiments(self) -> list[str]:
        """Experiments with a model whose protocol is ``corpus_matrix``."""
        return [e for e in self.model_experiments
                if self.experiment(e)["protocol"] == names.CORPUS_MATRIX]  # fmt: skip

    # ---- comparisons (compare_experiments) ----
    @cached_property
    def comparisons(self) -> list[str]:
        """Names of the configured comparisons (``comparisons:``)."""
        return sorted(self.config.get("comparisons") or {})

    def paired(self, name: str) -> bool:
        """Whether comparison ``name`` pairs its sides' test utterances (``paired``, default
        true); unpaired sides each test their own."""
        return bool(self.config["comparisons"][name].get("paired", True))

    def comparison_side(self, name: str, side: str) -> tuple[str, list[str]]:
        """Experiment and runs of one side (``a``/``b``) of comparison ``name``: ``exp`` (its
        one variant, ``final`` of an LR-CV experiment), ``exp/variant`` or ``exp/run``; the
        runs of a variant are its folds, pooled."""
        spec = str(self.config["comparisons"][name][side])
        experiment, _, which = spec.partition("/")
        key = f"comparisons.{name}.{side}"
        if experiment not in self.model_experiments:
            raise ValueError(f"{key}: {experiment!r} is not an experiment with a model")
        runs = self.runs(experiment)
        if which in runs:
            return experiment, [which]
        variants = {r: names.parse_run(r)[1] for r in runs}
        found = sorted(set(variants.values()))
        if not which:
            if names.FINAL not in found and len(found) > 1:
                raise ValueError(f"{key}: {experiment} has variants {found}: write "
                                 f"{experiment}/<variant>")  # fmt: skip
            which = names.FINAL if names.FINAL in found else found[0]
        chosen = [r for r, v in variants.items() if v == which]
        if not chosen:
            raise ValueError(f"{key}: {experiment} has no run or variant {which!r}")
        return experiment, chosen
