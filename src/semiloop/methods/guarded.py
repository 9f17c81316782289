"""The safety guard around any semi-supervised method: keep it only where it helps.

:class:`GuardedClassifier` fits a semi-supervised method (label spreading, an
S3VM, anything with ``fit(X, y)`` and ``y == -1`` for unlabeled rows) and a
supervised classifier on the same labeled rows, scores both on held-out
labeled rows only, and keeps the semi-supervised one only when it beats the
supervised one by ``margin`` standard errors of the paired per-row difference;
otherwise the result is the supervised model, and ``outcome_`` says so.

For the held-out score the semi-supervised method is refitted once per fold
with that fold's labels hidden (they become unlabeled rows, as in use), and
the supervised model is fitted on the fold's remaining labeled rows.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import safe_mask
from sklearn.utils.validation import check_is_fitted

from semiloop._compat import HasMethods, Interval, validate_data
from semiloop.data.labels import check_labels, encode_labels
from semiloop.methods._chain import full_proba
from semiloop.methods._guard import label_folds, score_out_of_fold

__all__ = ["GuardedClassifier"]


class GuardedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A semi-supervised method, or the supervised model where the method does not help.

    Parameters
    ----------
    method : estimator
        The semi-supervised classifier; ``fit(X, y)`` with ``y == -1`` for
        unlabeled rows, and ``predict_proba``.
    supervised : estimator or None, default=None
        The classifier trained on the labeled rows alone. None means a
        standardised logistic regression. One without ``predict_proba`` (an
        ``SVC``) is scored, and predicts probabilities, as one-hot rows.
    cv : int, default=5
        Folds over the labeled rows (fewer when a class has fewer rows).
    validation_size : int, default=200
        Folds are repeated (up to 5 times) until they give this many held-out
        predictions.
    margin : float, default=2.0
        Standard errors by which the method must beat the supervised model.
        Stricter than self-training's per-round guard (1.0): this is one choice
        between two different models, often on few labels, and on the KEEL
        suite a margin of 1.0 let label spreading replace a random forest on
        two small data sets where it then tested worse.
    random_state : int or None, default=None
        Seeds the folds.

    Attributes
    ----------
    estimator_ : the fitted model that predicts (the method or the supervised one)
    used_unlabeled_ : bool
    supervised_score_, validation_score_ : GuardScore
        Held-out scores of the supervised model and of the method.
    outcome_ : str
    history_ : list of dict
        One record per candidate: its held-out accuracy and log-loss, and
        whether it was kept.
    classes_, transduction_ :
        As in scikit-learn's semi-supervised classifiers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_moons
    >>> from semiloop import LabelSpreading
    >>> X, y = make_moons(300, noise=0.08, random_state=0)
    >>> y_partial = np.where(np.random.default_rng(0).random(300) < 0.1, y, -1)
    >>> model = GuardedClassifier(LabelSpreading(recommended=True, n_neighbors=10),
    ...                           random_state=0).fit(X, y_partial)
    >>> model.used_unlabeled_, model.validation_score_.accuracy > 0.95
    (True, True)
    """

    _parameter_constraints: dict = {
        "method": [HasMethods(["fit", "predict_proba"])],
        "supervised": [HasMethods(["fit", "predict"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "validation_size": [Interval(Integral, 1, None, closed="left")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, method, supervised=None, *, cv=5, validation_size=200, margin=2.0,
                 random_state=None):
        self.method = method
        self.supervised = supervised
        self.cv = cv
        self.validation_size = validation_size
        self.margin = margin
        self.random_state = random_state

    def _supervised(self):
        if self.supervised is None:
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        return clone(self.supervised)

    def fit(self, X, y):
        """Fit both candidates, score them on held-out labeled rows, keep the better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels with unlabeled rows marked (-1, None or empty).

        Returns
        -------
        self : GuardedClassifier
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype="numeric", accept_sparse=["csr"])
        codes, self.classes_ = encode_labels(y)
        check_labels(codes, self.classes_)
        labeled = np.flatnonzero(codes >= 0)
        folds = label_folds(codes[labeled], cv=self.cv, validation_size=self.validation_size,
                            random_state=self.random_state)
        n_repeats = folds[-1][0] + 1
        n_classes = len(self.classes_)
        supervised_proba = np.zeros((n_repeats, len(labeled), n_classes))
        method_proba = np.zeros_like(supervised_proba)
        for repeat, train, held_out in folds:
            kept, hidden = labeled[train], labeled[held_out]
            model = self._supervised().fit(X[safe_mask(X, kept)], codes[kept])
            supervised_proba[repeat, held_out] = _proba_or_one_hot(
                model, X[safe_mask(X, hidden)], n_classes)
            partial = codes.copy()
            partial[hidden] = -1
            method = clone(self.method).fit(X, partial)
            method_proba[repeat, held_out] = full_proba(
                method, X[safe_mask(X, hidden)], np.arange(n_classes))
        truth = np.tile(codes[labeled], n_repeats)
        self.supervised_score_ = score_out_of_fold(
            truth, supervised_proba.reshape(-1, n_classes), n_repeats=n_repeats)
        self.validation_score_ = score_out_of_fold(
            truth, method_proba.reshape(-1, n_classes), n_repeats=n_repeats)
        self.used_unlabeled_ = bool(
            self.validation_score_.beats(self.supervised_score_, margin=self.margin))
        if self.used_unlabeled_:
            self.estimator_ = clone(self.method).fit(X, codes)
            self.outcome_ = (
                f"the semi-supervised model is kept: validation accuracy "
                f"{self.supervised_score_.accuracy:.4f} (supervised) -> "
                f"{self.validation_score_.accuracy:.4f}")
        else:
            self.estimator_ = self._supervised().fit(X[safe_mask(X, labeled)], codes[labeled])
            self.outcome_ = (
                "unlabeled data did not help on the validation signal: the model is the "
                f"supervised one (validation accuracy {self.supervised_score_.accuracy:.4f} "
                f"supervised, {self.validation_score_.accuracy:.4f} semi-supervised)")
        self.history_ = [
            _record("supervised", self.supervised_score_, not self.used_unlabeled_),
            _record(type(_final_step(self.method)).__name__, self.validation_score_,
                    self.used_unlabeled_),
        ]
        self.n_iter_ = 1
        transduction = codes.copy()
        unlabeled = np.flatnonzero(codes < 0)
        if len(unlabeled):
            transduction[unlabeled] = self._proba(X[safe_mask(X, unlabeled)]).argmax(axis=1)
        self.transduction_ = self.classes_[transduction]
        return self

    def _proba(self, X):
        return _proba_or_one_hot(self.estimator_, X, len(self.classes_))

    def predict_proba(self, X):
        """Class probabilities from the kept model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype="numeric", accept_sparse=["csr"], reset=False)
        return self._proba(X)

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


def _proba_or_one_hot(model, X, n_classes):
    """Class probabilities, or one-hot rows of ``predict`` for a model without them."""
    if hasattr(model, "predict_proba"):
        return full_proba(model, X, np.arange(n_classes))
    return np.eye(n_classes)[model.predict(X)]


def _final_step(estimator):
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def _record(name, score, kept):
    return {"candidate": name, "validation_accuracy": score.accuracy,
            "validation_log_loss": score.log_loss, "accepted": kept}
