"""Checks at parse time: configs that would otherwise fail inside a job (init_from chains,
converted Whisper encoders, comparisons, layer probes, Whisper features of augmented audio,
paper bindings whose source the experiment cannot feed), refused with the config key to fix."""

from __future__ import annotations

from crossemo.core import names
from crossemo.models.stages import init_chain
from crossemo.plan.experiments import Experiments

#: families whose ``model.encoder`` may be ``{convert: ...}`` (fine-tuned, or frozen features)
CONVERT_FAMILIES = ("finetune", "frozen_head")


class Checks(Experiments):
    """:meth:`validate`: every check of the plan; ``rules/common.smk`` runs it at start-up."""

    def validate(self) -> None:
        """Checks that would otherwise fail inside a job: init_from chains (unknown sources,
        families that cannot start from a saved model, cycles), Whisper features of augmented
        audio, and paper bindings whose source the experiment cannot feed."""
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
