rule evaluate_experiment:
    input:
        unpack(lambda wildcards: PLAN.predictions(wildcards.experiment)),
    output:
        runs="results/metrics/{experiment}.runs.json",
        table=report(
            "results/metrics/{experiment}.csv",
            caption="../workflow/report/metrics.rst",
            category="Metrics",
            labels={"experiment": "{experiment}"},
        ),
    log:
        "logs/evaluate_experiment/{experiment}.log",
    benchmark:
        "benchmarks/evaluate_experiment/{experiment}.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        bootstrap=config["evaluation"]["bootstrap"],
        seed=config["evaluation"]["seed"],
    script:
        "../workflow/scripts/evaluate_experiment.py"
