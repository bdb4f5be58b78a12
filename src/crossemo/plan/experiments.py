"""What the config means, derived once: every experiment's runs, folds, LR-CV runs, feature sets,
model families, paper bindings, the params of its jobs, and the workflow's targets.

``rules/common.smk`` builds one :class:`Plan` from the validated config (after
:func:`crossemo.configuration.prepare`) and the rules call its methods; the library and the
workflow scripts use the same vocabulary (:mod:`crossemo.names`). Pure Python, no Snakemake:
unit-tested in ``tests/unit/test_plan.py``. Cheap to import (it runs at every parse).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from crossemo import names, provenance, splits
from crossemo.configuration import SHEET_ADAPTER
from crossemo.features.settings import featureset_name, featureset_settings
from crossemo.models.stages import init_chain, init_run, parse_init_from


def split_keys() -> tuple[str, ...]:
    """Experiment keys that decide its split: the fields of :class:`crossemo.splits.Experiment`
    (params of make_split, so editing a model or report key does not rerun splits and views).
    A field added there is a split key here, with nothing else to edit."""
    return tuple(f.name for f in dataclasses.fields(splits.Experiment) if f.name != "name")


SPLIT_KEYS = split_keys()
RESOURCE_KEYS = names.RESOURCE_KEYS
#: sources a ``paper:`` binding may name (crossemo.report.ours.load_source; binding_inputs)
PAPER_SOURCES = ("metrics", "lr_cv", "corpus", "labels", "split", "view")


def ssl_featureset_name(model: Mapping[str, Any]) -> str:
    """Feature set of a frozen encoder, named by the settings that decide its features (encoder
    slug + hash of SSL_KEYS): experiments on one encoder share one extraction."""
    settings = ssl_settings(model)
    encoder = settings.get("encoder")
    name = encoder if isinstance(encoder, str) else (encoder or {}).get("name", "tiny")
    text = json.dumps(settings, sort_keys=True, default=str)
    return f"ssl-{names.slug(str(name))}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def converted_encoder_name(source: str) -> str:
    """Folder name (under results/encoders/) of the CTranslate2 Whisper ``source`` converted to
    transformers: ``whisper-`` + the package name, or the folder's name + a hash of its path."""
    if "/" not in source and "\\" not in source:
        return f"whisper-{names.slug(source)}"
    stem = names.slug(Path(source).name) or "model"
    return f"whisper-{stem}-{hashlib.sha1(source.encode()).hexdigest()[:8]}"


def ssl_settings(model: Mapping[str, Any]) -> dict[str, Any]:
    """The model keys that decide a frozen encoder's features (SSL_KEYS)."""
    return {k: model[k] for k in names.SSL_KEYS if k in model}


