"""The evaluation stage: predictions -> metrics, intervals, subgroups, calibration, comparisons."""
