"""Tracking: each run of an experiment logged, after evaluation, to an experiment tracker on this
machine (MLflow's local store, TensorBoard event files), for researchers who browse results there.

Post hoc, so training jobs import no tracking library and a change of ``tracking:`` reruns only
the tracking jobs (rule track_experiment, one per experiment). One module per concern:

- :mod:`~crossemo.tracking.settings`: the ``tracking:`` config block, checked (no network);
- :mod:`~crossemo.tracking.records`: what is logged of a run, read from the results tree;
- :mod:`~crossemo.tracking.mlflow_store`, :mod:`~crossemo.tracking.tensorboard_events`: the
  backends, named in :data:`~crossemo.tracking.settings.BACKENDS`;
- :mod:`~crossemo.tracking.stage`: the job (every backend, and the table of what was logged).
"""
