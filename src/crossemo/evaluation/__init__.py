"""The evaluation stage: every run's predictions -> measures with clustered intervals, per
subgroup, calibrated, compared (rules evaluate_experiment and compare_experiments).

* :mod:`~crossemo.evaluation.metrics` -- the registry of measures (the only list of their
  names) and how each follows from confusion matrices;
* :mod:`~crossemo.evaluation.intervals` -- seeded cluster-bootstrap intervals over the split
  table's leakage groups;
* :mod:`~crossemo.evaluation.base` -- what the rest reads alike: predictions tables, classes,
  runs grouped into variants and units, test corpora, a result's scopes, run metrics files;
* :mod:`~crossemo.evaluation.runs` -- each run's measures and the experiment's tables;
* :mod:`~crossemo.evaluation.subgroups`, :mod:`~crossemo.evaluation.calibration`,
  :mod:`~crossemo.evaluation.comparisons` -- per speaker subgroup, under corpus shift, A - B;
* :mod:`~crossemo.evaluation.figures` -- confusion matrices, reliability diagrams, and the
  library's one matplotlib accessor;
* :mod:`~crossemo.evaluation.job` -- rule evaluate_experiment's one job.

Nothing is imported here: a model family importing ``crossemo.evaluation.metrics`` for its dev
UAR pays for numpy alone.
"""
