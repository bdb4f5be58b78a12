"""Dev evaluation during training: the dev UAR and loss, the best evaluation, early stopping."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossemo.evaluation.metrics import uar

#: a dev UAR must beat the best by more than this to count as an improvement
MIN_DELTA = 1e-12


def dev_scores(probs: np.ndarray, labels: np.ndarray, n_classes: int) -> dict[str, float]:
    """``dev_uar`` and ``dev_loss`` (mean cross-entropy) of class probabilities ``probs``."""
    picked = probs[np.arange(len(labels)), np.maximum(labels, 0)]
    return {"dev_uar": uar(labels, probs.argmax(1), classes=range(n_classes)),
            "dev_loss": float(-np.mean(np.log(picked + 1e-12)))}  # fmt: skip


@dataclass
class EarlyStopping:
    """The best dev UAR so far and the evaluations without improvement since."""

    patience: int | None  #: evaluations without improvement that stop training (None: never)
    best_metric: float | None = None
    best_step: int = -1
    bad_evals: int = 0

    def update(self, metric: float, step: int) -> bool:
        """Record the dev UAR at ``step``; True when it is the best so far."""
        if self.best_metric is None or metric > self.best_metric + MIN_DELTA:
            self.best_metric, self.best_step, self.bad_evals = metric, step, 0
            return True
        self.bad_evals += 1
        return False

    @property
    def exhausted(self) -> bool:
        """True when the patience is used up."""
        return self.patience is not None and self.bad_evals >= self.patience
