rule train_classic:
    input:
        unpack(
            lambda wildcards: PLAN.classic_inputs(wildcards.experiment, wildcards.run)
        ),
    output:
        model=ensure("results/models/{experiment}/{run}/model.joblib", non_empty=True),
        label_map="results/models/{experiment}/{run}/label_map.json",
        config="results/models/{experiment}/{run}/config.json",
        predictions=ensure(
            "results/predictions/{experiment}/{run}.parquet", non_empty=True
        ),
        dev_predictions="results/predictions/{experiment}/{run}.dev.parquet",
    log:
        "logs/train_classic/{experiment}/{run}.log",
    benchmark:
        "benchmarks/train_classic/{experiment}/{run}.tsv"
    wildcard_constraints:
        experiment=_alternatives(PLAN.classic_experiments),
        run=names.CLASSIC_RUN_PATTERN,
    conda:
        "../envs/features.yaml"
    threads: 1  # libsvm is single-threaded; a profile's set-threads gives n_jobs to RF/XGB/KNN
    resources:
        mem_mb=lambda wildcards, attempt: PLAN.classic_mem_mb(
            wildcards.experiment, attempt
        ),
    params:
        experiment=lambda wildcards: PLAN.train_params(wildcards.experiment),
        family=lambda wildcards: PLAN.run_family(wildcards.experiment, wildcards.run),
    script:
        "../workflow/scripts/train_classic.py"


# UAR by encoder layer of a model.layer_probe experiment (each run's layers, the chosen one marked).
rule make_layer_table:
    input:
        unpack(lambda wildcards: PLAN.layer_table_inputs(wildcards.experiment)),
    output:
        table=report(
            "results/tables/{experiment}_layers.csv",
            caption="../workflow/report/layers.rst",
            category="Layer probing",
            labels={"experiment": "{experiment}"},
        ),
    log:
        "logs/make_layer_table/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.layer_probe_experiments),
    conda:
        "../envs/features.yaml"
    threads: 1
    script:
        "../workflow/scripts/make_layer_table.py"
