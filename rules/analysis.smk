# Analysis figures of classic experiments (crossemo.evaluation.analysis): a t-SNE map of each
# one's standardised feature rows, and permutation feature importance of each one on a named
# feature set (eGeMAPS ...). Neural families have no feature rows and no map; the per-speaker
# UAR of every experiment is written by evaluate_experiment.
rule map_features:
    input:
        unpack(INPUTS.map_features),
    output:
        figure=report(
            paths.EMBEDDING_FIGURE,
            caption="../workflow/report/embedding.rst",
            category="Speakers and features",
            labels={"figure": "t-SNE map", "experiment": "{experiment}"},
        ),
    log:
        "logs/map_features/{experiment}.log",
    benchmark:
        "benchmarks/map_features/{experiment}.tsv"
    wildcard_constraints:
        experiment=_alternatives(PLAN.mapped_experiments),
    conda:
        "../envs/features.yaml"
    threads: 1
    params:
        experiment=PARAMS.analysis_features,
        settings=config["analysis"],
    script:
        "../workflow/scripts/map_features.py"


rule rank_features:
    input:
        unpack(INPUTS.rank_features),
    output:
        table=paths.IMPORTANCE,
        page=table_page(
            paths.IMPORTANCE,
            category="Speakers and features",
            labels={"experiment": "{experiment}", "table": "feature importance"},
        ),
        figure=report(
            paths.IMPORTANCE_FIGURE,
            caption="../workflow/report/importance.rst",
            category="Speakers and features",
            labels={"figure": "feature importance", "experiment": "{experiment}"},
        ),
    log:
        "logs/rank_features/{experiment}.log",
    benchmark:
        "benchmarks/rank_features/{experiment}.tsv"
    wildcard_constraints:
        experiment=_alternatives(PLAN.ranked_experiments),
    conda:
        "../envs/features.yaml"
    threads: 1
    params:
        experiment=PARAMS.analysis_features,
        settings=config["analysis"],
    script:
        "../workflow/scripts/rank_features.py"
