# Every trained run of a stressed experiment on one condition's test inputs, no retraining
# (crossemo.stress.predict: the identity condition reproduces the runs' own predictions).
rule predict_stressed:
    input:
        unpack(INPUTS.predict_stressed),
    output:
        predictions=ensure(paths.STRESS_PREDICTIONS, non_empty=True),
    log:
        "logs/predict_stressed/{experiment}/{condition}.log",
    benchmark:
        "benchmarks/predict_stressed/{experiment}/{condition}.tsv"
    wildcard_constraints:
        experiment=_alternatives(PLAN.stressed_experiments),
        condition=CONDITION_PATTERN,
    conda:
        "../envs/train.yaml"
    threads: 1
    params:
        runs=PARAMS.stress_runs,
    script:
        "../workflow/scripts/predict_stressed.py"


# Degradation of each variant under every condition, with intervals and paired differences to
# clean audio; the condition at which each family breaks down; degradation curves.
rule evaluate_stress:
    input:
        unpack(INPUTS.evaluate_stress),
    output:
        metrics=paths.STRESS_METRICS,
        breakdown=paths.STRESS_BREAKDOWN,
        figure=report(
            paths.STRESS_FIGURE,
            caption="../workflow/report/stress.rst",
            category="Robustness",
            labels={"figure": "degradation curves", "experiment": "{experiment}"},
        ),
    log:
        "logs/evaluate_stress/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.stressed_experiments),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        interval=config["evaluation"]["interval"],
        conditions=PARAMS.stress_conditions,
        retained=PARAMS.stress_retained,
    script:
        "../workflow/scripts/evaluate_stress.py"
