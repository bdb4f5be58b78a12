rule balance_training_set:
    input:
        unpack(lambda wildcards: PLAN.balance_inputs(wildcards.experiment)),
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
        balance=lambda wildcards: PLAN.balance_params(wildcards.experiment)["balance"],
        seed=lambda wildcards: PLAN.balance_params(wildcards.experiment)["seed"],
    script:
        "../workflow/scripts/balance_training_set.py"
