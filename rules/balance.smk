rule balance_training_set:
    input:
        unpack(balance_inputs),
    output:
        view="results/views/{experiment}/{fold}.parquet",
        augmented="results/augmented/{experiment}/{fold}.parquet",
    log:
        "logs/balance_training_set/{experiment}/{fold}.log",
    benchmark:
        "benchmarks/balance_training_set/{experiment}/{fold}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        balance=lambda wildcards: experiment_config(wildcards.experiment).get(
            "balance", {}
        ),
        seed=lambda wildcards: experiment_config(wildcards.experiment).get("seed", 0),
    script:
        "../workflow/scripts/balance_training_set.py"
