"""The automatic choice: every semi-supervised method against the supervised model.

:class:`AutoClassifier` is what ``semiloop train`` runs by default. It scores
the supervised base classifier and each candidate method (self-training, the
graph method, the S3VM) on the same held-out folds of the labeled rows, and
keeps the most accurate candidate only when its gain over the supervised
model is significant after allowing for having picked the best of several
(Westfall and Young's max-T over shared sign flips, :func:`semiloop.guard.choose`).
Otherwise the supervised model is returned.

Self-training scores itself: its guard runs one chain per fold of the same
folds, and its held-out probabilities at the round it keeps are used. Since
its rounds are chosen on those same rows, each round must pass its guard at
auto's own level (``margin``), not self-training's looser per-round 1.5: on
the KEEL australian data (62 labels, a random forest) a round accepted at
p = 0.038 then won auto's choice and lost 4 points on the test rows.
"""

from semiloop._compat import HasMethods
from semiloop.methods.guarded import _GuardedSelection
from semiloop.registry import CANDIDATES, METHODS, make_candidate

__all__ = ["AutoClassifier"]


class AutoClassifier(_GuardedSelection):
    """The best semi-supervised method for the data, or the supervised model.

    Parameters
    ----------
    supervised : estimator or None, default=None
        The base classifier: the supervised reference and fallback, and the
        classifier self-training wraps. None means a standardised logistic
        regression.
    methods : tuple of str, default=("self-training", "graph", "s3vm")
        Candidates, by name in :data:`semiloop.registry.METHODS`. A method is
        left out above its ``max_classes`` (the S3VM above 10 classes), with
        a record in ``history_`` that says so.
    cv, validation_size : int, default=5, 200
        The held-out folds of the labeled rows (as in :class:`GuardedClassifier`).
    split, holdout_share : {'folds', 'holdout'}, float, default='folds', 0.2
        Folds, or one held-out share of the labeled rows (as in :class:`GuardedClassifier`).
    margin : float, default=2.0
        One-sided level of the guard's test as a normal quantile (2.0: the
        adjusted p-value must be at most 0.023).
    n_jobs : int, default=None
        Threads for the held-out fits (None: one).
    callbacks : list of Callback, default=None
        Told of each stage and candidate record.
    random_state : int or None, default=None
        Seeds the folds and the methods.

    Attributes
    ----------
    estimator_, kept_, used_unlabeled_, supervised_score_, validation_score_,
    decision_, outcome_, history_, classes_, transduction_ :
        As in :class:`GuardedClassifier`; ``history_`` has one
        :class:`~semiloop.records.CandidateRecord` per candidate.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(300, noise=0.08, random_state=0)
    >>> y_partial = np.where(np.random.default_rng(0).random(300) < 0.1, y, -1)
    >>> model = AutoClassifier(methods=("self-training", "graph"), random_state=0)
    >>> model.fit(X, y_partial).kept_
    'graph'
    >>> [record.candidate for record in model.history_]
    ['supervised', 'self-training', 'graph']
    """

    _parameter_constraints: dict = {
        **_GuardedSelection._parameter_constraints,
        "supervised": [HasMethods(["fit", "predict"]), None],
        "methods": [tuple, list],
    }

    def __init__(self, supervised=None, *, methods=CANDIDATES, cv=5, validation_size=200,
                 split="folds", holdout_share=0.2, margin=2.0, n_jobs=None, callbacks=None,
                 random_state=None):
        self.supervised = supervised
        self.methods = methods
        self.cv = cv
        self.validation_size = validation_size
        self.split = split
        self.holdout_share = holdout_share
        self.margin = margin
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.random_state = random_state

    def _candidates(self, n_classes):
        base = self._supervised()
        candidates = {}
        for name in self.methods:
            limit = METHODS[name].max_classes
            if limit is not None and n_classes > limit:
                candidates[name] = f"{n_classes} classes, more than its {limit}"
                continue
            candidate = make_candidate(name, base, random_state=self.random_state)
            params = candidate.get_params(deep=False)
            if "callbacks" in params:
                candidate.set_params(callbacks=self.callbacks)
            if "guard_margin" in params:
                # self-training picks its rounds on the very held-out rows it is then
                # scored on here; each round must pass at the level auto holds them all to
                candidate.set_params(guard_margin=self.margin)
            candidates[name] = candidate
        return candidates
