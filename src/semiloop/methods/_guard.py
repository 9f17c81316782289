"""The guard's validation score: out-of-fold accuracy, ties broken by log-loss."""

from dataclasses import dataclass

import numpy as np

__all__ = ["GuardScore", "score_out_of_fold"]


@dataclass(frozen=True)
class GuardScore:
    """Out-of-fold accuracy and log-loss of one round on the labeled rows.

    >>> GuardScore(0.8, 0.5).worse_than(GuardScore(0.8, 0.4))
    True
    >>> GuardScore(0.9, 0.9).worse_than(GuardScore(0.8, 0.4))
    False
    """

    accuracy: float
    log_loss: float

    def worse_than(self, other):
        """Lower accuracy, or the same accuracy with a higher log-loss."""
        if not np.isclose(self.accuracy, other.accuracy):
            return self.accuracy < other.accuracy
        return self.log_loss > other.log_loss + 1e-9

    def __str__(self):
        return f"accuracy {self.accuracy:.4f}, log-loss {self.log_loss:.4f}"


def score_out_of_fold(y, proba):
    """Accuracy and mean negative log-likelihood of out-of-fold probabilities.

    >>> import numpy as np
    >>> score_out_of_fold(np.array([0, 1]), np.array([[0.8, 0.2], [0.6, 0.4]])).accuracy
    0.5
    """
    proba = np.clip(np.asarray(proba, dtype=float), 1e-12, 1.0)
    rows = np.arange(len(y))
    return GuardScore(
        accuracy=round(float(np.mean(proba.argmax(axis=1) == y)), 6),
        log_loss=round(float(-np.log(proba[rows, y]).mean()), 6),
    )
