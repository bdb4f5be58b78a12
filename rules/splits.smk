rule make_split:
    input:
        unpack(lambda wildcards: PLAN.split_inputs(wildcards.experiment)),
    output:
        split="results/splits/{experiment}.parquet",
        audit=report(
            "results/splits/{experiment}.audit.csv",
            caption="../workflow/report/split_audit.rst",
            category="Data accounting",
            labels={"table": "split audit", "experiment": "{experiment}"},
        ),
    log:
        "logs/make_split/{experiment}.log",
    benchmark:
        "benchmarks/make_split/{experiment}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    params:
        experiment=lambda wildcards: PLAN.split_config(wildcards.experiment),
    script:
        "../workflow/scripts/make_split.py"
