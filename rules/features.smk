rule extract_features:
    input:
        shard="results/audio/{corpus}/{shard}.parquet",
    output:
        features=ensure(
            "results/features/{featureset}/{corpus}/{shard}.parquet", non_empty=True
        ),
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
        mem_mb=2000,
    params:
        featureset="{featureset}",
    script:
        "../workflow/scripts/extract_features.py"


# Whisper encoder features (crossemo.features.whisper): the experiments' `features:` mappings,
# one folder per distinct setting (PLAN.configured_featuresets), so experiments on the same
# settings share one extraction per shard.
rule extract_whisper_features:
    input:
        shard="results/audio/{corpus}/{shard}.parquet",
    output:
        features=ensure(
            "results/features/{featureset}/{corpus}/{shard}.parquet", non_empty=True
        ),
    log:
        "logs/extract_whisper_features/{featureset}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/extract_whisper_features/{featureset}/{corpus}/{shard}.tsv"
    wildcard_constraints:
        featureset=_alternatives(PLAN.configured_featuresets),
    conda:
        "../envs/whisper.yaml"
    threads: 4
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=lambda wildcards, attempt: 120 * attempt,
    params:
        featureset=lambda wildcards: PLAN.featureset_settings(wildcards.featureset),
    script:
        "../workflow/scripts/extract_features.py"


rule extract_augmented_features:
    input:
        shard="results/augmented/{experiment}/{fold}.parquet",
    output:
        features="results/features/{featureset}/augmented/{experiment}/{fold}.parquet",
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
        mem_mb=2000,
    params:
        featureset="{featureset}",
    script:
        "../workflow/scripts/extract_features.py"
