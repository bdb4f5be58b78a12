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
        confusion=report(
            "results/figures/confusion_{experiment}.png",
            caption="../workflow/report/confusion.rst",
            category="Figures",
            labels={"figure": "confusion matrix", "experiment": "{experiment}"},
        ),
        subgroups=report(
            "results/tables/subgroups_{experiment}.csv",
            caption="../workflow/report/subgroups.rst",
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "subgroups"},
        ),
        calibration=report(
            "results/tables/calibration_{experiment}.csv",
            caption="../workflow/report/calibration.rst",
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "calibration"},
        ),
        reliability=report(
            "results/figures/reliability_{experiment}.png",
            caption="../workflow/report/calibration.rst",
            category="Figures",
            labels={"figure": "reliability diagram", "experiment": "{experiment}"},
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
        calibration=config["evaluation"]["calibration"],
    script:
        "../workflow/scripts/evaluate_experiment.py"


rule compare_experiments:
    input:
        unpack(lambda wildcards: PLAN.comparison_inputs(wildcards.comparison)),
    output:
        table=report(
            "results/tables/compare_{comparison}.csv",
            caption="../workflow/report/compare.rst",
            category="Comparisons",
            labels={"comparison": "{comparison}"},
        ),
    log:
        "logs/compare_experiments/{comparison}.log",
    wildcard_constraints:
        comparison=_alternatives(PLAN.comparisons),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        comparison=lambda wildcards: PLAN.comparison_params(wildcards.comparison),
        interval=config["evaluation"]["interval"],
        permutations=config["evaluation"]["permutations"],
    script:
        "../workflow/scripts/compare_experiments.py"
