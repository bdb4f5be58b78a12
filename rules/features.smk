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
