"""RBF-SVM grid selection: distances shared by every grid point vs sklearn's SVC per point.

    .venv/bin/python benchmarks/svm_grid.py [--repeats 3]

Baseline: `SVC(kernel="rbf", C, gamma)` fitted on the training rows and scored on the dev rows
for each point of the iberspeech paper's default grid (C = 2^-5..2^15, gamma = 2^-15..2^3, step
2^2: 110 points), as crossemo did before. Ours: `crossemo.models.selection.select_params`, which
computes the squared distances once per split and fits `SVC(kernel="precomputed")` per point.
Synthetic 4-class Gaussian features at the sizes of the paper's feature sets (eGeMAPS 88,
ComParE 6373) and of a rehearsal / an EmoDB fold; 10 % dev. Best of --repeats, wall seconds,
one process, BLAS threads as the machine gives them. Also prints how many points got exactly the
baseline's dev UAR (libsvm's tolerance may move a badly conditioned point).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from crossemo.evaluation.metrics import uar as _uar
from crossemo.models.families.svm import DEFAULT_GRID as DEFAULT_SVM_GRID
from crossemo.models.selection import _fit, make_estimator, param_grid, select_params

SIZES = [(150, 88), (150, 6373), (500, 88), (500, 6373)]


def best_of(repeats: int, fn):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print("rows features points  baseline_s  ours_s  speed-up  same_uar")
    rng = np.random.default_rng(0)
    points = param_grid(DEFAULT_SVM_GRID)
    for n, d in SIZES:
        y = np.repeat(np.arange(4), n // 4)
        X = rng.normal(size=(len(y), d)) + y[:, None] * 0.05
        dev = np.zeros(len(y), dtype=bool)
        dev[::10] = True

        def baseline(X=X, y=y, dev=dev):
            return [
                _uar(y[dev], _fit(make_estimator("svm", p, 0), X[~dev], y[~dev]).predict(X[dev]))
                for p in points
            ]

        def ours(X=X, y=y, dev=dev):
            return [r["uar"] for r in select_params("svm", points, X, y, None, dev, seed=0).results]

        t_base, plain = best_of(args.repeats, baseline)
        t_ours, fast = best_of(args.repeats, ours)
        same = sum(abs(a - b) < 1e-12 for a, b in zip(plain, fast, strict=True))
        print(f"{n:4d} {d:8d} {len(points):6d} {t_base:11.2f} {t_ours:7.2f} "
              f"{t_base / t_ours:8.1f}x {same:4d}/{len(points)}")  # fmt: skip


if __name__ == "__main__":
    main()
