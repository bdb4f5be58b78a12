rule evaluate_experiment:
    input:
        unpack(INPUTS.evaluate_experiment),
    output:
        runs=paths.METRICS_RUNS,
        table=paths.METRICS,
        page=table_page(
            paths.METRICS,
            category="Metrics",
            labels={"experiment": "{experiment}"},
        ),
        intervals=paths.INTERVALS,
        intervals_page=table_page(
            paths.INTERVALS,
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "intervals"},
        ),
        confusion=report(
            paths.CONFUSION,
            caption="../workflow/report/confusion.rst",
            category="Figures",
            labels={"figure": "confusion matrix", "experiment": "{experiment}"},
        ),
        subgroups=paths.SUBGROUPS,
        subgroups_page=table_page(
            paths.SUBGROUPS,
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "subgroups"},
        ),
        speakers=paths.SPEAKERS,
        speakers_page=table_page(
            paths.SPEAKERS,
            category="Speakers and features",
            labels={"experiment": "{experiment}", "table": "per speaker"},
        ),
        speakers_figure=report(
            paths.SPEAKERS_FIGURE,
            caption="../workflow/report/speakers.rst",
            category="Speakers and features",
            labels={"figure": "UAR per speaker", "experiment": "{experiment}"},
        ),
        calibration=paths.CALIBRATION,
        calibration_page=table_page(
            paths.CALIBRATION,
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "calibration"},
        ),
        reliability=report(
            paths.RELIABILITY,
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
        speaker_min_n=config["analysis"]["speaker_min_n"],
    script:
        "../workflow/scripts/evaluate_experiment.py"


# Mean, std and per-seed values of an experiment repeated over seeds (``seeds:``).
rule make_seeds_table:
    input:
        unpack(INPUTS.make_seeds_table),
    output:
        table=paths.SEEDS_TABLE,
        page=table_page(
            paths.SEEDS_TABLE,
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "seeds"},
        ),
    log:
        "logs/make_seeds_table/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.seeded_experiments),
    conda:
        "../envs/report.yaml"
    threads: 1
    script:
        "../workflow/scripts/make_seeds_table.py"


rule compare_experiments:
    input:
        unpack(INPUTS.compare_experiments),
    output:
        table=paths.COMPARISON,
        page=table_page(
            paths.COMPARISON,
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
        comparison=PARAMS.comparison,
        interval=config["evaluation"]["interval"],
        permutations=config["evaluation"]["permutations"],
    script:
        "../workflow/scripts/compare_experiments.py"


# Model cards, after evaluation (the scores exist only then): one job per experiment writes each
# run's README.md into its model folder (not declared: a neural run's folder is train_neural's
# directory() output) and the experiment's card index (crossemo.evaluation.cards).
rule write_model_cards:
    input:
        unpack(INPUTS.write_model_cards),
    output:
        index=paths.MODEL_CARDS,
    log:
        "logs/write_model_cards/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.model_experiments),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        card=PARAMS.model_card,
    script:
        "../workflow/scripts/write_model_cards.py"
