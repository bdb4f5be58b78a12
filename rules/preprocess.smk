rule preprocess_audio:
    input:
        manifest=paths.MANIFEST,
    output:
        shard=ensure(paths.AUDIO_SHARD, non_empty=True),
        rejects=paths.AUDIO_SHARD_REJECTS,
    log:
        "logs/preprocess_audio/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/preprocess_audio/{corpus}/{shard}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.shard_mem_mb,
    params:
        n_shards=PARAMS.n_shards,
        settings=config["preprocess"],
        provenance=PARAMS.provenance,
    script:
        "../workflow/scripts/preprocess_audio.py"


rule fingerprint_audio:
    input:
        shard=paths.AUDIO_SHARD,
    output:
        prints=paths.AUDIO_PRINTS,
    log:
        "logs/fingerprint_audio/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/fingerprint_audio/{corpus}/{shard}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.shard_mem_mb,
    script:
        "../workflow/scripts/fingerprint_audio.py"


rule find_duplicates:
    input:
        prints=PLAN.audio_prints(),
    output:
        table=paths.DUPLICATES,
        page=table_page(
            paths.DUPLICATES,
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