class Plan:
    """Experiments, corpora and targets of one validated ``config``."""

    def __init__(self, config: Mapping[str, Any], scheme_dir: str | Path = "config/label_schemes",
                 reference_dir: str | Path = "src/crossemo/data/reference"):  # fmt: skip
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
        #: classic experiments trained on each encoder layer (model.layer_probe)
        self.layer_probe_experiments = [
            e for e in self.classic_experiments if self.model(e).get("layer_probe")
        ]
        self.ssl_experiments = [
            e for e in self.neural_experiments if self.model(e)["family"] == "frozen_head"
        ]
        #: CTranslate2 Whisper models converted for fine-tuning (encoder {convert: source}):
        #: folder name under results/encoders/ -> source
        self.converted_encoders = {
            converted_encoder_name(src): src
            for e in self.neural_experiments
            if (src := self.convert_source(e)) is not None
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

    def lr_cv_runs(self, experiment: str) -> list[str]:
        """fold{k}-lr{lr}: one run per CV fold and LR of the grid (strEmo paper, Table 3)."""
        grid = self.lr_grid(experiment)
        k = int(self.model(experiment).get("cv_folds", 5)) if grid else 0
        return names.lr_cv_runs(grid, k)

    def base_runs(self, experiment: str) -> list[str]:
        """Runs before the family split: LR-CV runs + final, else one per fold (or main)."""
        if self.lr_grid(experiment):
            return [*self.lr_cv_runs(experiment), names.FINAL]
        return names.fold_runs(self.folds(experiment))

    def runs(self, experiment: str) -> list[str]:
        """Every run of ``experiment``; a multi-family classic one has a run per fold and family."""
        families = self.families(experiment)
        if self.is_classic(experiment) and len(families) > 1:
            folds = dict.fromkeys(names.run_fold(r) for r in self.base_runs(experiment))
            return [names.family_run(f, fam) for f in folds for fam in families]
        return self.base_runs(experiment)

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

    def run_family(self, experiment: str, run: str) -> str:
        return names.run_family(run, self.families(experiment))

    def featureset(self, experiment: str) -> str:
        """Feature-set folder of a classic experiment (``features:``): a named set, or the folder
        of a Whisper mapping (:func:`crossemo.features.featureset_name`)."""
        featureset = self.experiment(experiment).get("features")
        try:
            return featureset_name(featureset)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"experiment {experiment}: features must be one of {list(names.FEATURESETS)} "
                f"or a mapping {{name: whisper, ...}}, not {featureset!r} ({err})"
            ) from None

    @cached_property
    def configured_featuresets(self) -> dict[str, dict[str, Any]]:
        """Folder -> full settings of every configured (Whisper) feature set of the classic
        experiments: one entry, so one extraction per shard, however many experiments share it."""
        out = {}
        for e in self.classic_experiments:
            settings = featureset_settings(self.experiment(e).get("features"))
            if isinstance(settings, Mapping):
                out.setdefault(self.featureset(e), settings)
        return dict(sorted(out.items()))

    def featureset_settings(self, featureset: str) -> dict[str, Any]:
        """Settings of a configured feature set folder (params of extract_whisper_features)."""
        return self.configured_featuresets[featureset]

    def ssl_featureset(self, experiment: str) -> str:
        return ssl_featureset_name(self.model(experiment))

    def ssl_experiment(self, featureset: str) -> str:
        """An experiment of SSL feature set ``featureset`` (all share its settings)."""
        return next(e for e in self.ssl_experiments if self.ssl_featureset(e) == featureset)

    def ssl_settings(self, featureset: str) -> dict[str, Any]:
        """Encoder, layer, pooling ... of an SSL feature set (the same in all its experiments)."""
        return ssl_settings(self.model(self.ssl_experiment(featureset)))

    def tiny(self, experiment: str) -> bool:
        encoder = self.model(experiment).get("encoder")
        return isinstance(encoder, dict) and "tiny" in encoder

    def convert_source(self, experiment: str) -> str | None:
        """The CTranslate2 Whisper that ``model.encoder: {convert: ...}`` fine-tunes, or None."""
        encoder = self.model(experiment).get("encoder")
        if isinstance(encoder, dict) and "convert" in encoder:
            return str(encoder["convert"])
        return None

    def converted_encoder(self, experiment: str) -> str | None:
        """results/encoders/ folder of the experiment's converted Whisper, or None."""
        source = self.convert_source(experiment)
        return None if source is None else f"results/encoders/{converted_encoder_name(source)}"

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

    def init_model(self, experiment: str) -> str | None:
        """The saved model directory a run of ``experiment`` starts from, or None."""
        source = self.init_source(experiment)
        return f"results/models/{source[0]}/{source[1]}" if source else None

    # ---- params: what each job reads ----
    def train_params(self, experiment: str) -> dict[str, Any]:
        """The part of ``experiment`` a training job reads (params of train_classic and
        train_neural): names.CLASSIC_EXPERIMENT_KEYS or NEURAL_EXPERIMENT_KEYS, the model without
        its resource keys. Report keys (``paper:``), split and balance keys are not in it: editing
        them does not rerun training through params (a changed split does through its files)."""
        keys = (
            names.CLASSIC_EXPERIMENT_KEYS
            if self.is_classic(experiment)
            else names.NEURAL_EXPERIMENT_KEYS
        )
        return names.job_keys(self.experiment(experiment), keys)

    def balance_params(self, experiment: str) -> dict[str, Any]:
        """What balance_training_set reads: ``balance:`` and the experiment's seed."""
        exp = self.experiment(experiment)
        return {"balance": exp.get("balance", {}), "seed": exp.get("seed", 0)}

    # ---- paper bindings ----
    def paper_bindings(self, experiment: str) -> list[Mapping[str, Any]]:
        """The ``paper:`` entry of ``experiment`` as a list of bindings (one mapping or a list)."""
        entry = self.experiment(experiment).get("paper") or []
        return [entry] if isinstance(entry, Mapping) else list(entry)

    def binding_inputs(self, experiment: str, binding: Mapping[str, Any]) -> dict[str, list[str]]:
        """Files the source of one binding reads (crossemo.report.ours.load_source)."""
        source = binding.get("source", "metrics")
        metrics = [f"results/metrics/{experiment}.runs.json"]
        corpora = self.experiment_corpora(experiment)
        if source == "metrics":
            return {"metrics": metrics}
        if source == "lr_cv":
            return {"lr_cv": [f"results/tables/{experiment}_lr_cv.csv"], "metrics": metrics}
        if source == "corpus":
            return {"manifests": self.manifests(corpora), "shards": self.audio_shards(corpora)}
        if source == "labels":
            return {"labels": self.labelled_tables(experiment)}
        if source == "split":
            return {"split": [f"results/splits/{experiment}.parquet"]}
        if source == "view":
            fold = names.fold_name(binding.get("fold", 0))
            return {"view": [f"results/views/{experiment}/{fold}.parquet"]}
        raise ValueError(f"experiment {experiment}: unknown paper source {source!r}")

    def table_bindings(self, table: str) -> list[dict[str, Any]]:
        """``{experiment, paper, inputs}`` per binding of one table (params of make_paper_table)."""
        return [
            {"experiment": e, "paper": b, "inputs": self.binding_inputs(e, b)}
            for e in self.experiments
            for b in self.paper_bindings(e)
            if b["table"] == table
        ]

    def table_inputs(self, table: str) -> list[str]:
        """Every file the bindings of ``table`` read, each once."""
        files = [
            path
            for bound in self.table_bindings(table)
            for paths in bound["inputs"].values()
            for path in paths
        ]
        return list(dict.fromkeys(files))

    def deviations_title(self) -> str:
        papers = sorted({t.split("_table")[0] for t in self.paper_tables})
        return "Deviations from the paper" + (f" ({', '.join(papers)})" if papers else "")

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

    # ---- checks at parse time ----
    def validate(self) -> None:
        """Checks that would otherwise fail inside a job: init_from chains (unknown sources,
        families that cannot start from a saved model, cycles), Whisper features of augmented
        audio, and paper bindings whose source the experiment cannot feed."""
        for e in self.neural_experiments:
            for stage in init_chain(e, self.config["experiments"]):  # families, cycles
                self.init_source(stage)  # sources that are neural experiments, with that run
            family = self.model(e)["family"]
            if self.convert_source(e) is not None and family != "finetune":
                raise ValueError(
                    f"experiment {e}: model.encoder {{convert: ...}} (a CTranslate2 Whisper "
                    f"converted for fine-tuning) needs family finetune, not {family}"
                )
        for name in self.comparisons:
            self.validate_comparison(name)
        for e in self.classic_experiments:
            if self.model(e).get("layer_probe"):
                self.validate_layer_probe(e)
            if self.featureset(e) in self.configured_featuresets and self.oversamples(e):
                raise ValueError(
                    f"experiment {e}: oversampling with augmentation extracts features of the "
                    "augmented audio with rule extract_augmented_features, which has no Whisper "
                    "features; use balance: {method: undersample} or {method: none}"
                )
        for e in self.experiments:
            for b in self.paper_bindings(e):
                source = b.get("source", "metrics")
                if source == "metrics" and e not in self.model_experiments:
                    raise ValueError(
                        f"experiment {e}: paper table {b['table']} reads metrics, "
                        "but the experiment has no model"
                    )
                if source == "lr_cv" and not self.lr_grid(e):
                    raise ValueError(
                        f"experiment {e}: paper table {b['table']} reads the LR-CV "
                        "table, but the experiment has no model.lr_grid"
                    )
                if source in ("split", "view") and int(b.get("fold", 0)) >= self.folds(e):
                    raise ValueError(
                        f"experiment {e}: paper table {b['table']}: fold "
                        f"{b.get('fold')} >= {self.folds(e)} folds"
                    )

    def validate_layer_probe(self, experiment: str) -> None:
        """``model.layer_probe`` needs features of several encoder layers and dev rows."""
        settings = self.configured_featuresets.get(self.featureset(experiment))
        layers = (settings or {}).get("layers")
        several = layers == "all" or (isinstance(layers, list) and len(set(layers)) > 1)
        if not several or settings["backend"] != "transformers":
            raise ValueError(
                f"experiment {experiment}: model.layer_probe needs Whisper features of several "
                "layers: features {name: whisper, backend: transformers, layers: all (or a list)}"
            )
        exp = self.experiment(experiment)
        if (
            not float(exp.get("dev_fraction", 0.1)) > 0
            or self.model(experiment).get("select_on", "dev") != "dev"
        ):
            raise ValueError(
                f"experiment {experiment}: model.layer_probe chooses the layer on the dev "
                "split: set dev_fraction > 0 and select_on: dev"
            )

    # ---- file lists and targets ----
    def manifests(self, corpora: list[str] | None = None) -> list[str]:
        return [
            f"results/manifests/{c}.parquet" for c in (self.corpora if corpora is None else corpora)
        ]

    def audio_shards(self, corpora: list[str] | None = None) -> list[str]:
        """Every audio shard of ``corpora`` (all corpora by default)."""
        return [
            f"results/audio/{corpus}/{shard}.parquet"
            for corpus in (corpora or self.corpora)
            for shard in self.shard_names(corpus)
        ]

    def audio_shard_rejects(self, corpora: list[str] | None = None) -> list[str]:
        return [p.replace(".parquet", ".rejects.parquet") for p in self.audio_shards(corpora)]

    def audio_prints(self, corpora: list[str] | None = None) -> list[str]:
        """Fingerprint tables beside the audio shards of ``corpora`` (all by default)."""
        return [p.replace(".parquet", ".prints.parquet") for p in self.audio_shards(corpora)]

    def source_checksums(self) -> list[str]:
        """Per-file checksums of every corpus's source audio (rule checksum_corpus)."""
        return [f"results/manifests/{c}.checksums.parquet" for c in self.corpora]

    def leakage_tables(self) -> list[str]:
        """Duplicate recordings over all corpora and the corpus fingerprints (report tables)."""
        return ["results/tables/duplicates.csv", "results/tables/corpus_fingerprints.csv"]

    def feature_shards(self, featureset: str, corpora: list[str]) -> list[str]:
        return [
            f"results/features/{featureset}/{corpus}/{shard}.parquet"
            for corpus in corpora
            for shard in self.shard_names(corpus)
        ]

    def transcripts(self, corpora: list[str]) -> list[str]:
        return [
            f"results/transcripts/{c}/{s}.parquet" for c in corpora for s in self.shard_names(c)
        ]

    def labelled_tables(self, experiment: str) -> list[str]:
        scheme = self.experiment(experiment)["scheme"]
        return [f"results/labels/{scheme}/{c}.parquet" for c in self.experiment_corpora(experiment)]

    def split_audits(self) -> list[str]:
        return [f"results/splits/{e}.audit.csv" for e in self.experiments]

    def training_views(self) -> list[str]:
        """Every training view (one per experiment and fold)."""
        return [
            f"results/views/{e}/{fold}.parquet"
            for e in self.experiments
            for fold in self.fold_names(e)
        ]

    def predictions(self, experiment: str, runs: list[str] | None = None) -> dict[str, str]:
        """Run name -> predictions of ``runs`` (every run of the experiment by default)."""
        return {
            run: f"results/predictions/{experiment}/{run}.parquet"
            for run in (self.runs(experiment) if runs is None else runs)
        }

    def evaluation_inputs(self, experiment: str) -> dict[str, Any]:
        """Inputs of evaluate_experiment (:mod:`crossemo.evaluation_job`): the split table (its
        groups are the intervals' clusters), the test corpora's manifests (speaker attributes
        of the subgroups), every run's test predictions (run name -> file), its training view
        (``view_{run}``: training priors of the prior-shift correction) and its dev predictions
        (``dev_{run}``: the calibration temperature is fitted on them; header-only for a run
        without dev rows)."""
        inputs: dict[str, Any] = {
            "split": f"results/splits/{experiment}.parquet",
            "manifests": self.manifests(self.test_corpora(experiment)),
            **self.predictions(experiment),
        }
        for run in self.runs(experiment):
            fold = self.view_fold(experiment, run)
            inputs[f"view_{run}"] = f"results/views/{experiment}/{fold}.parquet"
            if self.is_classic(experiment) or self.is_neural(experiment):
                inputs[f"dev_{run}"] = f"results/predictions/{experiment}/{run}.dev.parquet"
        return inputs

    def test_corpora(self, experiment: str) -> list[str]:
        """Corpora whose utterances some fold of ``experiment`` tests: the ``test`` list of a
        cross_corpus experiment, every corpus of the others (their folds rotate the pool)."""
        exp = self.experiment(experiment)
        if exp["protocol"] == "cross_corpus":
            return list(dict.fromkeys(exp.get("test", [])))
        return self.experiment_corpora(experiment)

    # ---- corpus matrices (make_corpus_matrix) ----
    @cached_property
    def matrix_experiments(self) -> list[str]:
        """Experiments with a model whose protocol is ``corpus_matrix``."""
        return [e for e in self.model_experiments
                if self.experiment(e)["protocol"] == names.CORPUS_MATRIX]  # fmt: skip

    def matrix_params(self, experiment: str) -> dict[str, Any]:
        """What make_corpus_matrix reads: the corpora and whether LOCO sources follow."""
        exp = self.experiment(experiment)
        return {"train": list(exp["train"]), "include_loco": bool(exp.get("include_loco"))}

    # ---- comparisons (compare_experiments) ----
    @cached_property
    def comparisons(self) -> list[str]:
        """Names of the configured paired comparisons (``comparisons:``)."""
        return sorted(self.config.get("comparisons") or {})

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

    def comparison_inputs(self, name: str) -> dict[str, list[str]]:
        """Prediction files of both sides and the split table whose groups are the clusters."""
        (exp_a, runs_a), (exp_b, runs_b) = (self.comparison_side(name, s) for s in "ab")
        return {
            "a": list(self.predictions(exp_a, runs_a).values()),
            "b": list(self.predictions(exp_b, runs_b).values()),
            "split": [f"results/splits/{exp_a}.parquet"],
        }

    def comparison_params(self, name: str) -> dict[str, Any]:
        """What a compare_experiments job reads: the sides as written and the metric."""
        entry = self.config["comparisons"][name]
        return {"sides": {"a": entry["a"], "b": entry["b"]}, "metric": entry.get("metric", "uar")}

    def validate_comparison(self, name: str) -> None:
        """Refuse a pair whose sides cannot share their test utterances: other label scheme or
        split keys, or runs of other folds."""
        (exp_a, runs_a), (exp_b, runs_b) = (self.comparison_side(name, s) for s in "ab")
        for what, value in (("scheme", lambda e: self.experiment(e)["scheme"]),
                            ("split keys", self.split_config)):  # fmt: skip
            if value(exp_a) != value(exp_b):
                raise ValueError(f"comparisons.{name}: {exp_a} and {exp_b} differ in {what}, so "
                                 "not on the same test utterances")  # fmt: skip
        folds_a = sorted(names.parse_run(r)[0] for r in runs_a)
        if folds_a != sorted(names.parse_run(r)[0] for r in runs_b):
            raise ValueError(f"comparisons.{name}: the sides hold runs of different folds")

    def paper_table_targets(self) -> list[str]:
        """Per-paper tables (Markdown, CSV, LaTeX) and the deviations table."""
        targets = [
            f"results/tables/paper_{t}.{ext}"
            for t in self.paper_tables
            for ext in ("md", "csv", "tex")
        ]
        return targets + ["results/tables/deviations.md", "results/tables/deviations.csv"]

    def stage_tables(self) -> list[str]:
        """CSVs of other stages that the report shows as they are: split audits, StrEmo
        download status (adapter strEmo), filter step counts (corpora with ``filter:``)."""
        tables = [f"results/splits/{e}.audit.csv" for e in self.experiments]
        tables += self.leakage_tables()
        tables += [f"results/tables/download_status_{c}.csv" for c in self.sheet_corpora]
        return tables + [f"results/tables/filter_steps_{c}.csv" for c in self.filtered_corpora]

    def report_targets(self) -> list[str]:
        """Tables and figures of the report (rule all builds them; --report collects them)."""
        targets = [f"results/metrics/{e}.csv" for e in self.model_experiments]
        targets += self.paper_table_targets()
        targets += [f"results/tables/conservation_{s}.csv" for s in self.used_schemes]
        targets += self.stage_tables()
        targets += [f"results/figures/confusion_{e}.png" for e in self.model_experiments]
        targets += [f"results/figures/labels_{e}.png" for e in self.experiments]
        targets += [f"results/tables/compare_{name}.csv" for name in self.comparisons]
        targets += [f"results/tables/subgroups_{e}.csv" for e in self.model_experiments]
        targets += [f"results/tables/calibration_{e}.csv" for e in self.model_experiments]
        targets += [f"results/figures/reliability_{e}.png" for e in self.model_experiments]
        targets += [f"results/tables/corpus_matrix_{e}.csv" for e in self.matrix_experiments]
        targets += [f"results/figures/corpus_matrix_{e}.png" for e in self.matrix_experiments]
        targets += [f"results/tables/{e}_layers.csv" for e in self.layer_probe_experiments]
        return targets

    def strEmo_targets(self) -> list[str]:
        """Download status and overlap tables, transcripts, filter tables and step counts."""
        targets = [f"results/tables/download_status_{c}.csv" for c in self.sheet_corpora]
        targets += [f"results/tables/overlaps_{c}.csv" for c in self.sheet_corpora]
        targets += self.transcripts(self.transcribed_corpora)
        targets += [f"results/filters/{c}.parquet" for c in self.filtered_corpora]
        targets += [f"results/tables/filter_steps_{c}.csv" for c in self.filtered_corpora]
        return targets

    def neural_targets(self) -> list[str]:
        """LR cross-validation tables (predictions come in through metrics and the report)."""
        return [f"results/tables/{e}_lr_cv.csv" for e in self.lr_cv_experiments]

    def all_targets(self) -> list[str]:
        """What ``snakemake`` (rule all) builds, each file once."""
        targets = (
            self.audio_shards()
            + self.split_audits()
            + self.training_views()
            + self.report_targets()
            + self.strEmo_targets()
            + self.neural_targets()
        )
        return list(dict.fromkeys(targets))

    # ---- input functions and resources of the rules, by stage (rules/<stage>.smk) ----
    def scheme_file(self, scheme: str) -> str:
        return str(self.scheme_dir / f"{scheme}.yaml")

    def experiment_scheme_file(self, experiment: str) -> str:
        return self.scheme_file(self.experiment(experiment)["scheme"])

    def demo_dir(self) -> str | None:
        demo = self.config.get("demo") or {}
        return demo.get("dir") if demo.get("enabled") else None

    def demo_or(self, path: str) -> str:
        """``path``, or the demo tree when ``path`` lies in it (and so depends on its rule)."""
        base = self.demo_dir()
        return base if provenance.inside(path, base) else path

    # ingest.smk, strEmo.smk
    def corpus_root_input(self, corpus: str) -> str:
        """Input of ingest: the demo tree when the root lies in it, else the root itself."""
        return self.demo_or(self.corpus(corpus)["root"])

    def manifest_provenance(self, corpus: str) -> dict[str, Any]:
        """What ``corpus``'s manifest must record as its source (checked by its readers)."""
        return provenance.expected(self.corpus(corpus))

    def sheet_input(self, corpus: str) -> str:
        """Input of download_videos: the demo tree when the sheet lies in it, else the sheet."""
        return self.demo_or(self.corpus(corpus)["sheet"])

    def download_settings(self, corpus: str) -> dict[str, Any]:
        """Top-level `download:` overridden by the corpus's own `download:` entry."""
        merged = {**self.config.get("download", {}), **self.corpus(corpus).get("download", {})}
        merged.pop("serve_dir", None)
        return merged

    def download_serve_dir(self, corpus: str) -> str | None:
        return self.corpus(corpus).get("download", {}).get("serve_dir")

    def transcribe_settings(self) -> dict[str, Any]:
        """The `transcribe:` keys a transcription job reads (not its resources)."""
        settings = self.config.get("transcribe", {})
        return {k: v for k, v in settings.items() if k not in ("mem_mb", "runtime")}

    # labels.smk
    def label_inputs(self, scheme: str, corpus: str) -> dict[str, Any]:
        """Manifest, shards, shard rejects, scheme, filter table when configured."""
        inputs = {
            "manifest": f"results/manifests/{corpus}.parquet",
            "shards": self.audio_shards([corpus]),
            "rejects": self.audio_shard_rejects([corpus]),
            "scheme": self.scheme_file(scheme),
        }
        if corpus in self.filtered_corpora:
            inputs["filter"] = f"results/filters/{corpus}.parquet"
        return inputs

    # splits.smk, balance.smk
    def split_inputs(self, experiment: str) -> dict[str, Any]:
        """Labelled tables, scheme, and the corpora's manifests (sentence ids) and audio prints
        (duplicate recordings)."""
        corpora = self.experiment_corpora(experiment)
        return {
            "labels": self.labelled_tables(experiment),
            "scheme": self.experiment_scheme_file(experiment),
            "manifests": self.manifests(corpora),
            "prints": self.audio_prints(corpora),
        }

    def balance_inputs(self, experiment: str) -> dict[str, Any]:
        """Split table and labelled tables; audio shards only when oversampling needs samples."""
        inputs = {
            "split": f"results/splits/{experiment}.parquet",
            "labels": self.labelled_tables(experiment),
        }
        if self.oversamples(experiment):
            inputs["shards"] = self.audio_shards(self.experiment(experiment).get("train", []))
        return inputs

    # classic.smk
    def classic_inputs(self, experiment: str, run: str) -> dict[str, Any]:
        """View, split table, scheme and feature shards (+ augmented features) of a classic run."""
        fold = self.view_fold(experiment, run)
        featureset = self.featureset(experiment)
        inputs = {
            "view": f"results/views/{experiment}/{fold}.parquet",
            "split": f"results/splits/{experiment}.parquet",
            "scheme": self.experiment_scheme_file(experiment),
            "features": self.feature_shards(featureset, self.experiment_corpora(experiment)),
        }
        if self.oversamples(experiment):
            inputs["augmented"] = (
                f"results/features/{featureset}/augmented/{experiment}/{fold}.parquet"
            )
        return inputs

    def classic_mem_mb(self, experiment: str, attempt: int = 1) -> int:
        """Memory of a classic training job: model.mem_mb (default 4 GB) x attempt (an RBF SVM
        on n training rows holds ~2 n^2 float64 kernel entries: 16 GB at n = 30 000)."""
        return int(self.model(experiment).get("mem_mb", 4000)) * attempt

    def layer_table_inputs(self, experiment: str) -> dict[str, str]:
        """Run -> config.json of every run of a layer_probe experiment (rule make_layer_table)."""
        return {
            run: f"results/models/{experiment}/{run}/config.json" for run in self.runs(experiment)
        }

    # train.smk
    def neural_inputs(self, experiment: str, run: str) -> dict[str, Any]:
        """View, split, scheme (+ augmented audio, LR table, init model, SSL features or
        transcripts) of a neural run."""
        family, fold = self.families(experiment)[0], self.view_fold(experiment, run)
        inputs = {
            "view": f"results/views/{experiment}/{fold}.parquet",
            "split": f"results/splits/{experiment}.parquet",
            "scheme": self.experiment_scheme_file(experiment),
        }
        if self.oversamples(experiment):
            inputs["augmented"] = f"results/augmented/{experiment}/{fold}.parquet"
        if run == names.FINAL and self.lr_grid(experiment):
            inputs["lr_table"] = f"results/tables/{experiment}_lr_cv.csv"
        if self.init_model(experiment):  # a later stage starts from an earlier one's model
            inputs["init_model"] = self.init_model(experiment)
        elif self.converted_encoder(experiment):  # rule convert_whisper
            inputs["encoder"] = self.converted_encoder(experiment)
        corpora = self.experiment_corpora(experiment)
        if family == "frozen_head":
            inputs["features"] = self.feature_shards(self.ssl_featureset(experiment), corpora)
        elif family == "multimodal":
            inputs["transcripts"] = self.transcripts(corpora)
        return inputs

    def neural_threads(self, experiment: str) -> int:
        """CPU threads of a neural job: model.threads; default 4 (data loading beside a GPU), 1 for
        a tiny encoder (two intra-op threads made a tiny run 4x the CPU time of one thread, on
        a 2-core machine running a second job: BENCHMARKS.md, Waiting times)."""
        default = 1 if self.tiny(experiment) else 4
        return int(self.model(experiment).get("threads", default))

    def neural_gpus(self, experiment: str) -> int:
        """GPUs a neural job claims (resource ``gpu``): 1, or 0 for a tiny encoder built from
        a config, which trains on a CPU core in seconds: claiming the one local GPU slot
        serialised a rehearsal's 30 tiny runs on a 2-core machine (half its cores idle)."""
        return 0 if self.tiny(experiment) else 1

    def neural_mem_mb(self, experiment: str, attempt: int = 1) -> int:
        """Memory of a neural job: model.mem_mb (default 4 GB tiny, 32 GB real) x attempt."""
        base = self.model(experiment).get("mem_mb", 4000 if self.tiny(experiment) else 32000)
        return int(base) * attempt

    def neural_runtime(self, experiment: str, attempt: int = 1) -> int:
        """Minutes of a neural job: model.runtime (default 30 tiny, 720 real) x attempt."""
        base = self.model(experiment).get("runtime", 30 if self.tiny(experiment) else 720)
        return int(base) * attempt

    def ssl_gpus(self, featureset: str) -> int:
        """GPUs an SSL extraction job claims: as :meth:`neural_gpus` for its encoder."""
        return self.neural_gpus(self.ssl_experiment(featureset))

    def ssl_mem_mb(self, featureset: str, attempt: int = 1) -> int:
        """Memory of an SSL extraction job x attempt: frame sequences of every layer are large
        (HuBERT Base, layer all: ~2 MB per second of audio, held twice while written)."""
        experiment = self.ssl_experiment(featureset)
        if self.tiny(experiment):
            return 4000 * attempt
        sequence = self.model(experiment).get("pooling") == "sequence"
        return (24000 if sequence else 8000) * attempt

    # report.smk
    def paper_table_inputs(self, table: str) -> dict[str, Any]:
        """The reference table and every file the table's bindings read."""
        return {
            "reference": str(self.reference_dir / f"{table}.csv"),
            "data": self.table_inputs(table),
        }

    def conservation_inputs(self, scheme: str) -> dict[str, list[str]]:
        corpora = self.scheme_corpora(scheme)
        return {
            "manifests": self.manifests(corpora),
            "manifest_rejects": [f"results/manifests/{c}.rejects.parquet" for c in corpora],
            "shards": self.audio_shards(corpora),
            "shard_rejects": self.audio_shard_rejects(corpora),
            "labels": [f"results/labels/{scheme}/{c}.parquet" for c in corpora],
            "dropped": [f"results/labels/{scheme}/{c}.dropped.parquet" for c in corpora],
        }
