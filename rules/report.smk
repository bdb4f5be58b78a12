localrules:
    make_leaderboard,
    make_paper_table,
    make_deviations_table,
    check_conservation,
    plot_label_distribution,
    make_corpus_matrix,


# The report's landing page: its category sorts first, and workflow.rst shows its headline.
rule make_leaderboard:
    input:
        unpack(INPUTS.make_leaderboard),
    output:
        html=report(
            paths.LEADERBOARD["html"],
            caption="../workflow/report/leaderboard.rst",
            category="At a glance",
            labels={"table": "leaderboard", "format": "HTML"},
        ),
        csv=report(
            paths.LEADERBOARD["csv"],
            caption="../workflow/report/leaderboard.rst",
            category="Metrics",
            labels={"experiment": "all", "table": "leaderboard"},
        ),
        md=paths.LEADERBOARD["md"],
        headline=paths.LEADERBOARD["headline"],
    log:
        "logs/make_leaderboard/leaderboard.log",
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        experiments=PARAMS.leaderboard,
    script:
        "../workflow/scripts/make_leaderboard.py"


rule make_paper_table:
    input:
        unpack(INPUTS.make_paper_table),
    output:
        md=paths.PAPER_TABLE["md"],
        csv=paths.PAPER_TABLE["csv"],
        page=table_page(
            paths.PAPER_TABLE["csv"],
            category="Paper tables",
            labels={"table": "{table}"},
        ),
        tex=paths.PAPER_TABLE["tex"],
    log:
        "logs/make_paper_table/{table}.log",
    wildcard_constraints:
        table=_alternatives(PLAN.paper_tables),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        bindings=PARAMS.paper_bindings,
        bootstrap=config["evaluation"]["interval"]["resamples"],
        seed=config["evaluation"]["interval"]["seed"],
    script:
        "../workflow/scripts/make_paper_table.py"


rule make_deviations_table:
    output:
        md=paths.DEVIATIONS["md"],
        csv=paths.DEVIATIONS["csv"],
        page=table_page(
            paths.DEVIATIONS["csv"],
            category="Paper tables",
            labels={"table": "deviations"},
        ),
    log:
        "logs/make_deviations_table/deviations.log",
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        deviations=PARAMS.deviations,
        title=inline_json(PLAN.deviations_title()),
    script:
        "../workflow/scripts/make_deviations_table.py"


rule check_conservation:
    input:
        unpack(INPUTS.check_conservation),
    output:
        table=paths.CONSERVATION,
        page=table_page(
            paths.CONSERVATION,
            category="Data accounting",
            labels={"table": "conservation", "scheme": "{scheme}"},
        ),
        losses=paths.LOSSES,
        losses_page=table_page(
            paths.LOSSES,
            category="Data accounting",
            labels={"table": "losses by reason", "scheme": "{scheme}"},
        ),
    log:
        "logs/check_conservation/{scheme}.log",
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        scheme="{scheme}",
    script:
        "../workflow/scripts/check_conservation.py"


rule plot_label_distribution:
    input:
        split=paths.SPLIT,
    output:
        figure=report(
            paths.LABEL_FIGURE,
            caption="../workflow/report/labels.rst",
            category="Figures",
            labels={"figure": "label distribution", "experiment": "{experiment}"},
        ),
    log:
        "logs/plot_label_distribution/{experiment}.log",
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        experiment="{experiment}",
    script:
        "../workflow/scripts/plot_label_distribution.py"


rule make_corpus_matrix:
    input:
        metrics=paths.METRICS_RUNS,
    output:
        table=paths.CORPUS_MATRIX_TABLE,
        page=table_page(
            paths.CORPUS_MATRIX_TABLE,
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "corpus matrix"},
        ),
        figure=report(
            paths.CORPUS_MATRIX_FIGURE,
            caption="../workflow/report/corpus_matrix.rst",
            category="Figures",
            labels={"figure": "corpus matrix", "experiment": "{experiment}"},
        ),
    log:
        "logs/make_corpus_matrix/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.matrix_experiments),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        matrix=PARAMS.corpus_matrix,
    script:
        "../workflow/scripts/make_corpus_matrix.py"
