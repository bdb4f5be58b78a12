"""The rules' params: what each job reads from the config, and only that.

A job's params are its rerun trigger: each holds only the keys its job reads, so editing a
report-only key (a ``paper:`` binding) reruns report jobs only. :class:`Params` computes them
from plain arguments; :class:`RuleParams` binds them to one plan as the rules' named params
functions of the job's wildcards: ``params: experiment=PARAMS.train_experiment``.
Text that a report shows is passed as inline JSON (:func:`crossemo.core.safe_text.inline_json`).
"""

from __future__ import annotations

from typing import Any

from crossemo.core import names, provenance
from crossemo.core.safe_text import inline_json
from crossemo.plan.inputs import Inputs


class Params(Inputs):
    """What each rule's jobs read, from the experiment's or corpus's name."""

    # ---- ingest.smk, preprocess.smk, labels.smk, strEmo.smk, transcribe.smk ----
    def manifest_provenance(self, corpus: str) -> dict[str, Any]:
        """What ``corpus``'s manifest must record as its source (checked by its readers)."""
        return provenance.expected(self.corpus(corpus))

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

    # ---- balance.smk, classic.smk, train.smk ----
    def train_params(self, experiment: str) -> dict[str, Any]:
        """The part of ``experiment`` a training job reads (params of train_classic, train_neural
        and combine_ensemble): names.*_EXPERIMENT_KEYS of its kind, the model without
        its resource keys; with ``seeds_split`` also the split keys (a repeat draws its own dev
        set in its job, :mod:`crossemo.models.repeats`). Report keys (``paper:``), split and
        balance keys are not in it otherwise: editing them does not rerun training through
        params (a changed split does through its files)."""
        keys = names.NEURAL_EXPERIMENT_KEYS
        if self.is_classic(experiment):
            keys = names.CLASSIC_EXPERIMENT_KEYS
        elif self.is_ensemble(experiment):
            keys = names.ENSEMBLE_EXPERIMENT_KEYS
        out = names.job_keys(self.experiment(experiment), keys)
        if self.seeds_split(experiment):  # each repeat draws its dev set (models.repeats)
            out |= self.split_config(experiment) | {"seeds_split": True}
        return out

    def balance_params(self, experiment: str) -> dict[str, Any]:
        """What balance_training_set reads: ``balance:`` and the experiment's seed."""
        exp = self.experiment(experiment)
        return {"balance": exp.get("balance", {}), "seed": exp.get("seed", 0)}

    # ---- evaluate.smk, report.smk ----
    def comparison_params(self, name: str) -> dict[str, Any]:
        """What a compare_experiments job reads: the sides as written, the metric and whether
        the sides are paired."""
        entry = self.config["comparisons"][name]
        return {"sides": {"a": entry["a"], "b": entry["b"]}, "metric": entry.get("metric", "uar"),
                "paired": self.paired(name)}  # fmt: skip

    def matrix_params(self, experiment: str) -> dict[str, Any]:
        """What make_corpus_matrix reads: the corpora and whether LOCO sources follow."""
        exp = self.experiment(experiment)
        return {"train": list(exp["train"]), "include_loco": bool(exp.get("include_loco"))}

    def tracking_params(self, experiment: str) -> dict[str, Any]:
        """What track_experiment reads: the tracking settings, and the experiment's config
        (logged as the runs' params) without its paper bindings (a report-only key)."""
        exp = {k: v for k, v in self.experiment(experiment).items() if k != "paper"}
        return {"settings": self.tracking or {}, "experiment": exp}

    def card_params(self, experiment: str) -> dict[str, Any]:
        """What write_model_cards reads: the experiment's scheme, protocol, corpora (adapter,
        whether the demo generated them), encoder or features, and the deviations that concern
        it (a key under ``experiments.<experiment>``, a config-wide key, or none)."""
        exp, model = self.experiment(experiment), self.model(experiment)
        demo = self.config.get("demo") or {}
        demo_dir = str(demo.get("dir", "")).rstrip("/") if demo.get("enabled") else ""
        corpora = {}
        for name in self.experiment_corpora(experiment):
            entry = self.corpus(name)
            root = str(entry.get("root", ""))
            corpora[name] = {
                "adapter": entry.get("adapter", name),
                "synthetic": bool(demo_dir) and root.startswith(demo_dir + "/"),
            }
        own = f"experiments.{experiment}"

        def applies(keys: list[str]) -> bool:
            return not keys or any(k == own or k.startswith(own + ".")
                                   or not k.startswith("experiments.") for k in keys)  # fmt: skip

        deviations = [d for d in self.config.get("deviations") or []
                      if applies(list(d.get("keys") or []))]  # fmt: skip
        return {"scheme": exp.get("scheme"), "protocol": exp.get("protocol"),
                "train": list(exp.get("train", [])), "test": self.test_corpora(experiment),
                "families": self.families(experiment), "encoder": model.get("encoder"),
                "features": exp.get("features"), "corpora": corpora,
                "deviations": deviations}  # fmt: skip

    def leaderboard_params(self) -> dict[str, dict[str, Any]]:
        """What make_leaderboard reads of each experiment with a model: its label scheme,
        protocol and training corpora (the test corpora come from its metrics)."""
        return {e: {"scheme": self.experiment(e)["scheme"],
                    "protocol": self.experiment(e)["protocol"],
                    "train": list(self.experiment(e).get("train", []))}
                for e in self.model_experiments}  # fmt: skip

    def deviations_title(self) -> str:
        papers = sorted({t.split("_table")[0] for t in self.paper_tables})
        return "Deviations from the paper" + (f" ({', '.join(papers)})" if papers else "")


