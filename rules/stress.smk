# Speaker fairness and the named robustness tests of a stressed experiment (one job each):
# per-speaker UAR on clean and every condition, the gender gap, pass/fail against
# stress.thresholds (crossemo.stress.robustness).
rule test_robustness:
    input:
        unpack(INPUTS.test_robustness),
    output:
        table=paths.ROBUSTNESS,
        page=table_page(
            paths.ROBUSTNESS,
            category="Robustness",
            labels={"experiment": "{experiment}", "table": "robustness tests"},
        ),
        speakers=paths.STRESS_SPEAKERS,
        speakers_page=table_page(
            paths.STRESS_SPEAKERS,
            category="Robustness",
            labels={
                "experiment": "{experiment}",
                "table": "UAR per speaker under stress",
            },
        ),
        figure=report(
            paths.STRESS_SPEAKERS_FIGURE,
            caption="../workflow/report/stress_speakers.rst",
            category="Robustness",
            labels={
                "figure": "UAR per speaker, clean vs worst",
                "experiment": "{experiment}",
            },
        ),
    log:
        "logs/test_robustness/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.stressed_experiments),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        thresholds=config.get("stress", {}).get("thresholds", {}),
        interval=config["evaluation"]["interval"],
        speaker_min_n=config["analysis"]["speaker_min_n"],
    script:
        "../workflow/scripts/test_robustness.py"
