"""The rules' inputs, by stage (``rules/<stage>.smk``): what each job reads, as files of the one
table of path templates (:mod:`crossemo.plan.paths`).

:class:`Inputs` computes them from plain arguments (``tests/unit/test_plan_rules.py``);
:class:`RuleInputs` binds them to one plan as the rules' named input functions of the job's
wildcards: ``input: unpack(INPUTS.train_neural)`` (``rules/common.smk`` makes ``INPUTS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossemo.core import names, provenance
from crossemo.features.upstreams import whisper
from crossemo.plan import paths
from crossemo.plan.files import Files, converted_folder, each
from crossemo.plan.paths import fill


class Inputs(Files):
    """What each rule's jobs read, from the experiment's or corpus's name."""

    # ---- config files the rules read ----
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

    # ---- ingest.smk, strEmo.smk ----
    def corpus_root_input(self, corpus: str) -> str:
        """Input of ingest: the demo tree when the root lies in it, else the root itself."""
        return self.demo_or(self.corpus(corpus)["root"])

    def sheet_input(self, corpus: str) -> str:
        """Input of download_videos: the demo tree when the sheet lies in it, else the sheet."""
        return self.demo_or(self.corpus(corpus)["sheet"])

    # ---- labels.smk ----
    def label_inputs(self, scheme: str, corpus: str) -> dict[str, Any]:
        """Manifest, shards, shard rejects, scheme, filter table when configured."""
        inputs = {
            "manifest": fill(paths.MANIFEST, corpus=corpus),
            "shards": self.audio_shards([corpus]),
            "rejects": self.audio_shard_rejects([corpus]),
            "scheme": self.scheme_file(scheme),
        }
        if corpus in self.filtered_corpora:
            inputs["filter"] = fill(paths.FILTER, corpus=corpus)
        return inputs

    # ---- splits.smk, balance.smk ----
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
            "split": fill(paths.SPLIT, experiment=experiment),
            "labels": self.labelled_tables(experiment),
        }
        if self.oversamples(experiment):
            inputs["shards"] = self.audio_shards(self.experiment(experiment).get("train", []))
        return inputs

    # ---- features.smk ----
    def featureset_encoder(self, featureset: str) -> list[str]:
        """The converted Whisper folder (rule convert_whisper) whose hidden states a frozen
        encoder's feature set holds (``encoder: {convert: ...}``), or that a transformers
        Whisper feature set on a CTranslate2 model reads; or none."""
        settings = self.featureset_settings(featureset)
        if not isinstance(settings, Mapping):
            return []
        encoder = settings.get("encoder")
        if isinstance(encoder, Mapping) and "convert" in encoder:
            return [converted_folder(str(encoder["convert"]))]
        source = whisper.ct2_source(settings)  # transformers Whisper features of a CTranslate2
        return [converted_folder(source)] if source is not None else []

    # ---- classic.smk ----
    def classic_inputs(self, experiment: str, run: str) -> dict[str, Any]:
        """View, split table, scheme and feature shards (+ augmented features) of a classic run;
        of every set, set by set, when ``features:`` lists several (early fusion)."""
        fold = self.view_fold(experiment, run)
        sets = self.featuresets_of(experiment)
        corpora = self.experiment_corpora(experiment)
        inputs = {
            "view": fill(paths.VIEW, experiment=experiment, fold=fold),
            "split": fill(paths.SPLIT, experiment=experiment),
            "scheme": self.experiment_scheme_file(experiment),
            "features": [f for s in sets for f in self.feature_shards(s, corpora)],
        }
        if self.oversamples(experiment):
            augmented = [fill(paths.AUGMENTED_FEATURES, featureset=s, experiment=experiment,
                              fold=fold) for s in sets]  # fmt: skip
            inputs["augmented"] = augmented if len(sets) > 1 else augmented[0]
        return inputs

    def layer_table_inputs(self, experiment: str) -> dict[str, str]:
        """Run -> config.json of every run of a layer_probe experiment (rule make_layer_table)."""
        return {run: fill(paths.MODEL_CONFIG, experiment=experiment, run=run)
                for run in self.runs(experiment)}  # fmt: skip

    def search_table_inputs(self, experiment: str) -> dict[str, str]:
        """Run -> the config that records its search (classic config.json, neural model folder)
        of every run of a search experiment (rule make_search_table)."""
        template = paths.MODEL if self.is_neural(experiment) else paths.MODEL_CONFIG
        return {run: fill(template, experiment=experiment, run=run)
                for run in self.runs(experiment)}  # fmt: skip

    # ---- analysis.smk ----
    def map_inputs(self, experiment: str) -> dict[str, Any]:
        """Split table and every feature shard a classic experiment reads (rule map_features)."""
        corpora = self.experiment_corpora(experiment)
        return {
            "split": fill(paths.SPLIT, experiment=experiment),
            "features": [f for s in self.featuresets_of(experiment)
                         for f in self.feature_shards(s, corpora)],
        }  # fmt: skip

    def rank_inputs(self, experiment: str) -> dict[str, Any]:
        """The map's inputs and each run's saved model (``model_<run>``, rule rank_features)."""
        models = {f"model_{run}": fill(paths.CLASSIC_MODEL, experiment=experiment, run=run)
                  for run in self.runs(experiment)}  # fmt: skip
        return self.map_inputs(experiment) | models

    # ---- ensemble.smk ----
    def ensemble_inputs(self, experiment: str, run: str) -> dict[str, list[str]]:
        """The members' test (``members``) and dev (``members_dev``) predictions of the runs an
        ensemble's ``run`` combines, in ``model.members`` order."""
        runs = [(m.partition("/")[0], self.member_run(m, run))
                for m in self.ensemble_members(experiment)]  # fmt: skip
        return {
            "members": [fill(paths.PREDICTIONS, experiment=e, run=r) for e, r in runs],
            "members_dev": [fill(paths.DEV_PREDICTIONS, experiment=e, run=r) for e, r in runs],
        }

    def ensemble_table_inputs(self, experiment: str) -> dict[str, str]:
        """Run -> config.json of every run of an ensemble (rule make_ensemble_table)."""
        return {run: fill(paths.MODEL_CONFIG, experiment=experiment, run=run)
                for run in self.runs(experiment)}  # fmt: skip

    # ---- train.smk ----
    def neural_inputs(self, experiment: str, run: str) -> dict[str, Any]:
        """View, split, scheme (+ augmented audio, LR table, init model, SSL features or
        transcripts) of a neural run."""
        family, fold = self.families(experiment)[0], self.view_fold(experiment, run)
        inputs = {
            "view": fill(paths.VIEW, experiment=experiment, fold=fold),
            "split": fill(paths.SPLIT, experiment=experiment),
            "scheme": self.experiment_scheme_file(experiment),
        }
        if self.oversamples(experiment):
            inputs["augmented"] = fill(paths.AUGMENTED, experiment=experiment, fold=fold)
        if run == names.FINAL and self.lr_grid(experiment):
            inputs["lr_table"] = fill(paths.LR_CV_TABLE, experiment=experiment)
        if self.init_model(experiment):  # a later stage starts from an earlier one's model
            inputs["init_model"] = self.init_model(experiment)
        elif self.converted_encoder(experiment):  # rule convert_whisper
            inputs["encoder"] = self.converted_encoder(experiment)
        corpora = self.experiment_corpora(experiment)
        if family in names.SSL_FEATURE_FAMILIES:  # a frozen encoder's stored features
            inputs["features"] = self.feature_shards(self.ssl_featureset(experiment), corpora)
        elif family in names.TRANSCRIPT_FAMILIES:
            inputs["transcripts"] = self.transcripts(corpora)
        return inputs

    def lr_cv_inputs(self, experiment: str) -> dict[str, str]:
        """Run -> predictions of every LR cross-validation run (rule aggregate_lr_cv)."""
        return self.predictions(experiment, self.lr_cv_runs(experiment))

    # ---- evaluate.smk ----
    def evaluation_inputs(self, experiment: str) -> dict[str, Any]:
        """Inputs of evaluate_experiment (:mod:`crossemo.evaluation.job`): the split table (its
        groups are the intervals' clusters), the test corpora's manifests (speaker attributes
        of the subgroups), every run's test predictions (run name -> file), its training view
        (``view_{run}``: training priors of the prior-shift correction) and its dev predictions
        (``dev_{run}``: the calibration temperature is fitted on them; header-only for a run
        without dev rows)."""
        inputs: dict[str, Any] = {
            "split": fill(paths.SPLIT, experiment=experiment),
            "manifests": self.manifests(self.test_corpora(experiment)),
            **self.predictions(experiment),
        }
        for run in self.runs(experiment):
            fold = self.view_fold(experiment, run)
            inputs[f"view_{run}"] = fill(paths.VIEW, experiment=experiment, fold=fold)
            if self.families(experiment):  # classic, neural and ensemble runs write them
                inputs[f"dev_{run}"] = fill(paths.DEV_PREDICTIONS, experiment=experiment, run=run)
        return inputs

    def robustness_inputs(self, experiment: str) -> dict[str, Any]:
        """Inputs of test_robustness (:mod:`crossemo.stress.robustness_job`): the split table
        (speakers, clusters), the test corpora's manifests (gender), every run's clean test
        predictions (run name -> file), the predictions of each stress condition
        (``stressed_{condition}``) and the stress metrics (``metrics``)."""
        inputs: dict[str, Any] = {
            "split": fill(paths.SPLIT, experiment=experiment),
            "manifests": self.manifests(self.test_corpora(experiment)),
            "metrics": fill(paths.STRESS_METRICS, experiment=experiment),
            **self.predictions(experiment),
        }
        for condition in self.stress_conditions(experiment):
            path = fill(paths.STRESS_PREDICTIONS, experiment=experiment, condition=condition)
            inputs[f"stressed_{condition}"] = path
        return inputs

    def model_card_inputs(self, experiment: str) -> dict[str, Any]:
        """Inputs of write_model_cards (:mod:`crossemo.evaluation.cards`): the runs' metrics,
        the subgroup and calibration tables, the split audit and each run's model folder
        (``model_<run>``: a neural run's directory, the ``config.json`` of the others)."""
        neural = self.is_neural(experiment)
        inputs: dict[str, Any] = {
            "runs": fill(paths.METRICS_RUNS, experiment=experiment),
            "subgroups": fill(paths.SUBGROUPS, experiment=experiment),
            "calibration": fill(paths.CALIBRATION, experiment=experiment),
            "audit": fill(paths.SPLIT_AUDIT, experiment=experiment),
        }
        for run in self.runs(experiment):
            template = paths.MODEL if neural else paths.MODEL_CONFIG
            inputs[f"model_{run}"] = fill(template, experiment=experiment, run=run)
        return inputs

    def tracking_inputs(self, experiment: str) -> dict[str, Any]:
        """Inputs of track_experiment (:mod:`crossemo.tracking.stage`): the runs' metrics,
        the figures logged with each run, the card index (the runs' cards are written), and each
        run's model folder (``model_<run>``, as for the cards)."""
        models = self.model_card_inputs(experiment)
        inputs = {"runs": models["runs"], "cards": fill(paths.MODEL_CARDS, experiment=experiment),
                  "confusion": fill(paths.CONFUSION, experiment=experiment),
                  "reliability": fill(paths.RELIABILITY, experiment=experiment)}  # fmt: skip
        return inputs | {k: v for k, v in models.items() if k.startswith("model_")}

    def comparison_inputs(self, name: str) -> dict[str, list[str]]:
        """Prediction files of both sides and the split tables whose groups are the clusters:
        A's (paired: the sides share it), and B's too when unpaired."""
        (exp_a, runs_a), (exp_b, runs_b) = (self.comparison_side(name, s) for s in "ab")
        split = [exp_a] if self.paired(name) else list(dict.fromkeys([exp_a, exp_b]))
        return {
            "a": list(self.predictions(exp_a, runs_a).values()),
            "b": list(self.predictions(exp_b, runs_b).values()),
            "split": [fill(paths.SPLIT, experiment=e) for e in split],
        }

    # ---- report.smk ----
    def binding_inputs(self, experiment: str, binding: Mapping[str, Any]) -> dict[str, list[str]]:
        """Files the source of one binding reads (crossemo.report.ours.load_source)."""
        source = binding.get("source", "metrics")
        metrics = [fill(paths.METRICS_RUNS, experiment=experiment)]
        corpora = self.experiment_corpora(experiment)
        if source == "metrics":
            return {"metrics": metrics}
        if source == "lr_cv":
            return {"lr_cv": [fill(paths.LR_CV_TABLE, experiment=experiment)], "metrics": metrics}
        if source == "corpus":
            return {"manifests": self.manifests(corpora), "shards": self.audio_shards(corpora)}
        if source == "labels":
            return {"labels": self.labelled_tables(experiment)}
        if source == "split":
            return {"split": [fill(paths.SPLIT, experiment=experiment)]}
        if source == "view":
            fold = names.fold_name(binding.get("fold", 0))
            return {"view": [fill(paths.VIEW, experiment=experiment, fold=fold)]}
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
            for listed in bound["inputs"].values()
            for path in listed
        ]
        return list(dict.fromkeys(files))

    def paper_table_inputs(self, table: str) -> dict[str, Any]:
        """The reference table and every file the table's bindings read."""
        return {
            "reference": str(self.reference_dir / f"{table}.csv"),
            "data": self.table_inputs(table),
        }

    def leaderboard_inputs(self) -> dict[str, list[str]]:
        """The evaluation files of every experiment with a model (rule make_leaderboard)."""
        models = self.model_experiments
        return {
            "runs": each(paths.METRICS_RUNS, "experiment", models),
            "intervals": each(paths.INTERVALS, "experiment", models),
            "metrics": each(paths.METRICS, "experiment", models),
            "stress": each(paths.STRESS_METRICS, "experiment", self.stressed_experiments),
        }

    def conservation_inputs(self, scheme: str) -> dict[str, list[str]]:
        corpora = self.scheme_corpora(scheme)
        return {
            "manifests": self.manifests(corpora),
            "manifest_rejects": each(paths.MANIFEST_REJECTS, "corpus", corpora),
            "shards": self.audio_shards(corpora),
            "shard_rejects": self.audio_shard_rejects(corpora),
            "labels": [fill(paths.LABELS, scheme=scheme, corpus=c) for c in corpora],
            "dropped": [fill(paths.LABELS_DROPPED, scheme=scheme, corpus=c) for c in corpora],
        }

    # ---- stress.smk (crossemo.stress) ----
    def stress_prediction_inputs(self, experiment: str, condition: str) -> dict[str, Any]:
        """Inputs of predict_stressed: the split table, the condition's stressed test shards
        (``features`` of a classic experiment's sets or a frozen head's SSL set, else
        ``audio``) and per run its model folder, own test predictions and training view."""
        corpora = self.test_corpora(experiment)
        inputs: dict[str, Any] = {"split": fill(paths.SPLIT, experiment=experiment)}
        if self.is_classic(experiment):
            inputs["features"] = [
                fill(paths.STRESS_FEATURES, featureset=s, condition=condition, corpus=c,
                     shard=shard)
                for s in self.featuresets_of(experiment)
                for c in corpora for shard in self.shard_names(c)
            ]  # fmt: skip
        else:
            inputs["audio"] = [fill(paths.STRESS_AUDIO, condition=condition, corpus=c, shard=shard)
                               for c in corpora for shard in self.shard_names(c)]  # fmt: skip
        # a classic run's folder is named by its model file (train_classic writes files;
        # train_neural the folder)
        model = paths.CLASSIC_MODEL if self.is_classic(experiment) else paths.MODEL
        for run in self.runs(experiment):
            inputs[f"model_{run}"] = fill(model, experiment=experiment, run=run)
            inputs[f"predictions_{run}"] = fill(paths.PREDICTIONS, experiment=experiment, run=run)
            inputs[f"view_{run}"] = fill(paths.VIEW, experiment=experiment,
                                         fold=self.view_fold(experiment, run))  # fmt: skip
        return inputs

    def stress_evaluation_inputs(self, experiment: str) -> dict[str, Any]:
        """Inputs of evaluate_stress: the split table (the clusters), each run's own test
        predictions (``clean_<run>``) and each condition's stressed predictions
        (``stressed_<condition>``)."""
        inputs: dict[str, Any] = {"split": fill(paths.SPLIT, experiment=experiment)}
        inputs |= {f"clean_{run}": path for run, path in self.predictions(experiment).items()}
        for condition in self.stress_conditions(experiment):
            path = fill(paths.STRESS_PREDICTIONS, experiment=experiment, condition=condition)
            inputs[f"stressed_{condition}"] = path
        return inputs

    def stress_result_targets(self) -> list[str]:
        """The stress stage's outputs of every stressed experiment (rule all)."""
        outputs = (paths.STRESS_METRICS, paths.STRESS_BREAKDOWN, paths.STRESS_FIGURE)
        return [fill(t, experiment=e) for e in self.stressed_experiments for t in outputs]


