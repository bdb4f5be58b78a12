"""Threads, memory, runtime and GPUs of the rules: the rules of thumb, in one place.

Portable resources only (``threads``, ``mem_mb``, ``runtime`` in minutes, ``gpu``); partitions,
accounts and GPU models are the SLURM profile's (``profiles/slurm``). Memory and runtime that a
retry should raise scale with ``attempt``. A rule whose script runs on one thread says
``threads: 1`` itself; a rule that reads ``transcribe.mem_mb``/``runtime`` reads the config.

:class:`Resources` holds the needs that depend on an experiment (its model's ``mem_mb``,
``runtime``, ``threads`` keys or its encoder's size); :class:`RuleResources` holds the fixed
rules of thumb and binds the others to one plan as the rules' named resource functions:
``resources: mem_mb=RESOURCES.train_neural_mem_mb``.
"""

from __future__ import annotations

from crossemo.features import upstreams
from crossemo.plan.experiments import Experiments


class Resources(Experiments):
    """What a training or extraction job of an experiment or feature set needs."""

    # ---- classic.smk ----
    def classic_mem_mb(self, experiment: str, attempt: int = 1) -> int:
        """Memory of a classic training job: model.mem_mb (default 4 GB) x attempt (an RBF SVM
        on n training rows holds ~2 n^2 float64 kernel entries: 16 GB at n = 30 000)."""
        return int(self.model(experiment).get("mem_mb", 4000)) * attempt

    # ---- train.smk ----
    def neural_processes(self, experiment: str) -> int:
        """Training processes of a neural job: model.gpus (default 1), one per GPU of
        data-parallel training, or on CPU cores (gloo) with a tiny encoder or without CUDA."""
        return int(self.model(experiment).get("gpus", 1))

    def neural_threads(self, experiment: str) -> int:
        """CPU threads of a neural job: model.threads per process (default 4: data loading beside
        a GPU; 1 for a tiny encoder: two intra-op threads made a tiny run 4x the CPU time of one
        thread, on a 2-core machine running a second job: BENCHMARKS.md, Waiting times) x its
        processes."""
        default = 1 if self.tiny(experiment) else 4
        per_process = int(self.model(experiment).get("threads", default))
        return per_process * self.neural_processes(experiment)

    def neural_gpus(self, experiment: str) -> int:
        """GPUs a neural job claims (resource ``gpu``): one per process, or 0 for a tiny encoder
        built from a config, which trains on CPU cores in seconds: claiming the one local GPU
        slot serialised a rehearsal's 30 tiny runs on a 2-core machine (half its cores idle)."""
        return 0 if self.tiny(experiment) else self.neural_processes(experiment)

    def neural_mem_mb(self, experiment: str, attempt: int = 1) -> int:
        """Host memory of a neural job x attempt: model.mem_mb (the whole job), else 4 GB (tiny)
        or 32 GB (real) per process, as each process holds its own model, optimiser and loader."""
        given = self.model(experiment).get("mem_mb")
        if given is not None:
            return int(given) * attempt
        per_process = 4000 if self.tiny(experiment) else 32000
        return per_process * self.neural_processes(experiment) * attempt

    def neural_runtime(self, experiment: str, attempt: int = 1) -> int:
        """Minutes of a neural job: model.runtime (default 30 tiny, 720 real) x attempt."""
        base = self.model(experiment).get("runtime", 30 if self.tiny(experiment) else 720)
        return int(base) * attempt

    # ---- features.smk ----
    def featureset_resources(self, featureset: str) -> dict[str, int]:
        """Threads, GPUs, MB and minutes of an extraction job of a planned feature-set folder,
        as its upstream states them (crossemo.features.upstreams: ``resources``)."""
        return upstreams.resources(self.featureset_settings(featureset))

    def featuresets_on(self, gpu: bool) -> list[str]:
        """Planned feature-set folders whose extraction claims a GPU (``gpu``) or not: rule
        extract_gpu_features runs the first, extract_features the others (one library path; two
        rules so that a cluster profile can send only GPU jobs to its GPU partition)."""
        return [f for f in self.featuresets if (self.featureset_resources(f)["gpu"] > 0) == gpu]

    def featureset_env(self, featureset: str) -> str:
        """Conda env file of a feature set's extraction jobs (its upstream's ``ENV``)."""
        return f"../envs/{upstreams.env(self.featureset_settings(featureset))}.yaml"


class RuleResources:
    """The rules' resources: fixed rules of thumb (attributes) and functions of the job's
    ``wildcards`` (and ``attempt``) bound to one plan, read as ``RESOURCES.<name>``."""

    #: jobs on one audio shard or one corpus on a CPU core (decode + resample, fingerprint,
    #: openSMILE / hand-crafted features, clip segmentation)
    shard_mem_mb = 2000
    #: a download job holds one video's audio at a time
    download_mem_mb = 1000
    #: balance_training_set holds a training view and, when oversampling, its augmented audio
    view_mem_mb = 4000
    #: jobs that read many files through a thread pool (ingest_corpus, checksum_corpus,
    #: segment_clips)
    io_threads = 2
    #: synthesize_demo_corpora: Python beside the espeak-ng child processes it runs
    demo_threads = 2
    #: transcribe_shard: faster-whisper's CPU threads
    transcribe_threads = 2
    #: MB (x attempt) of a Whisper conversion (as a Whisper feature job)
    whisper_mem_mb = 4000
    #: combine_ensemble holds its members' predictions of one run
    ensemble_mem_mb = 2000

    def __init__(self, plan: Resources):
        self.plan = plan

    # features.smk: one extraction rule, each upstream's needs (threads, gpu, conda env too)
    def extract_features_threads(self, wildcards) -> int:
        return self.plan.featureset_resources(wildcards.featureset)["threads"]

    def extract_features_gpu(self, wildcards) -> int:
        return self.plan.featureset_resources(wildcards.featureset)["gpu"]

    def extract_features_mem_mb(self, wildcards, attempt: int) -> int:
        return self.plan.featureset_resources(wildcards.featureset)["mem_mb"] * attempt

    def extract_features_runtime(self, wildcards, attempt: int) -> int:
        return self.plan.featureset_resources(wildcards.featureset)["runtime"] * attempt

    def extract_features_env(self, wildcards) -> str:
        return self.plan.featureset_env(wildcards.featureset)

    # train.smk (convert_whisper)
    def convert_whisper_mem_mb(self, wildcards, attempt: int) -> int:
        return self.whisper_mem_mb * attempt

    # classic.smk
    def train_classic_mem_mb(self, wildcards, attempt: int) -> int:
        return self.plan.classic_mem_mb(wildcards.experiment, attempt)

    # train.smk
    def train_neural_threads(self, wildcards) -> int:
        return self.plan.neural_threads(wildcards.experiment)

    def train_neural_gpu(self, wildcards) -> int:
        return self.plan.neural_gpus(wildcards.experiment)

    def train_neural_mem_mb(self, wildcards, attempt: int) -> int:
        return self.plan.neural_mem_mb(wildcards.experiment, attempt)

    def train_neural_runtime(self, wildcards, attempt: int) -> int:
        return self.plan.neural_runtime(wildcards.experiment, attempt)
