# One extraction rule for every upstream (crossemo.features.upstreams: openSMILE sets, the
# hand-crafted set, Whisper, SSL encoders, and any registered in config `upstreams:`): one job per
# planned feature-set folder (PLAN.featuresets: one per distinct setting, so experiments on the
# same settings share its shards, whether classic families or neural heads read them) and audio
# shard (+ the converted Whisper whose hidden states a frozen_head reads, rule convert_whisper).
# Conda env, threads and resources are the upstream's, by RESOURCES functions. Feature
# sets whose upstream claims a GPU go to rule extract_gpu_features, the same job on a GPU.
rule extract_features:
    input:
        shard=paths.AUDIO_SHARD,
        encoder=INPUTS.featureset_encoder,
    output:
        features=ensure(paths.FEATURES, non_empty=True),
    log:
        "logs/extract_features/{featureset}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/extract_features/{featureset}/{corpus}/{shard}.tsv"
    wildcard_constraints:
        featureset=_alternatives(PLAN.featuresets_on(gpu=False)),
    conda:
        RESOURCES.extract_features_env
    threads: RESOURCES.extract_features_threads
    resources:
        mem_mb=RESOURCES.extract_features_mem_mb,
        runtime=RESOURCES.extract_features_runtime,
    params:
        featureset=PARAMS.featureset,
    script:
        "../workflow/scripts/extract_features.py"


# The same extraction for feature sets whose upstream claims a GPU (an SSL encoder that is not
# tiny): a rule of its own only so that a cluster profile gives these jobs its GPU partition
# and keeps them out of the CPU shard bundles (profiles/slurm).
rule extract_gpu_features:
    input:
        shard=paths.AUDIO_SHARD,
        encoder=INPUTS.featureset_encoder,
    output:
        features=ensure(paths.FEATURES, non_empty=True),
    log:
        "logs/extract_gpu_features/{featureset}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/extract_gpu_features/{featureset}/{corpus}/{shard}.tsv"
    wildcard_constraints:
        featureset=_alternatives(PLAN.featuresets_on(gpu=True)),
    conda:
        RESOURCES.extract_features_env
    threads: RESOURCES.extract_features_threads
    resources:
        gpu=RESOURCES.extract_features_gpu,
        mem_mb=RESOURCES.extract_features_mem_mb,
        runtime=RESOURCES.extract_features_runtime,
    params:
        featureset=PARAMS.featureset,
    script:
        "../workflow/scripts/extract_features.py"


rule extract_augmented_features:
    input:
        shard=paths.AUGMENTED,
    output:
        features=paths.AUGMENTED_FEATURES,
    log:
        "logs/extract_augmented_features/{featureset}/{experiment}/{fold}.log",
    benchmark:
        "benchmarks/extract_augmented_features/{featureset}/{experiment}/{fold}.tsv"
    wildcard_constraints:
        featureset=_alternatives(names.FEATURESETS),
    conda:
        "../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.shard_mem_mb,
    params:
        featureset="{featureset}",
    script:
        "../workflow/scripts/extract_features.py"
