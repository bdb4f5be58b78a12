"""Checks at parse time: configs that would otherwise fail inside a job (init_from chains, converted
Whisper encoders, Whisper inputs, comparisons, ensemble members, layer probes and combinations,
leave-one-corpus-out selection, fused feature sets, Whisper features of augmented audio, paper
bindings whose source the experiment cannot feed, repeats over seeds that would not compose, search
spaces), refused with the config key to fix."""

from __future__ import annotations

from crossemo import splits
from crossemo.core import names, provenance
from crossemo.core.configuration import nearest
from crossemo.models import families, search_space
from crossemo.models.families.keys import WHISPER_INPUTS
from crossemo.models.stages import init_chain, parse_init_from
from crossemo.plan.experiments import Experiments
from crossemo.tracking.settings import check_tracking

#: families whose ``model.encoder`` may be ``{convert: ...}`` (fine-tuned, or frozen features)
CONVERT_FAMILIES = ("finetune", "frozen_head")


class Checks(Experiments):
    """:meth:`validate`: every check of the plan; ``rules/common.smk`` runs it at start-up."""

    def validate(self) -> None:
        """Checks that would otherwise fail inside a job: init_from chains (unknown sources,
        families that cannot start from a saved model, cycles), Whisper features of augmented
        audio, paper bindings whose source the experiment cannot feed, and EmoBox's data folder
        of its protocols."""
        for e in self.neural_experiments:
            for stage in init_chain(e, self.config["experiments"]):  # families, cycles
                self.init_source(stage)  # sources that are neural experiments, with that run
            family = self.model(e)["family"]
            if self.convert_source(e) is not None and family not in CONVERT_FAMILIES:
                raise ValueError(
                    f"experiment {e}: model.encoder {{convert: ...}} (a CTranslate2 Whisper "
                    f"converted to transformers) needs family {' or '.join(CONVERT_FAMILIES)}, "
                    f"not {family}"
                )
            self.validate_whisper_input(e)
        for name in self.comparisons:
            self.validate_comparison(name)
        for e in self.ensemble_experiments:
            for member in self.ensemble_members(e):
                self.validate_member(e, member)
            if len(self.ensemble_members(e)) < 2:
                raise ValueError(f"experiments.{e}.model.members: list two or more experiments")
        for e in self.model_experiments:
            if self.loco(e):
                self.validate_loco(e)
        for e in self.experiments:
            self.validate_seeds(e)
        for e in self.classic_experiments:
            self.validate_fusion(e)
            if self.model(e).get("layer_probe"):
                self.validate_layer_probe(e)
            if self.model(e).get("layer_combination"):
                self.validate_layer_combination(e)
            configured = set(self.featuresets_of(e)) & set(self.configured_featuresets)
            if configured and self.oversamples(e):
                raise ValueError(
                    f"experiment {e}: oversampling with augmentation extracts features of the "
                    "augmented audio with rule extract_augmented_features, which has no Whisper "
                    "features; use balance: {method: undersample} or {method: none}"
                )
        for e in self.search_experiments:
            self.validate_search(e)
        for e in (self.config.get("analysis") or {}).get("experiments") or []:
            if e not in self.experiments:
                raise ValueError(f"analysis.experiments: {e!r} is not an experiment of the "
                                 f"config{nearest(e, self.experiments)}")  # fmt: skip
        check_tracking(self.config)
        for e in self.experiments:
            if self.experiment(e)["protocol"] in splits.EMOBOX_PROTOCOLS and not self.in_demo(
                self.experiment(e).get("emobox_data") or ""
            ):
                splits.Experiment.from_config(e, self.experiment(e)).check_emobox_data()
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

    def validate_search(self, experiment: str) -> None:
        """``search:``: ranges that can be sampled, no second selection of the same run, and
        (neural families; a classic estimator's keys are checked in its job) the family's keys."""
        where, search = f"experiments.{experiment}.search", self.experiment(experiment)["search"]
        model = self.model(experiment)
        if experiment in self.ensemble_experiments:
            raise ValueError(f"{where}: an ensemble trains no model to search; drop search")
        problems = search_space.range_problems(search, where)
        problems += search_space.model_problems(search, model, where)
        if self.is_neural(experiment):
            family = families.get(model["family"])
            known = search_space.neural_keys(family.keys, model)
            problems += search_space.unknown_keys(search["space"], known, where, family.name)
        if problems:
            raise ValueError("; ".join(problems))

    def validate_whisper_input(self, experiment: str) -> None:
        """``model.whisper_input``: one of its family's values, with an encoder that may be a
        Whisper (a tiny encoder of another model type has no windows)."""
        model = self.model(experiment)
        if "whisper_input" not in model:
            return
        key, value = f"experiments.{experiment}.model.whisper_input", model["whisper_input"]
        allowed = WHISPER_INPUTS.get(model["family"], ())
        if value not in allowed:
            takes = f"one of {', '.join(allowed)}" if allowed else "none (leave it out)"
            raise ValueError(f"{key}: {value!r}; family {model['family']} takes {takes}")
        encoder = model.get("encoder")
        kind = encoder.get("model_type", "hubert") if isinstance(encoder, dict) else None
        if isinstance(encoder, dict) and "tiny" in encoder and kind != "whisper":
            raise ValueError(f"{key}: the encoder is a tiny {kind}, not a Whisper; leave "
                             "whisper_input out or give a Whisper encoder")  # fmt: skip

    def in_demo(self, path: str) -> bool:
        """Whether ``path`` lies in the enabled demo's folder (written by its rule, so checked
        by the jobs that read it, not at start-up; a rehearsal's ``emobox_data``)."""
        demo = self.config.get("demo") or {}
        return bool(path) and bool(demo.get("enabled")) and provenance.inside(path, demo["dir"])

    def encoder_layers(self, experiment: str) -> str | list[int] | None:
        """The hidden states the experiment's features hold: ``all``, a list of two or more
        indices, or None (one layer, or features of no encoder layers)."""
        for folder in self.featuresets_of(experiment):  # a fused list: its Whisper set
            settings = self.configured_featuresets.get(folder) or {}
            layers = settings.get("layers")
            if settings.get("backend") != "transformers":
                continue
            if layers == "all" or (isinstance(layers, list) and len(set(layers)) > 1):
                return layers
        return None

    def validate_fusion(self, experiment: str) -> None:
        """A ``features:`` list (each item a known set, none twice: :meth:`featuresets_of`);
        ``fusion:`` only beside a list, and no layer probe of fused sets."""
        fused = len(self.featuresets_of(experiment)) > 1
        if "fusion" in self.experiment(experiment) and not fused:
            raise ValueError(f"experiments.{experiment}.fusion weighs the sets of a features: "
                             "list (early fusion); this experiment reads one set")  # fmt: skip
        if fused and self.model(experiment).get("layer_probe"):
            raise ValueError(f"experiments.{experiment}.model.layer_probe probes the layers of "
                             "one Whisper feature set, not a features: list")  # fmt: skip

    def validate_layer_probe(self, experiment: str) -> None:
        """``model.layer_probe`` needs features of several encoder layers and dev rows."""
        if self.encoder_layers(experiment) is None:
            raise ValueError(
                f"experiment {experiment}: model.layer_probe needs Whisper features of several "
                "layers: features {name: whisper, backend: transformers, layers: all (or a list)}"
            )
        if self.loco(experiment):
            return  # the layer chosen by leaving one training corpus out (validate_loco)
        exp = self.experiment(experiment)
        if (
            not float(exp.get("dev_fraction", 0.1)) > 0
            or self.model(experiment).get("select_on", "dev") != "dev"
        ):
            raise ValueError(
                f"experiment {experiment}: model.layer_probe chooses the layer on the dev "
                "split (set dev_fraction > 0 and select_on: dev) or by select_on: loco"
            )

    def validate_loco(self, experiment: str) -> None:
        """``select_on: loco`` needs two or more training corpora in every fold, and a choice to
        make (a neural family chooses its LR: it needs an lr_grid)."""
        key = f"experiments.{experiment}.model.select_on"
        corpora = self.training_corpora(experiment)
        if self.experiment(experiment)["protocol"] == names.CORPUS_MATRIX:
            raise ValueError(f"{key}: loco needs two or more training corpora in every fold, but "
                             f"a corpus_matrix fold trains on one; use dev or cv")  # fmt: skip
        if len(corpora) < 2:
            raise ValueError(f"{key}: loco holds out one training corpus at a time and needs "
                             f"two or more in train, not {corpora}; use dev or cv")  # fmt: skip
        if self.is_neural(experiment) and not self.lr_grid(experiment):
            raise ValueError(f"{key}: loco chooses a neural family's learning rate from "
                             "model.lr_grid, which the experiment does not set")  # fmt: skip

    def validate_layer_combination(self, experiment: str) -> None:
        """``model.layer_combination`` excludes ``layer_probe`` and needs features of the layers
        it combines (a list of layers: every one among the extracted ones)."""
        model = self.model(experiment)
        key = f"experiment {experiment}: model.layer_combination"
        if model.get("layer_probe"):
            raise ValueError(f"{key} and model.layer_probe exclude each other: keep one")
        found = self.encoder_layers(experiment)
        if found is None:
            raise ValueError(
                f"{key} needs Whisper features of several layers: features {{name: whisper, "
                "backend: transformers, layers: all (or a list)}"
            )
        wanted = model["layer_combination"].get("layers", "all")
        if isinstance(found, list) and wanted != "all" and not set(wanted) <= set(found):
            raise ValueError(
                f"{key}.layers {wanted}: the features hold layers {sorted(found)} only; add the "
                "others to features.layers or combine fewer"
            )

    def validate_comparison(self, name: str) -> None:
        """Refuse a pair of other label schemes; paired, a pair whose sides cannot share their
        test utterances (other split keys, or runs of other folds); unpaired, a pair of other
        train or test corpora (its difference would not be the protocols' alone)."""
        (exp_a, runs_a), (exp_b, runs_b) = (self.comparison_side(name, s) for s in "ab")
        key, sides = f"comparisons.{name}", f"{exp_a} and {exp_b}"
        scheme_a, scheme_b = (self.experiment(e)["scheme"] for e in (exp_a, exp_b))
        if scheme_a != scheme_b:
            raise ValueError(f"{key}: {sides} differ in scheme ({scheme_a} vs {scheme_b}); "
                             "compare experiments of one label scheme")  # fmt: skip
        if not self.paired(name):
            if self.sides_corpora(exp_a) != self.sides_corpora(exp_b):
                raise ValueError(f"{key}: {sides} differ in train or test corpora; paired: false "
                                 "compares two protocols of the same corpora, give both the "
                                 "same train and test corpora")  # fmt: skip
            return
        if self.split_config(exp_a) != self.split_config(exp_b):
            raise ValueError(f"{key}: {sides} differ in split keys, so not on the same test "
                             "utterances; give both the same split keys, or set paired: false "
                             "to compare two protocols' test sets")  # fmt: skip
        folds_a = sorted(names.parse_run(r)[0] for r in runs_a)
        if folds_a != sorted(names.parse_run(r)[0] for r in runs_b):
            raise ValueError(f"{key}: the sides hold runs of different folds; compare whole "
                             "experiments or runs of one fold")  # fmt: skip

    def validate_seeds(self, experiment: str) -> None:
        """``seeds:`` repeats classic and neural single-model runs (layer probes and fused
        features too); refused, naming the key, where a run's repeats would not compose: an
        experiment without a model, LR cross-validation, ensembles (and their members), corpus
        matrices, the source of a later stage, a neural ``model.seed`` beside ``seeds``, and
        ``seeds_split`` without ``seeds``."""
        key = f"experiments.{experiment}"
        exp = self.experiment(experiment)
        if exp.get("seeds_split") and not self.seeds(experiment):
            raise ValueError(f"{key}.seeds_split: draws a dev set per seed of seeds:, which "
                             "this experiment does not list; add seeds or leave it "
                             "out")  # fmt: skip
        if not self.seeds(experiment):
            return
        why = None
        if experiment not in self.model_experiments:
            why = "it has no model to repeat"
        elif self.lr_grid(experiment):
            why = "model.lr_grid chooses the LR over its own CV runs, which are not repeated"
        elif self.is_ensemble(experiment):
            why = "an ensemble combines its members' runs; it is not trained from a seed"
        elif exp["protocol"] == names.CORPUS_MATRIX:
            why = "a corpus matrix's cells are single runs"
        elif self.is_neural(experiment) and "seed" in self.model(experiment):
            why = "model.seed is the training seed of a single run; each repeat takes its own"
        for other in self.experiments:
            if other == experiment or why:
                continue
            if self.is_ensemble(other) and any(m.partition("/")[0] == experiment
                                               for m in self.ensemble_members(other)):  # fmt: skip
                why = f"ensemble {other} combines its runs (model.members), one per fold"
            source = parse_init_from(self.model(other).get("init_from"))
            if source and source[0] == experiment:
                why = f"experiment {other} starts from one of its runs (model.init_from)"
        if why:
            raise ValueError(f"{key}.seeds: {why}; leave seeds out of this experiment")

    def sides_corpora(self, experiment: str) -> dict[str, list[str]]:
        """What the sides of an unpaired comparison share: train and test corpora."""
        return {"train": self.training_corpora(experiment),
                "test": sorted(self.test_corpora(experiment))}  # fmt: skip

    def validate_member(self, experiment: str, member: str) -> None:
        """An ensemble's member: an experiment with a model, not an ensemble, on the ensemble's
        split (equal split keys, so its runs hold the same utterances), one family named where
        it has several, and runs of the ensemble's folds."""
        key = f"experiments.{experiment}.model.members"
        source, _, family = member.partition("/")
        if source not in self.model_experiments or self.is_ensemble(source):
            known = [e for e in self.model_experiments if not self.is_ensemble(e)]
            raise ValueError(f"{key}: {source!r} is not an experiment with a model (nor may it be "
                             f"an ensemble); choose from {known}")  # fmt: skip
        families = self.families(source)
        if (family or len(families) > 1) and family not in families:
            raise ValueError(f"{key}: {member!r}: name one family of {source} as "
                             f"{source}/<family>, one of {families}")  # fmt: skip
        ours, theirs = self.split_config(experiment), self.split_config(source)
        differ = sorted(k for k in {*ours, *theirs} if ours.get(k) != theirs.get(k))
        if differ:
            raise ValueError(f"{key}: {source} differs from {experiment} in split keys "
                             f"{differ}: give the ensemble its members' split keys (equal "
                             "values), so that their runs hold the same utterances")  # fmt: skip
        if self.lr_grid(source) and self.folds(experiment) > 1:
            raise ValueError(f"{key}: {source} chooses its LR by cross-validation and has one "
                             f"final run, not one per fold of {experiment}")  # fmt: skip
