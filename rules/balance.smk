rule balance_training_set:
    input:
        unpack(INPUTS.balance_training_set),
    output:
        view=paths.VIEW,
        augmented=paths.AUGMENTED,
    log:
        "logs/balance_training_set/{experiment}/{fold}.log",
    benchmark:
        "benchmarks/balance_training_set/{experiment}/{fold}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.view_mem_mb,
    params:
        balance=PARAMS.balance,
        seed=PARAMS.balance_seed,
    script:
        "../workflow/scripts/balance_training_set.py"
