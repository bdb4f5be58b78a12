rule preprocess_audio:
    input:
        manifest="results/manifests/{corpus}.parquet",
    output:
        shard=ensure("results/audio/{corpus}/{shard}.parquet", non_empty=True),
        rejects="results/audio/{corpus}/{shard}.rejects.parquet",
    log:
        "logs/preprocess_audio/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/preprocess_audio/{corpus}/{shard}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        n_shards=lookup(dpath="corpora/{corpus}/n_shards", within=config, default=1),
        settings=config["preprocess"],
        provenance=lambda wildcards: PLAN.manifest_provenance(wildcards.corpus),
    script:
        "../workflow/scripts/preprocess_audio.py"


rule fingerprint_audio:
    input:
        shard="results/audio/{corpus}/{shard}.parquet",
    output:
        prints="results/audio/{corpus}/{shard}.prints.parquet",
    log:
        "logs/fingerprint_audio/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/fingerprint_audio/{corpus}/{shard}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../workflow/scripts/fingerprint_audio.py"


rule find_duplicates:
    input:
        prints=PLAN.audio_prints(),
    output:
        table=report(
            "results/tables/duplicates.csv",
            caption="../workflow/report/duplicates.rst",
            category="Data accounting",
            labels={"table": "duplicate recordings"},
        ),
    log:
        "logs/find_duplicates/all.log",
    benchmark:
        "benchmarks/find_duplicates/all.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    script:
        "../workflow/scripts/find_duplicates.py"
