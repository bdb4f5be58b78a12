rule extract_features:
    input:
        shard=paths.AUDIO_SHARD,
    output:
        features=ensure(paths.FEATURES, non_empty=True),
    log:
        "logs/extract_features/{featureset}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/extract_features/{featureset}/{corpus}/{shard}.tsv"
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


# Whisper encoder features (crossemo.features.whisper): the experiments' `features:` mappings,
# one folder per distinct setting (PLAN.configured_featuresets), so experiments on the same
# settings share one extraction per shard.
rule extract_whisper_features:
    input:
        shard=paths.AUDIO_SHARD,
    output:
        features=ensure(paths.FEATURES, non_empty=True),
    log:
        "logs/extract_whisper_features/{featureset}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/extract_whisper_features/{featureset}/{corpus}/{shard}.tsv"
    wildcard_constraints:
        featureset=_alternatives(PLAN.configured_featuresets),
    conda:
        "../envs/whisper.yaml"
    threads: RESOURCES.encoder_threads
    resources:
        mem_mb=RESOURCES.whisper_features_mem_mb,
        runtime=RESOURCES.whisper_features_runtime,
    params:
        featureset=PARAMS.whisper_featureset,
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
