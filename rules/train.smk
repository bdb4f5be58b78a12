# Neural models (issue 5): one job per run (fold x LR for LR cross-validation, "final", "main",
# "foldK"). Checkpoints live in results/scratch/ (params, not outputs) so a killed or requeued
# job resumes; the declared outputs are the model directory and the predictions.


rule train_neural:
    input:
        unpack(neural_inputs),
    output:
        model=directory("results/models/{experiment}/{run}"),
        predictions=ensure(
            "results/predictions/{experiment}/{run}.parquet", non_empty=True
        ),
    log:
        "logs/train_neural/{experiment}/{run}.log",
    benchmark:
        "benchmarks/train_neural/{experiment}/{run}.tsv"
    wildcard_constraints:
        experiment=_alternatives(NEURAL_EXPERIMENTS),
        run=r"(main|final|fold\d+)(-lr[0-9.eE+-]+)?",
    conda:
        "../envs/train.yaml"
    threads: neural_threads
    resources:
        gpu=1,
        mem_mb=neural_mem_mb,
        runtime=neural_runtime,
    params:
        experiment=lookup(dpath="experiments/{experiment}", within=config),
        scratch=neural_scratch,
    script:
        "../workflow/scripts/train_neural.py"


rule aggregate_lr_cv:
    input:
        unpack(lr_cv_predictions),
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
        experiment=_alternatives(LR_CV_EXPERIMENTS),
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
        ssl_featureset=_alternatives(SSL_FEATURESETS),
    conda:
        "../envs/train.yaml"
    threads: 4
    resources:
        gpu=1,
        mem_mb=ssl_mem_mb,
        runtime=60,
    params:
        settings=ssl_settings,
    script:
        "../workflow/scripts/extract_ssl_features.py"