class RuleParams:
    """The rules' params functions, bound to one plan: each takes the job's ``wildcards``.

    Named after the param they fill (``experiment=PARAMS.train_experiment``), with the rule's
    name where one rule reads it (``PARAMS.make_split``).
    """

    def __init__(self, plan: Params):
        self.plan = plan

    # Keys of one config entry are read from it directly: Snakemake's ``lookup(dpath=...)``
    # walks the whole config for every job, so a config of many corpora and shards planned
    # quadratically (BENCHMARKS.md, DAG planning at EmoBox scale).

    # ingest.smk
    def adapter(self, wildcards) -> str:
        return self.plan.corpus(wildcards.scanned_corpus)["adapter"]

    def root(self, wildcards) -> str:
        return self.plan.corpus(wildcards.scanned_corpus)["root"]

    def adapter_options(self, wildcards) -> dict[str, Any]:
        return self.plan.corpus(wildcards.scanned_corpus).get("options", {})

    # preprocess.smk, labels.smk
    def n_shards(self, wildcards) -> int:
        return self.plan.corpus(wildcards.corpus).get("n_shards", 1)

    def provenance(self, wildcards) -> dict[str, Any]:
        return self.plan.manifest_provenance(wildcards.corpus)

    # filters.smk
    def filter_settings(self, wildcards) -> dict[str, Any]:
        return self.plan.corpus(wildcards.corpus)["filter"]

    def has_filter(self, wildcards) -> bool:
        return wildcards.corpus in self.plan.filtered_corpora

    # strEmo.smk
    def sheet(self, wildcards) -> str:
        return inline_json(self.plan.corpus(wildcards.corpus)["sheet"])

    def clip_sheet(self, wildcards) -> str:
        """The sheet's path as written (segment_clips reads it raw, download_videos as JSON)."""
        return self.plan.corpus(wildcards.corpus)["sheet"]

    def clip_tolerance_s(self, wildcards) -> float:
        return self.plan.corpus(wildcards.corpus).get("clip_tolerance_s", 0.5)

    def adapter_module(self, wildcards) -> str:
        """Dotted module path of a scanned corpus's adapter (a registered adapter's module
        reaches the ingest job, which runs in a process of its own)."""
        from crossemo.corpora import module_path

        return module_path(self.plan.corpus(wildcards.scanned_corpus)["adapter"])

    def download_settings(self, wildcards) -> str:
        return inline_json(self.plan.download_settings(wildcards.corpus))

    def download_serve_dir(self, wildcards) -> str:
        return inline_json(self.plan.download_serve_dir(wildcards.corpus))

    # splits.smk, balance.smk
    def make_split(self, wildcards) -> dict[str, Any]:
        return self.plan.split_config(wildcards.experiment)

    def balance(self, wildcards) -> dict[str, Any]:
        return self.plan.balance_params(wildcards.experiment)["balance"]

    def balance_seed(self, wildcards) -> int:
        return self.plan.balance_params(wildcards.experiment)["seed"]

    # features.smk, classic.smk, train.smk
    def featureset(self, wildcards) -> str | dict[str, Any]:
        """A planned feature set as its extraction job reads it: a named set's name, or
        ``{name: <upstream>, <settings>}``."""
        return self.plan.featureset_settings(wildcards.featureset)

    # stress.smk
    def stress_condition(self, wildcards) -> dict[str, Any]:
        """The single settings of the job's condition (``type`` and each setting)."""
        return self.plan.all_stress_conditions()[wildcards.condition]

    def stress_seed(self, wildcards) -> int:
        return self.plan.stress_seed()

    def babble_talkers(self, wildcards) -> int:
        return self.plan.babble_talkers()

    def whisper_source(self, wildcards) -> str:
        return self.plan.converted_encoders[wildcards.encoder]

    def train_experiment(self, wildcards) -> dict[str, Any]:
        return self.plan.train_params(wildcards.experiment)

    def run_family(self, wildcards) -> str:
        return self.plan.run_family(wildcards.experiment, wildcards.run)

    def lr_cv_metric(self, wildcards) -> str:
        return self.plan.model(wildcards.experiment).get("cv_metric", "uar")

    def lr_cv_select_on(self, wildcards) -> str:
        return self.plan.model(wildcards.experiment).get("select_on", "cv")

    # analysis.smk
    def analysis_features(self, wildcards) -> str:
        """What an analysis job reads of its experiment: ``features``, ``fusion``,
        ``standardize``."""
        e = self.plan.experiment(wildcards.experiment)
        keys = ("features", "fusion", "standardize")
        return inline_json({k: e.get(k) for k in keys})

    # evaluate.smk, report.smk
    def comparison(self, wildcards) -> dict[str, Any]:
        return self.plan.comparison_params(wildcards.comparison)

    def paper_bindings(self, wildcards) -> str:
        return inline_json(self.plan.table_bindings(wildcards.table))

    def deviations(self, wildcards) -> str:
        """The config's ``deviations:`` when the job is planned (a rehearsal's too)."""
        return inline_json(list(self.plan.config.get("deviations") or []))

    def model_card(self, wildcards) -> str:
        return inline_json(self.plan.card_params(wildcards.experiment))

    def tracking(self, wildcards) -> str:
        return inline_json(self.plan.tracking_params(wildcards.experiment))

    def leaderboard(self, wildcards) -> str:
        return inline_json(self.plan.leaderboard_params())

    def corpus_matrix(self, wildcards) -> dict[str, Any]:
        return self.plan.matrix_params(wildcards.experiment)

    # stress.smk
    def stress_runs(self, wildcards) -> dict[str, str]:
        """Run -> family of every run of a stressed experiment (predict_stressed)."""
        e = wildcards.experiment
        return {run: self.plan.run_family(e, run) for run in self.plan.runs(e)}

    def stress_conditions(self, wildcards) -> dict[str, dict[str, Any]]:
        """Name -> settings of the experiment's stress conditions (evaluate_stress)."""
        return self.plan.stress_conditions(wildcards.experiment)

    def stress_retained(self, wildcards) -> float:
        """``stress.thresholds.retained``: the share of the clean UAR a condition must keep."""
        thresholds = (self.plan.config.get("stress") or {}).get("thresholds") or {}
        return float(thresholds.get("retained", 0.8))
