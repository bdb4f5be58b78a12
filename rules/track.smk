# Experiment tracking (config tracking:, off when absent): after evaluation and the model cards,
# one job per experiment logs each run to MLflow's local store and/or TensorBoard event files
# (crossemo.tracking), and lists what it logged. Training jobs import no tracking library.
rule track_experiment:
    input:
        unpack(INPUTS.track_experiment),
    output:
        table=paths.TRACKING,
    log:
        "logs/track_experiment/{experiment}.log",
    wildcard_constraints:
        experiment=_alternatives(PLAN.model_experiments),
    conda:
        "../envs/tracking.yaml"
    threads: 1
    params:
        tracking=PARAMS.tracking,
        store=paths.MLFLOW_STORE,
        tensorboard=paths.TENSORBOARD,
    script:
        "../workflow/scripts/track_experiment.py"
