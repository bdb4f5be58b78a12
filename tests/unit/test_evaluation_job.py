"""The evaluation stage's one job sorts its named inputs into the four evaluations' arguments."""

from crossemo.evaluation.job import split_inputs


def test_inputs_are_sorted_by_role():
    inputs = {"split": "s.parquet", "manifests": ["m1.parquet", "m2.parquet"],
              "fold0-svm": "p0.parquet", "view_fold0-svm": "v0.parquet",
              "dev_fold0-svm": "d0.parquet", "main": "pm.parquet",
              "view_main": "vm.parquet"}  # fmt: skip
    files = split_inputs(inputs)
    assert files["predictions"] == {"fold0-svm": "p0.parquet", "main": "pm.parquet"}
    assert files["views"] == {"fold0-svm": "v0.parquet", "main": "vm.parquet"}
    assert files["dev"] == {"fold0-svm": "d0.parquet"}
    assert (files["split"], files["manifests"]) == ("s.parquet", ["m1.parquet", "m2.parquet"])
