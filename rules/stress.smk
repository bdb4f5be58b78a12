# Stress tests (crossemo.stress; plan: crossemo.plan.stress): each stressed experiment's test
# corpora under each of its conditions, test-time only and cached. One perturb_audio job per
# (condition, corpus, shard) writes an audio shard of the preprocessing contract; one
# extract_stress_features job per (feature set, condition, corpus, shard) runs the library call
# of rule extract_features on it, for the feature sets the stressed models read. A condition
# added later adds only its own jobs (its name is its settings).
rule perturb_audio:
    input:
        unpack(INPUTS.perturb_audio),
    output:
        shard=ensure(paths.STRESS_AUDIO, non_empty=True),
    log:
        "logs/perturb_audio/{condition}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/perturb_audio/{condition}/{corpus}/{shard}.tsv"
    wildcard_constraints:
        condition=_alternatives(PLAN.all_stress_conditions()),
    conda:
        "../envs/audio.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.shard_mem_mb,
    params:
        condition=PARAMS.stress_condition,
        seed=PARAMS.stress_seed,
        talkers=PARAMS.babble_talkers,
    script:
        "../workflow/scripts/perturb_audio.py"


rule extract_stress_features:
    input:
        shard=paths.STRESS_AUDIO,
        encoder=INPUTS.featureset_encoder,
    output:
        features=ensure(paths.STRESS_FEATURES, non_empty=True),
    log:
        "logs/extract_stress_features/{featureset}/{condition}/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/extract_stress_features/{featureset}/{condition}/{corpus}/{shard}.tsv"
    wildcard_constraints:
        featureset=_alternatives(PLAN.stress_featureset_names()),
        condition=_alternatives(PLAN.all_stress_conditions()),
    conda:
        RESOURCES.extract_features_env
    threads: RESOURCES.extract_features_threads
    resources:  # the CPU feature sets of classic models (frozen encoders are not stressed)
        mem_mb=RESOURCES.extract_features_mem_mb,
        runtime=RESOURCES.extract_features_runtime,
    params:
        featureset=PARAMS.featureset,
    script:
        "../workflow/scripts/extract_features.py"


# Every trained run of a stressed experiment on one condition's test inputs, no retraining
# (crossemo.stress.predict: the identity condition reproduces the runs' own predictions).
rule predict_stressed:
    input:
        unpack(INPUTS.predict_stressed),
    output:
        predictions=ensure(paths.STRESS_PREDICTIONS, non_empty=True),
    log:
        "logs/predict_stressed/{experiment}/{condition}.log",
    benchmark:
        "benchmarks/predict_stressed/{experiment}/{condition}.tsv"
    wildcard_constraints:
        experiment=_alternatives(PLAN.stressed_experiments),
        condition=CONDITION_PATTERN,
    conda:
        "../envs/train.yaml"
    threads: 1
    params:
        runs=PARAMS.stress_runs,
    script:
        "../workflow/scripts/predict_stressed.py"


# Degradation of each variant under every condition, with intervals and paired differences to
# clean audio; the condition at which each family breaks down; degradation curves.
rule evaluate_stress:
    input:
        unpack(INPUTS.evaluate_stress),
    output:
        metrics=paths.STRESS_METRICS,
        breakdown=paths.STRESS_BREAKDOWN,
        figure=report(
            paths.STRESS_FIGURE,
            caption="../workflow/report/stress.rst",
            category="Robustness",
            labels={"figure": "degradation curves", "experiment": "{experiment}"},
        ),
    log:
        "logs/evaluate_stress/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.stressed_experiments),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        interval=config["evaluation"]["interval"],
        conditions=PARAMS.stress_conditions,
        retained=PARAMS.stress_retained,
    script:
        "../workflow/scripts/evaluate_stress.py"


# Speaker fairness and the named robustness tests of a stressed experiment (one job each):
# per-speaker UAR on clean and every condition, the gender gap, pass/fail against
# stress.thresholds (crossemo.stress.robustness).
rule test_robustness:
    input:
        unpack(INPUTS.test_robustness),
    output:
        table=paths.ROBUSTNESS,
        page=table_page(
            paths.ROBUSTNESS,
            category="Robustness",
            labels={"experiment": "{experiment}", "table": "robustness tests"},
        ),
        speakers=paths.STRESS_SPEAKERS,
        speakers_page=table_page(
            paths.STRESS_SPEAKERS,
            category="Robustness",
            labels={
                "experiment": "{experiment}",
                "table": "UAR per speaker under stress",
            },
        ),
        figure=report(
            paths.STRESS_SPEAKERS_FIGURE,
            caption="../workflow/report/stress_speakers.rst",
            category="Robustness",
            labels={
                "figure": "UAR per speaker, clean vs worst",
                "experiment": "{experiment}",
            },
        ),
    log:
        "logs/test_robustness/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.stressed_experiments),
    conda:
        "../envs/report.yaml"
    threads: 1
    params:
        thresholds=config.get("stress", {}).get("thresholds", {}),
        interval=config["evaluation"]["interval"],
        speaker_min_n=config["analysis"]["speaker_min_n"],
    script:
        "../workflow/scripts/test_robustness.py"
