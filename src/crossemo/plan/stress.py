"""Stress tests in the plan: which experiments are stressed, under which conditions, and which
perturbed audio and feature shards that takes (rules/stress.smk), with their start-up checks.

``stress:`` (top level) lists the conditions (:mod:`crossemo.stress.conditions`), the seed and
the babble source; ``experiments.<e>.stress`` is ``true`` (the top-level conditions) or
``{conditions: [...]}`` (its own). Only test corpora are perturbed, never training corpora:
models are evaluated on the perturbed audio without retraining.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossemo.core import names
from crossemo.plan import paths
from crossemo.plan.files import Files
from crossemo.plan.paths import fill
from crossemo.stress import conditions

#: stress.* defaults (the schema fills them too; a plan built from a bare dict reads these)
DEFAULT_SEED = 0
DEFAULT_TALKERS = 4


class Stress(Files):
    """The stress tests of one validated config (the contract of rules/stress.smk)."""

    @property
    def stress(self) -> Mapping[str, Any]:
        """The top-level ``stress:`` block (empty: no stress tests)."""
        return self.config.get("stress") or {}

    @property
    def stressed_experiments(self) -> list[str]:
        """Experiments with ``stress: true`` or ``stress: {conditions: ...}``, sorted."""
        return [e for e in self.experiments if self.experiment(e).get("stress")]

    def stress_conditions(self, experiment: str) -> dict[str, dict[str, Any]]:
        """Condition name -> single settings of ``experiment`` (expanded; empty if unstressed).
        :class:`conditions.ConditionError` names the config key."""
        own = self.experiment(experiment).get("stress")
        if not own:
            return {}
        if isinstance(own, Mapping):
            where = f"experiments.{experiment}.stress.conditions"
            return conditions.expand(own.get("conditions") or [], where)
        return conditions.expand(self.stress.get("conditions") or [])

    def all_stress_conditions(self) -> dict[str, dict[str, Any]]:
        """Every condition of some stressed experiment (a name means the same settings)."""
        out: dict[str, dict[str, Any]] = {}
        for e in self.stressed_experiments:
            out.update(self.stress_conditions(e))
        return out

    def stress_seed(self) -> int:
        return int(self.stress.get("seed", DEFAULT_SEED))

    def babble_corpus(self) -> str | None:
        return (self.stress.get("babble") or {}).get("corpus")

    def babble_talkers(self) -> int:
        return int((self.stress.get("babble") or {}).get("talkers", DEFAULT_TALKERS))

    def stress_featuresets(self, experiment: str) -> list[str]:
        """Feature-set folders ``experiment`` reads of its test audio: a classic experiment's
        sets; none for models that read the audio (frozen encoders are refused at start-up)."""
        return self.featuresets_of(experiment) if self.is_classic(experiment) else []

    # ---- files ----
    def stress_audio(self, experiment: str, condition: str) -> list[str]:
        """The perturbed shards of ``experiment``'s test corpora under ``condition``."""
        return [
            fill(paths.STRESS_AUDIO, condition=condition, corpus=c, shard=s)
            for c in self.test_corpora(experiment)
            for s in self.shard_names(c)
        ]

    def stress_features(self, experiment: str, condition: str) -> list[str]:
        """The feature shards of the perturbed test audio that ``experiment``'s models read."""
        return [
            fill(paths.STRESS_FEATURES, featureset=f, condition=condition, corpus=c, shard=s)
            for f in self.stress_featuresets(experiment)
            for c in self.test_corpora(experiment)
            for s in self.shard_names(c)
        ]

    def stress_model_inputs(self, experiment: str, condition: str) -> list[str]:
        """What ``experiment``'s models read under ``condition``: feature shards, or the
        perturbed audio for models that read audio."""
        if self.stress_featuresets(experiment):
            return self.stress_features(experiment, condition)
        return self.stress_audio(experiment, condition)

    def stress_targets(self) -> list[str]:
        """Every stressed experiment's perturbed inputs under each of its conditions."""
        return [
            f
            for e in self.stressed_experiments
            for c in self.stress_conditions(e)
            for f in self.stress_model_inputs(e, c)
        ]

    def all_targets(self) -> list[str]:
        """Rule all's targets with the stress tests' perturbed inputs."""
        return list(dict.fromkeys(super().all_targets() + self.stress_targets()
                                  + self.stress_result_targets()))  # fmt: skip

    def stress_jobs(self) -> dict[str, list[tuple[str, ...]]]:
        """``perturb_audio``: (condition, corpus, shard) and ``extract_stress_features``:
        (featureset, condition, corpus, shard) of every planned file, each once."""
        audio, features = {}, {}
        for e in self.stressed_experiments:
            for c in self.stress_conditions(e):
                for corpus in self.test_corpora(e):
                    for s in self.shard_names(corpus):
                        audio[(c, corpus, s)] = None
                        for f in self.stress_featuresets(e):
                            features[(f, c, corpus, s)] = None
        return {"perturb_audio": list(audio), "extract_stress_features": list(features)}

    def stress_featureset_names(self) -> list[str]:
        """Feature sets extracted from perturbed audio (the wildcard's values)."""
        return sorted({f for e in self.stressed_experiments for f in self.stress_featuresets(e)})

    def babble_shards(self, condition: str) -> list[str]:
        """The babble corpus's audio shards for a babble condition (none for the others)."""
        spec = self.all_stress_conditions()[condition]
        if spec.get("color") != "babble":
            return []
        return self.audio_shards([self.babble_corpus()])

    # ---- checks ----
    def validate(self) -> None:
        """The other checks, then the stress tests' (:meth:`validate_stress`)."""
        super().validate()
        self.validate_stress()

    def validate_stress(self) -> None:
        """Conditions that expand, stressed experiments with a model that reads audio or
        stored features, and a babble corpus outside every stressed experiment's training."""
        seen: dict[str, dict[str, Any]] = {}
        for e in self.stressed_experiments:
            key = f"experiments.{e}.stress"
            if e not in self.model_experiments:
                raise ValueError(f"{key}: the experiment has no model to stress; add a model "
                                 "or remove stress")  # fmt: skip
            family = self.families(e)[0]
            if self.is_ensemble(e):
                raise ValueError(f"{key}: an ensemble combines other experiments' runs; stress "
                                 "its members instead")  # fmt: skip
            if family in names.TRANSCRIPT_FAMILIES:
                raise ValueError(
                    f"{key}: family {family} reads transcripts too; stressed transcripts would "
                    "need Whisper on every condition's audio, which stress tests do not run. "
                    "Stress a speech-only experiment"
                )
            if family == "frozen_head" or self.model(e).get("layer_probe"):
                what = "a frozen encoder's SSL features" if family == "frozen_head" else (
                    "a layer probe's runs (one per layer)")  # fmt: skip
                raise ValueError(f"{key}: stress tests do not score {what}; stress a classic "
                                 "or fine-tuned experiment")  # fmt: skip
            if self.experiment(e)["stress"] is True and not self.stress.get("conditions"):
                raise ValueError(f"{key}: true takes the top-level stress.conditions; list "
                                 "them, or give the experiment {conditions: [...]}")  # fmt: skip
            try:
                found = self.stress_conditions(e)
            except conditions.ConditionError as err:
                raise ValueError(str(err)) from None
            for name, spec in found.items():
                if seen.setdefault(name, spec) != spec:
                    raise ValueError(f"{key}: condition {name} has other settings elsewhere")
        self.validate_babble()

    def validate_babble(self) -> None:
        babbled = [n for n, s in self.all_stress_conditions().items() if s.get("color") == "babble"]
        if not babbled:
            return
        corpus = self.babble_corpus()
        if corpus is None:
            raise ValueError(f"stress.babble.corpus: conditions {', '.join(babbled)} mix babble "
                             "from a corpus; name one of the config's corpora")  # fmt: skip
        if corpus not in self.corpora:
            raise ValueError(f"stress.babble.corpus: {corpus!r} is not one of the config's "
                             f"corpora ({', '.join(self.corpora)})")  # fmt: skip
        for e in self.stressed_experiments:
            if corpus in self.stress_training_corpora(e):
                raise ValueError(
                    f"stress.babble.corpus: {corpus} trains experiment {e}; babble must come "
                    "from talkers the model never heard: name a corpus outside its training"
                )

    def stress_training_corpora(self, experiment: str) -> list[str]:
        """Corpora that train some run of ``experiment``: ``train`` of a cross_corpus one,
        every corpus of the others (their folds rotate the pool)."""
        exp = self.experiment(experiment)
        if exp["protocol"] == "cross_corpus":
            return list(exp.get("train", []))
        return self.experiment_corpora(experiment)