class RuleInputs:
    """The rules' input functions, bound to one plan: each takes the job's ``wildcards``.

    Named after the rule they feed (``unpack(INPUTS.train_neural)``), or after the input for
    one that several rules read (``sheet=INPUTS.sheet``).
    """

    def __init__(self, plan: Inputs):
        self.plan = plan

    # ingest.smk, strEmo.smk
    def corpus_root(self, wildcards) -> str:
        return self.plan.corpus_root_input(wildcards.scanned_corpus)

    def sheet(self, wildcards) -> str:
        return self.plan.sheet_input(wildcards.corpus)

    # filters.smk
    def transcripts(self, wildcards) -> list[str]:
        return self.plan.transcripts([wildcards.corpus])

    # labels.smk
    def apply_label_scheme(self, wildcards) -> dict[str, Any]:
        return self.plan.label_inputs(wildcards.scheme, wildcards.corpus)

    # splits.smk, balance.smk
    def make_split(self, wildcards) -> dict[str, Any]:
        return self.plan.split_inputs(wildcards.experiment)

    def balance_training_set(self, wildcards) -> dict[str, Any]:
        return self.plan.balance_inputs(wildcards.experiment)

    # features.smk
    # stress.smk
    def perturb_audio(self, wildcards) -> dict[str, Any]:
        """The clean shard and, for a babble condition, the babble corpus's shards."""
        return {
            "shard": fill(paths.AUDIO_SHARD, corpus=wildcards.corpus, shard=wildcards.shard),
            "babble": self.plan.babble_shards(wildcards.condition),
        }

    def featureset_encoder(self, wildcards) -> list[str]:
        return self.plan.featureset_encoder(wildcards.featureset)

    # classic.smk
    def train_classic(self, wildcards) -> dict[str, Any]:
        return self.plan.classic_inputs(wildcards.experiment, wildcards.run)

    def make_layer_table(self, wildcards) -> dict[str, str]:
        return self.plan.layer_table_inputs(wildcards.experiment)

    def make_search_table(self, wildcards) -> dict[str, str]:
        return self.plan.search_table_inputs(wildcards.experiment)

    # ensemble.smk
    def combine_ensemble(self, wildcards) -> dict[str, list[str]]:
        return self.plan.ensemble_inputs(wildcards.experiment, wildcards.run)

    def make_ensemble_table(self, wildcards) -> dict[str, str]:
        return self.plan.ensemble_table_inputs(wildcards.experiment)

    # train.smk
    def train_neural(self, wildcards) -> dict[str, Any]:
        return self.plan.neural_inputs(wildcards.experiment, wildcards.run)

    def aggregate_lr_cv(self, wildcards) -> dict[str, str]:
        return self.plan.lr_cv_inputs(wildcards.experiment)

    # evaluate.smk
    def map_features(self, wildcards) -> dict[str, Any]:
        return self.plan.map_inputs(wildcards.experiment)

    def rank_features(self, wildcards) -> dict[str, Any]:
        return self.plan.rank_inputs(wildcards.experiment)

    def evaluate_experiment(self, wildcards) -> dict[str, Any]:
        return self.plan.evaluation_inputs(wildcards.experiment)

    def test_robustness(self, wildcards) -> dict[str, Any]:
        return self.plan.robustness_inputs(wildcards.experiment)

    def write_model_cards(self, wildcards) -> dict[str, Any]:
        return self.plan.model_card_inputs(wildcards.experiment)

    def make_seeds_table(self, wildcards) -> dict[str, str]:
        return {"intervals": fill(paths.INTERVALS, experiment=wildcards.experiment)}

    def track_experiment(self, wildcards) -> dict[str, Any]:
        return self.plan.tracking_inputs(wildcards.experiment)

    def compare_experiments(self, wildcards) -> dict[str, list[str]]:
        return self.plan.comparison_inputs(wildcards.comparison)

    # report.smk
    def make_paper_table(self, wildcards) -> dict[str, Any]:
        return self.plan.paper_table_inputs(wildcards.table)

    def make_leaderboard(self, wildcards) -> dict[str, list[str]]:
        return self.plan.leaderboard_inputs()

    def check_conservation(self, wildcards) -> dict[str, list[str]]:
        return self.plan.conservation_inputs(wildcards.scheme)

    # stress.smk
    def predict_stressed(self, wildcards) -> dict[str, Any]:
        return self.plan.stress_prediction_inputs(wildcards.experiment, wildcards.condition)

    def evaluate_stress(self, wildcards) -> dict[str, Any]:
        return self.plan.stress_evaluation_inputs(wildcards.experiment)
