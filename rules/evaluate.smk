rule evaluate_experiment:
    input:
        unpack(lambda wildcards: PLAN.evaluation_inputs(wildcards.experiment)),
    output:
        runs="results/metrics/{experiment}.runs.json",
        table=report(
            "results/metrics/{experiment}.csv",
            caption="../workflow/report/metrics.rst",
            category="Metrics",
            labels={"experiment": "{experiment}"},
        ),
        intervals=report(
            "results/metrics/{experiment}.intervals.csv",
            caption="../workflow/report/intervals.rst",
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "intervals"},
        ),
    log:
        "logs/evaluate_experiment/{experiment}.log",
    benchmark:
        "benchmarks/evaluate_experiment/{experiment}.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        interval=config["evaluation"]["interval"],
    script:
        "../workflow/scripts/evaluate_experiment.py"
