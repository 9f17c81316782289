"""The guard's validation signal: out-of-fold predictions on the labeled rows.

A round is accepted only when it beats the best model so far by a margin
measured in standard errors of the paired per-row difference in correctness,
so that a gain of one lucky held-out row on a small labeled set does not count.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import StratifiedKFold

__all__ = ["GuardScore", "label_folds", "score_out_of_fold"]


@dataclass(frozen=True)
class GuardScore:
    """Out-of-fold accuracy and log-loss of one round, with per-row correctness.

    ``correct`` holds, for each labeled row, the share of repeats in which its
    held-out prediction was right.

    >>> import numpy as np
    >>> before = GuardScore(0.5, 0.7, np.array([1, 0, 1, 0, 1, 0, 1, 0.]))
    >>> after = GuardScore(0.75, 0.6, np.array([1, 1, 1, 1, 1, 0, 1, 0.]))
    >>> round(after.evidence_over(before), 3)   # mean 0.25 / (sd 0.463 / sqrt 8)
    1.528
    >>> after.beats(before, margin=1.0), after.beats(before, margin=2.0)
    (True, False)
    """

    accuracy: float
    log_loss: float
    correct: np.ndarray = field(repr=False, compare=False)

    def evidence_over(self, other):
        """Mean paired gain in correctness over ``other``, in standard errors."""
        gain = self.correct - other.correct
        mean = gain.mean()
        if mean <= 0:
            return 0.0 if mean == 0 else -np.inf
        spread = gain.std(ddof=1) / np.sqrt(len(gain))
        return np.inf if spread == 0 else float(mean / spread)

    def beats(self, other, *, margin=1.0):
        """Whether this round is better than ``other`` by ``margin`` standard errors."""
        return self.accuracy > other.accuracy and self.evidence_over(other) >= margin

    def __str__(self):
        return f"accuracy {self.accuracy:.4f}, log-loss {self.log_loss:.4f}"


def score_out_of_fold(y, proba, *, n_repeats=1):
    """Score stacked out-of-fold probabilities (``n_repeats`` copies of the labeled rows).

    >>> import numpy as np
    >>> score_out_of_fold(np.array([0, 1]), np.array([[0.8, 0.2], [0.6, 0.4]])).accuracy
    0.5
    """
    proba = np.clip(np.asarray(proba, dtype=float), 1e-12, 1.0)
    y = np.asarray(y)
    rows = np.arange(len(y))
    hits = (proba.argmax(axis=1) == y).astype(float)
    return GuardScore(
        accuracy=round(float(hits.mean()), 6),
        log_loss=round(float(-np.log(proba[rows, y]).mean()), 6),
        correct=hits.reshape(n_repeats, -1).mean(axis=0),
    )


def label_folds(label_codes, *, cv=5, validation_size=200, random_state=None):
    """Stratified folds of the labeled rows, repeated until they give at least
    ``validation_size`` held-out predictions (at most 5 repeats).

    Returns a list of ``(repeat, train, held_out)`` positions into ``label_codes``.

    >>> import numpy as np
    >>> folds = label_folds(np.array([0, 1] * 10), cv=5, validation_size=40, random_state=0)
    >>> len(folds), sorted(np.concatenate([h for r, _, h in folds if r == 1])) == list(range(20))
    (10, True)
    """
    counts = np.bincount(label_codes)
    n_splits = int(max(2, min(cv, counts[counts > 0].min())))
    n_repeats = int(min(5, max(1, np.ceil(validation_size / len(label_codes)))))
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    folds = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        for repeat in range(n_repeats):
            splitter = StratifiedKFold(
                n_splits=n_splits, shuffle=True,
                random_state=None if random_state is None else random_state + repeat)
            folds += [(repeat, train, held_out) for train, held_out
                      in splitter.split(np.zeros(len(label_codes)), label_codes)]
    return folds
