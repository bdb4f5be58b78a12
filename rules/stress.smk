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
    resources:
        gpu=RESOURCES.extract_features_gpu,
        mem_mb=RESOURCES.extract_features_mem_mb,
        runtime=RESOURCES.extract_features_runtime,
    params:
        featureset=PARAMS.featureset,
    script:
        "../workflow/scripts/extract_features.py"
