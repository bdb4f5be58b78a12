localrules:
    make_paper_table,
    make_deviations_table,
    check_conservation,
    plot_label_distribution,
    make_corpus_matrix,


rule make_paper_table:
    input:
        unpack(lambda wildcards: PLAN.paper_table_inputs(wildcards.table)),
    output:
        md=report(
            "results/tables/paper_{table}.md",
            caption="../workflow/report/paper_table.rst",
            category="Paper tables",
            labels={"table": "{table}", "format": "Markdown"},
        ),
        csv=report(
            "results/tables/paper_{table}.csv",
            caption="../workflow/report/paper_table.rst",
            category="Paper tables",
            labels={"table": "{table}", "format": "CSV"},
        ),
        tex=report(
            "results/tables/paper_{table}.tex",
            caption="../workflow/report/paper_table.rst",
            category="Paper tables",
            labels={"table": "{table}", "format": "LaTeX"},
        ),
    log:
        "logs/make_paper_table/{table}.log",
    wildcard_constraints:
        table=_alternatives(PLAN.paper_tables),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        bindings=lambda wildcards: inline_json(PLAN.table_bindings(wildcards.table)),
        bootstrap=config["evaluation"]["interval"]["resamples"],
        seed=config["evaluation"]["interval"]["seed"],
    script:
        "../workflow/scripts/make_paper_table.py"


rule make_deviations_table:
    output:
        md=report(
            "results/tables/deviations.md",
            caption="../workflow/report/deviations.rst",
            category="Paper tables",
            labels={"table": "deviations", "format": "Markdown"},
        ),
        csv=report(
            "results/tables/deviations.csv",
            caption="../workflow/report/deviations.rst",
            category="Paper tables",
            labels={"table": "deviations", "format": "CSV"},
        ),
    log:
        "logs/make_deviations_table/deviations.log",
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        deviations=lambda wildcards: inline_json(list(config.get("deviations") or [])),  # at planning: rehearsal's too
        title=inline_json(PLAN.deviations_title()),
    script:
        "../workflow/scripts/make_deviations_table.py"


rule check_conservation:
    input:
        unpack(lambda wildcards: PLAN.conservation_inputs(wildcards.scheme)),
    output:
        table=report(
            "results/tables/conservation_{scheme}.csv",
            caption="../workflow/report/conservation.rst",
            category="Data accounting",
            labels={"table": "conservation", "scheme": "{scheme}"},
        ),
        losses=report(
            "results/tables/losses_{scheme}.csv",
            caption="../workflow/report/losses.rst",
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
        split="results/splits/{experiment}.parquet",
    output:
        figure=report(
            "results/figures/labels_{experiment}.png",
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
        metrics="results/metrics/{experiment}.runs.json",
    output:
        table=report(
            "results/tables/corpus_matrix_{experiment}.csv",
            caption="../workflow/report/corpus_matrix.rst",
            category="Metrics",
            labels={"experiment": "{experiment}", "table": "corpus matrix"},
        ),
        figure=report(
            "results/figures/corpus_matrix_{experiment}.png",
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
        matrix=lambda wildcards: PLAN.matrix_params(wildcards.experiment),
    script:
        "../workflow/scripts/make_corpus_matrix.py"
