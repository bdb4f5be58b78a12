rule evaluate_predictions:
    input:
        predictions="results/predictions/{experiment}/{run}.parquet",
    output:
        metrics="results/metrics/{experiment}/{run}.json",
    log:
        "logs/evaluate_predictions/{experiment}/{run}.log",
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        bootstrap=config["evaluation"]["bootstrap"],
        seed=config["evaluation"]["seed"],
    script:
        "../workflow/scripts/evaluate_predictions.py"


rule aggregate_metrics:
    input:
        metrics=run_metrics,
    output:
        table=report(
            "results/metrics/{experiment}.csv",
            caption="../workflow/report/metrics.rst",
            category="Metrics",
            labels={"experiment": "{experiment}"},
        ),
    log:
        "logs/aggregate_metrics/{experiment}.log",
    conda:
        "../envs/report.yaml"
    threads: 1
    script:
        "../workflow/scripts/aggregate_metrics.py"
