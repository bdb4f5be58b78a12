"""The files of the plan: each stage's file lists and the workflow's targets, written from the
one table of path templates (:mod:`crossemo.plan.paths`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from crossemo.features import upstreams
from crossemo.plan import paths
from crossemo.plan.experiments import Experiments, converted_encoder_name
from crossemo.plan.paths import fill
from crossemo.tracking.settings import tracking_settings


def each(template: str, wildcard: str, values: Iterable[str]) -> list[str]:
    """``template`` filled with each of ``values`` for its one ``wildcard``."""
    return [fill(template, **{wildcard: value}) for value in values]


def converted_folder(source: str) -> str:
    """The folder (in results/encoders/) of the CTranslate2 Whisper ``source`` converted to
    transformers by rule convert_whisper."""
    return fill(paths.ENCODER, encoder=converted_encoder_name(source))


class Files(Experiments):
    """File lists of the experiments and corpora, and the targets of rule ``all``."""

    # ---- corpora: manifests, audio shards ----
    def manifests(self, corpora: list[str] | None = None) -> list[str]:
        return each(paths.MANIFEST, "corpus", self.corpora if corpora is None else corpora)

    def source_checksums(self) -> list[str]:
        """Per-file checksums of every corpus's source audio (rule checksum_corpus)."""
        return each(paths.SOURCE_CHECKSUMS, "corpus", self.corpora)

    def shard_files(self, template: str, corpora: list[str] | None = None) -> list[str]:
        """``template`` (a ``{corpus}/{shard}`` file) for every shard of ``corpora`` (all corpora
        by default, or when the list is empty)."""
        return [
            fill(template, corpus=corpus, shard=shard)
            for corpus in (corpora or self.corpora)
            for shard in self.shard_names(corpus)
        ]

    def audio_shards(self, corpora: list[str] | None = None) -> list[str]:
        """Every audio shard of ``corpora`` (all corpora by default)."""
        return self.shard_files(paths.AUDIO_SHARD, corpora)

    def audio_shard_rejects(self, corpora: list[str] | None = None) -> list[str]:
        return self.shard_files(paths.AUDIO_SHARD_REJECTS, corpora)

    def audio_prints(self, corpora: list[str] | None = None) -> list[str]:
        """Fingerprint tables beside the audio shards of ``corpora`` (all by default)."""
        return self.shard_files(paths.AUDIO_PRINTS, corpora)

    def leakage_tables(self) -> list[str]:
        """Duplicate recordings over all corpora and the corpus fingerprints (report tables)."""
        return [paths.DUPLICATES, paths.CORPUS_FINGERPRINTS]

    def feature_shards(self, featureset: str, corpora: list[str]) -> list[str]:
        return [
            fill(paths.FEATURES, featureset=featureset, corpus=corpus, shard=shard)
            for corpus in corpora
            for shard in self.shard_names(corpus)
        ]

    def transcripts(self, corpora: list[str]) -> list[str]:
        return [fill(paths.TRANSCRIPTS, corpus=c, shard=s) for c in corpora
                for s in self.shard_names(c)]  # fmt: skip

    # ---- experiments: labels, splits, views, models, predictions ----
    def labelled_tables(self, experiment: str) -> list[str]:
        scheme = self.experiment(experiment)["scheme"]
        return [fill(paths.LABELS, scheme=scheme, corpus=c)
                for c in self.experiment_corpora(experiment)]  # fmt: skip

    def split_audits(self) -> list[str]:
        return each(paths.SPLIT_AUDIT, "experiment", self.experiments)

    def training_views(self) -> list[str]:
        """Every training view (one per experiment and fold)."""
        return [
            fill(paths.VIEW, experiment=e, fold=fold)
            for e in self.experiments
            for fold in self.fold_names(e)
        ]

    def predictions(self, experiment: str, runs: list[str] | None = None) -> dict[str, str]:
        """Run name -> predictions of ``runs`` (every run of the experiment by default)."""
        return {
            run: fill(paths.PREDICTIONS, experiment=experiment, run=run)
            for run in (self.runs(experiment) if runs is None else runs)
        }

    def converted_encoder(self, experiment: str) -> str | None:
        """The folder (in results/encoders/) of the experiment's converted Whisper, or None."""
        source = self.convert_source(experiment)
        return None if source is None else converted_folder(source)

    def init_model(self, experiment: str) -> str | None:
        """The saved model directory a run of ``experiment`` starts from, or None."""
        source = self.init_source(experiment)
        return fill(paths.MODEL, experiment=source[0], run=source[1]) if source else None

    # ---- analysis (rules map_features, rank_features) ----
    def analysis_on(self, key: str) -> bool:
        """Whether ``analysis.<key>`` (a count) asks for its jobs: absent (its schema default,
        not zero) or above zero."""
        return bool((self.config.get("analysis") or {}).get(key, 1))

    def analysed(self, experiments: list[str]) -> list[str]:
        """Those of ``experiments`` that ``analysis.experiments`` names (all when absent)."""
        chosen = (self.config.get("analysis") or {}).get("experiments")
        return experiments if chosen is None else [e for e in experiments if e in chosen]

    @property
    def mapped_experiments(self) -> list[str]:
        """Classic experiments with an embedding map of their feature rows (neural families
        have none)."""
        on = self.analysis_on("embedding_points")
        return self.analysed(list(self.classic_experiments)) if on else []

    @property
    def ranked_experiments(self) -> list[str]:
        """Classic experiments on one named feature set (eGeMAPS, the hand-crafted set ...:
        columns with names) with permutation feature importance; unnamed dimensions (SSL,
        Whisper) and fused sets have none."""
        if not self.analysis_on("importance_repeats"):
            return []
        named = set(upstreams.featuresets())
        return self.analysed([e for e in self.classic_experiments
                              if isinstance(self.experiment(e).get("features"), str)
                              and self.experiment(e)["features"] in named])  # fmt: skip

    def analysis_targets(self) -> list[str]:
        """Embedding maps, importance tables and figures (report: "Speakers and features")."""
        targets = each(paths.EMBEDDING_FIGURE, "experiment", self.mapped_experiments)
        targets += each(paths.IMPORTANCE, "experiment", self.ranked_experiments)
        return targets + each(paths.IMPORTANCE_FIGURE, "experiment", self.ranked_experiments)

    # ---- targets ----
    def paper_table_targets(self) -> list[str]:
        """Per-paper tables (Markdown, CSV, LaTeX) and the deviations table."""
        targets = [
            fill(paths.PAPER_TABLE[ext], table=t)
            for t in self.paper_tables
            for ext in ("md", "csv", "tex")
        ]
        return targets + [paths.DEVIATIONS["md"], paths.DEVIATIONS["csv"]]

    def stage_tables(self) -> list[str]:
        """CSVs of other stages that the report shows as they are: split audits, StrEmo
        download status (adapter strEmo), filter step counts (corpora with ``filter:``)."""
        tables = self.split_audits()
        tables += self.leakage_tables()
        tables += each(paths.DOWNLOAD_STATUS_TABLE, "corpus", self.sheet_corpora)
        return tables + each(paths.FILTER_STEPS, "corpus", self.filtered_corpora)

    def report_targets(self) -> list[str]:
        """Tables and figures of the report (rule all builds them; --report collects them)."""
        models, matrices = self.model_experiments, self.matrix_experiments
        targets = each(paths.METRICS, "experiment", models)
        targets += self.paper_table_targets()
        targets += each(paths.CONSERVATION, "scheme", self.used_schemes)
        targets += self.stage_tables()
        targets += each(paths.CONFUSION, "experiment", models)
        targets += each(paths.LABEL_FIGURE, "experiment", self.experiments)
        targets += each(paths.COMPARISON, "comparison", self.comparisons)
        targets += each(paths.SUBGROUPS, "experiment", models)
        targets += each(paths.SPEAKERS, "experiment", models)
        targets += each(paths.SPEAKERS_FIGURE, "experiment", models)
        targets += each(paths.MODEL_CARDS, "experiment", models)
        targets += each(paths.CALIBRATION, "experiment", models)
        targets += each(paths.RELIABILITY, "experiment", models)
        targets += each(paths.CORPUS_MATRIX_TABLE, "experiment", matrices)
        targets += each(paths.CORPUS_MATRIX_FIGURE, "experiment", matrices)
        targets += each(paths.LAYER_TABLE, "experiment", self.layer_probe_experiments)
        targets += each(paths.SEARCH_TABLE, "experiment", self.search_experiments)
        targets += each(paths.SEARCH_TRIALS, "experiment", self.search_experiments)
        targets += each(paths.ENSEMBLE_TABLE, "experiment", self.ensemble_experiments)
        targets += each(paths.SEEDS_TABLE, "experiment", self.seeded_experiments)
        targets += self.analysis_targets()
        targets += self.robustness_targets()
        return targets + (list(paths.LEADERBOARD.values()) if models else [])

    def robustness_targets(self) -> list[str]:
        """The report's Robustness category: per stressed experiment, the named tests, the
        per-speaker table under stress and its figure."""
        stressed = self.stressed_experiments
        targets = each(paths.ROBUSTNESS, "experiment", stressed)
        targets += each(paths.STRESS_SPEAKERS, "experiment", stressed)
        return targets + each(paths.STRESS_SPEAKERS_FIGURE, "experiment", stressed)

    def strEmo_targets(self) -> list[str]:
        """Download status and overlap tables, transcripts, filter tables and step counts."""
        targets = each(paths.DOWNLOAD_STATUS_TABLE, "corpus", self.sheet_corpora)
        targets += each(paths.OVERLAPS, "corpus", self.sheet_corpora)
        targets += self.transcripts(self.transcribed_corpora)
        targets += each(paths.FILTER, "corpus", self.filtered_corpora)
        targets += each(paths.FILTER_STEPS, "corpus", self.filtered_corpora)
        return targets

    @cached_property
    def tracking(self) -> dict[str, Any] | None:
        """The checked ``tracking:`` block, defaults filled (None: tracking is off)."""
        return tracking_settings(self.config)

    def tracking_targets(self) -> list[str]:
        """What each experiment's runs logged to the trackers (none when tracking is off)."""
        return each(paths.TRACKING, "experiment", self.model_experiments) if self.tracking else []

    def neural_targets(self) -> list[str]:
        """LR cross-validation tables (predictions come in through metrics and the report)."""
        return each(paths.LR_CV_TABLE, "experiment", self.lr_cv_experiments)

    def all_targets(self) -> list[str]:
        """What ``snakemake`` (rule all) builds, each file once."""
        targets = (
            self.audio_shards()
            + self.split_audits()
            + self.training_views()
            + self.report_targets()
            + self.strEmo_targets()
            + self.neural_targets()
            + self.tracking_targets()
        )
        return list(dict.fromkeys(targets))
