rule train_classic:
    input:
        unpack(INPUTS.train_classic),
    output:
        model=ensure(paths.CLASSIC_MODEL, non_empty=True),
        label_map=paths.LABEL_MAP,
        config=paths.MODEL_CONFIG,
        predictions=ensure(paths.PREDICTIONS, non_empty=True),
        dev_predictions=paths.DEV_PREDICTIONS,
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
        mem_mb=RESOURCES.train_classic_mem_mb,
    params:
        experiment=PARAMS.train_experiment,
        family=PARAMS.run_family,
    script:
        "../workflow/scripts/train_model.py"


# UAR by encoder layer of a model.layer_probe experiment (each run's layers, the chosen one marked).
rule make_layer_table:
    input:
        unpack(INPUTS.make_layer_table),
    output:
        table=paths.LAYER_TABLE,
        page=table_page(
            paths.LAYER_TABLE,
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
