# Late fusion (model family ensemble): one job per run combines the members' predictions of that
# run (their test and dev predictions; nothing is trained on audio or features), then one table
# sets the members and the ensemble side by side.


rule combine_ensemble:
    input:
        unpack(INPUTS.combine_ensemble),
    output:
        config=paths.MODEL_CONFIG,
        predictions=ensure(paths.PREDICTIONS, non_empty=True),
        # the combination on the dev rows that chose the weights or fitted the stacker
        dev_predictions=paths.DEV_PREDICTIONS,
    log:
        "logs/combine_ensemble/{experiment}/{run}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.ensemble_experiments),
        run=names.ENSEMBLE_RUN_PATTERN,
    conda:
        "../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.ensemble_mem_mb,
    params:
        experiment=PARAMS.train_experiment,
    script:
        "../workflow/scripts/train_model.py"


rule make_ensemble_table:
    input:
        unpack(INPUTS.make_ensemble_table),
    output:
        table=paths.ENSEMBLE_TABLE,
        page=table_page(
            paths.ENSEMBLE_TABLE,
            category="Ensembles",
            labels={"experiment": "{experiment}"},
        ),
    log:
        "logs/make_ensemble_table/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.ensemble_experiments),
    conda:
        "../envs/features.yaml"
    threads: 1
    script:
        "../workflow/scripts/make_ensemble_table.py"
