"""Support vector machine (scikit-learn ``SVC``, RBF kernel): the iberspeech paper's classifier.

Without a ``grid`` C and gamma are chosen from the paper's exponential sweep (after Hsu et al.:
C = 2^-5..2^15, gamma = 2^-15..2^3, every second power). Labels are ``SVC.predict``'s (its
one-vs-rest decision, ties broken); probabilities a softmax of the decision values. An RBF grid
is scored with the squared distances computed once per split (:func:`grid_uars`).
"""

from __future__ import annotations

from crossemo.models.families import keys

PAPER_NAME = "SVC"
KEYS = {**keys.CLASSIC, **keys.MEM}
DEFAULTS = keys.CLASSIC_DEFAULTS
#: exponential C/gamma sweep of the iberspeech paper (after Hsu et al.: C=2^-5..2^15, g=2^-15..2^3)
DEFAULT_GRID = {
    "C": {"base": 2, "from": -5, "to": 15, "step": 2},
    "gamma": {"base": 2, "from": -15, "to": 3, "step": 2},
}
#: the predicted label is the estimator's own ``predict`` (its tie-breaking), not the argmax of
#: the probabilities
OWN_LABELS = True


def estimator(params: dict, seed: int = 0, threads: int = 1):
    """An unfitted estimator with the family's defaults, ``params`` on top."""
    from sklearn.svm import SVC

    base = {"kernel": "rbf", "C": 1.0, "gamma": "scale", "decision_function_shape": "ovr",
            "break_ties": True, "random_state": seed}  # fmt: skip
    return SVC(**(base | params))


def _rbf_point(point: dict) -> bool:
    return point.get("kernel", "rbf") == "rbf" and not isinstance(point.get("gamma"), str)


def grid_uars(grid_points, X, y, splits, seed) -> list[float] | None:
    """Dev UAR of every RBF-SVM grid point, with the squared distances computed once per split
    (None when a point is not an RBF SVM with a numeric gamma: the engine scores it plainly).

    The same model as ``SVC(kernel="rbf")``: the kernel ``exp(-gamma * |x - y|^2)`` is built
    from distances shared by every (C, gamma) point and handed to ``SVC(kernel="precomputed")``,
    instead of libsvm recomputing it for each of the (by default 110) points (benchmarks/
    svm_grid.py: 3.7x faster on ComParE-sized features). It solves the same problem; libsvm
    stops within its tolerance, so a badly conditioned point (large C, small gamma) can land one
    dev utterance away from the plain path's solution (tests/unit/test_classic.py).
    """
    if not all(_rbf_point(p) for p in grid_points):
        return None
    import numpy as np
    from sklearn.metrics.pairwise import euclidean_distances
    from sklearn.svm import SVC

    from crossemo.evaluation.metrics import uar

    X = np.asarray(X, dtype=np.float64)
    fold_uars = np.zeros((len(splits), len(grid_points)))
    for f, (tr, va) in enumerate(splits):
        d_train = euclidean_distances(X[tr], squared=True)
        d_dev = euclidean_distances(X[va], X[tr], squared=True)
        for i, point in enumerate(grid_points):
            base = estimator(point, seed).get_params()
            gamma = float(base["gamma"] if "gamma" in point else 1.0 / (X.shape[1] * X[tr].var()))
            params = {k: v for k, v in base.items() if k not in ("kernel", "gamma")}
            est = SVC(kernel="precomputed", **params).fit(np.exp(-gamma * d_train), y[tr])
            fold_uars[f, i] = uar(y[va], est.predict(np.exp(-gamma * d_dev)))
    return [float(u) for u in fold_uars.mean(axis=0)]
