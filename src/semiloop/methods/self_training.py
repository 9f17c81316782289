"""Self-training around any scikit-learn classifier, with a guard against harm.

:class:`SelfTrainingClassifier` is a drop-in for scikit-learn's class of the
same name: with only scikit-learn's parameters it does what scikit-learn
documents. Its keyword-only options switch on what makes self-training safe;
:class:`SafeSelfTrainingClassifier` is the same class with all of them on
(semiloop's recommended configuration).
"""

import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import safe_mask
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from semiloop._compat import HasMethods, Interval, StrOptions, validate_data
from semiloop.data.labels import check_labels, encode_labels
from semiloop.methods._chain import SelfTrainingChain, full_proba
from semiloop.methods._guard import label_folds, score_out_of_fold
from semiloop.methods._history import outcome, per_class, round_record
from semiloop.methods.calibration import apply_temperature, fit_temperature
from semiloop.methods.thresholds import THRESHOLD_POLICIES, ThresholdPolicy

__all__ = ["SafeSelfTrainingClassifier", "SelfTrainingClassifier"]


def _estimator_has(attribute):
    def check(self):
        estimator = self.estimator_ if hasattr(self, "estimator_") else self._get_estimator()
        return hasattr(estimator, attribute)

    return check


class SelfTrainingClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Self-training classifier: a drop-in for scikit-learn's, with a safety guard.

    The wrapped classifier is fitted on the labeled rows (``y == -1`` marks
    the others), predicts the unlabeled rows, and adds its confident
    predictions as pseudo-labels, round after round.

    Parameters
    ----------
    estimator : estimator object, default=None
        A classifier with ``fit`` and ``predict_proba``; cloned, never changed.
        None means a standardised logistic regression.
    threshold : float, default=0.75
        Fixed threshold on the predicted probability (scikit-learn's meaning),
        or the upper threshold of the ``"class_conditional"`` policy.
    criterion : {"threshold", "k_best"}, default="threshold"
        scikit-learn's selection rule: every row above ``threshold``, or the
        ``k_best`` most confident rows per round.
    k_best : int, default=10
        Rows added per round when ``criterion="k_best"``.
    max_iter : int or None, default=10
        Most rounds to run; None runs until nothing changes.
    verbose : bool, default=False
        Print one line per round (scikit-learn's behaviour).
    threshold_policy : {"fixed", "class_conditional", "adaptive"} or ThresholdPolicy, \
default="fixed"
        How thresholds are set each round (see :mod:`semiloop.methods.thresholds`).
    calibrate : bool, default=False
        Temperature-scale the classifier's probabilities before thresholding,
        fitted each round on out-of-fold predictions of the labeled rows.
    balanced : bool, default=False
        Class-balanced selection: pseudo-labels follow the labeled class
        proportions, so one class cannot flood them.
    revisit : bool, default=False
        Re-check every pseudo-label each round; one whose prediction changed or
        whose confidence fell below its class threshold is dropped.
    weight_by_confidence : bool, default=False
        Weight pseudo-labeled rows by their confidence in ``fit`` (human labels
        weigh 1), where the classifier accepts ``sample_weight``.
    guard : bool, default=False
        Compare each round with the supervised-only model on a validation
        signal from the labeled rows only (``cv`` folds, each running its own
        self-training); a round that does not clearly improve the score (see
        ``guard_margin``) is rolled back and self-training stops. If no round
        helps, the result is the supervised model and ``used_unlabeled_`` is
        False.
    cv : int, default=5
        Folds of the labeled rows for the guard and the calibration (fewer
        when a class has fewer labeled rows).
    validation_size : int, default=200
        The fold split is repeated (with new shuffles, at most 5 times) until
        the guard has at least this many held-out predictions per round, so
        that a few labeled rows still give a steady validation signal.
    guard_margin : float, default=1.5
        A round is accepted only if its validation accuracy is higher than the
        best so far and the paired per-row gain is at least this many standard
        errors; 0 accepts any strict gain.
    guard_patience : int, default=0
        Rounds to go on after one that is not accepted, each compared with the
        best accepted so far, before the guard rolls back to that best and
        stops. 0 stops at the first round that does not clearly improve; more
        lets a run of small gains add up to a clear one.
    random_state : int, RandomState or None, default=None
        Seeds the fold split.

    Attributes
    ----------
    estimator_ : estimator
        The fitted classifier (the supervised one if the guard kept it).
    classes_ : ndarray of shape (n_classes,)
    transduction_ : ndarray of shape (n_samples,)
        Labels used for the final fit: human labels and accepted pseudo-labels;
        unlabeled rows that got none keep their input marker (-1).
    labeled_iter_ : ndarray of shape (n_samples,)
        Round in which each row got its label; 0 for human labels, -1 for none.
    n_iter_ : int
        Rounds run (including rolled-back ones).
    termination_condition_ : {"max_iter", "no_change", "all_labeled", "rolled_back"}
        Why self-training stopped; ``"rolled_back"`` only with ``guard=True``.
    history_ : list of dict
        One entry per round: pseudo-labels added and dropped per class, their
        mean confidence, the thresholds, the validation score, the temperature,
        and whether the round was accepted.
    used_unlabeled_ : bool
        Whether the final model uses any pseudo-label.
    outcome_ : str
        One sentence on what the unlabeled data did (recommended options only;
        also appended to the note of ``history_[0]``).
    supervised_score_, validation_score_ : GuardScore
        Cross-validated accuracy and log-loss on the labeled rows of the
        supervised model and of the final model (when ``guard`` or
        ``calibrate`` is on; None otherwise).
    temperature_ : float
        Temperature applied in ``predict_proba`` (1.0 without calibration).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    See Also
    --------
    SafeSelfTrainingClassifier : this class with the recommended options on.

    References
    ----------
    Yarowsky, "Unsupervised word sense disambiguation rivaling supervised
    methods", ACL 1995. Zhang et al., "FlexMatch", NeurIPS 2021. Wang et al.,
    "FreeMatch", ICLR 2023. Guo et al., "On calibration of modern neural
    networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> y_partial = np.where(np.random.default_rng(0).random(len(y)) < 0.7, -1, y)
    >>> model = SelfTrainingClassifier(LogisticRegression(max_iter=1000)).fit(X, y_partial)
    >>> model.termination_condition_
    'no_change'
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "threshold": [Interval(Real, 0.0, 1.0, closed="left")],
        "criterion": [StrOptions({"threshold", "k_best"})],
        "k_best": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left"), None],
        "verbose": ["verbose"],
        "threshold_policy": [StrOptions(set(THRESHOLD_POLICIES)), ThresholdPolicy],
        "calibrate": ["boolean"],
        "balanced": ["boolean"],
        "revisit": ["boolean"],
        "weight_by_confidence": ["boolean"],
        "guard": ["boolean"],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "validation_size": [Interval(Integral, 1, None, closed="left")],
        "guard_margin": [Interval(Real, 0, None, closed="left")],
        "guard_patience": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        threshold=0.75,
        criterion="threshold",
        k_best=10,
        max_iter=10,
        verbose=False,
        *,
        threshold_policy="fixed",
        calibrate=False,
        balanced=False,
        revisit=False,
        weight_by_confidence=False,
        guard=False,
        cv=5,
        validation_size=200,
        guard_margin=1.5,
        guard_patience=0,
        random_state=None,
    ):
        self.estimator = estimator
        self.threshold = threshold
        self.criterion = criterion
        self.k_best = k_best
        self.max_iter = max_iter
        self.verbose = verbose
        self.threshold_policy = threshold_policy
        self.calibrate = calibrate
        self.balanced = balanced
        self.revisit = revisit
        self.weight_by_confidence = weight_by_confidence
        self.guard = guard
        self.cv = cv
        self.validation_size = validation_size
        self.guard_margin = guard_margin
        self.guard_patience = guard_patience
        self.random_state = random_state

    def _get_estimator(self):
        if self.estimator is None:
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        return clone(self.estimator)

    def _uses_extensions(self):
        return (
            self.threshold_policy != "fixed"
            or self.calibrate
            or self.balanced
            or self.revisit
            or self.weight_by_confidence
            or self.guard
        )

    def fit(self, X, y):
        """Fit on labeled and unlabeled rows (``y == -1``, None or empty = unlabeled).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings) with unlabeled rows marked.

        Returns
        -------
        self : SelfTrainingClassifier
        """
        self._validate_params()
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc", "lil", "dok"], ensure_all_finite=False,
            dtype=None if _is_frame(X) else "numeric",
        )
        codes, classes = encode_labels(y)
        check_labels(codes, classes)
        if np.all(codes >= 0):
            warnings.warn("y contains no unlabeled samples", UserWarning, stacklevel=2)
        n_unlabeled = int(np.sum(codes < 0))
        if self.criterion == "k_best" and self.k_best > n_unlabeled:
            warnings.warn(
                "k_best is larger than the amount of unlabeled samples. All unlabeled "
                "samples will be labeled in the first iteration",
                UserWarning,
                stacklevel=2,
            )
        self.classes_ = classes
        if self._uses_extensions():
            self._fit_extended(X, y, codes, classes)
        else:
            self._fit_plain(X, y, codes, classes)
        return self

    def _fit_plain(self, X, y, codes, classes):
        """scikit-learn's documented algorithm, unchanged."""
        estimator = self._get_estimator()
        labels = codes.copy()
        self.labeled_iter_ = np.where(codes >= 0, 0, -1)
        self.n_iter_ = 0
        self.history_ = []
        while np.any(labels < 0) and (self.max_iter is None or self.n_iter_ < self.max_iter):
            self.n_iter_ += 1
            has_label = labels >= 0
            estimator.fit(X[safe_mask(X, has_label)], classes[labels[has_label]])
            unlabeled = np.flatnonzero(~has_label)
            proba = full_proba(estimator, X[safe_mask(X, ~has_label)], classes)
            confidence = proba.max(axis=1)
            if self.criterion == "threshold":
                chosen = np.flatnonzero(confidence > self.threshold)
            else:
                k = min(self.k_best, len(confidence))
                chosen = np.argsort(-confidence, kind="stable")[:k]
            labels[unlabeled[chosen]] = proba[chosen].argmax(axis=1)
            self.labeled_iter_[unlabeled[chosen]] = self.n_iter_
            self.history_.append({
                "round": self.n_iter_,
                "added": per_class(np.bincount(proba[chosen].argmax(axis=1),
                                                minlength=len(classes)), classes),
                "accepted": True,
            })
            if len(chosen) == 0:
                self.termination_condition_ = "no_change"
                break
            if self.verbose:
                print(f"End of iteration {self.n_iter_}, added {len(chosen)} new labels.")
        if self.n_iter_ == self.max_iter:
            self.termination_condition_ = "max_iter"
        if np.all(labels >= 0):
            self.termination_condition_ = "all_labeled"
        has_label = labels >= 0
        self.estimator_ = estimator.fit(X[safe_mask(X, has_label)], classes[labels[has_label]])
        self._set_transduction(y, labels, classes)
        self.used_unlabeled_ = bool(np.any(self.labeled_iter_ > 0))
        self.temperature_ = 1.0

    def _fit_extended(self, X, y, codes, classes):
        labeled = np.flatnonzero(codes >= 0)
        pool = np.flatnonzero(codes < 0)
        options = {
            "threshold": self.threshold,
            "threshold_policy": self.threshold_policy,
            "balanced": self.balanced,
            "revisit": self.revisit,
            "weight_by_confidence": self.weight_by_confidence,
            "k_best": self.k_best if self.criterion == "k_best" else None,
        }
        template = self._get_estimator()
        final = SelfTrainingChain(template, X, codes, labeled, pool, classes, options)
        folds = self._label_folds(codes[labeled]) if (self.guard or self.calibrate) else []
        fold_chains = [
            SelfTrainingChain(template, X, codes, labeled[train], pool, classes, options)
            for _, train, _ in folds
        ]
        chains = [*fold_chains, final]
        for chain in chains:
            chain.fit()
        score, temperature = self._validate_round(fold_chains, folds, labeled, codes)
        self.supervised_score_ = score
        self.history_ = [round_record(0, None, score, temperature, True, classes,
                                       "supervised model on the labeled rows")]
        best = score
        saved = [chain.snapshot() for chain in chains]
        supervised_temperature = best_temperature = temperature
        patience_left = self.guard_patience
        pending = False  # the chains hold rounds the guard has not accepted
        self.n_iter_ = 0
        self.termination_condition_ = "max_iter"
        while self.max_iter is None or self.n_iter_ < self.max_iter:
            if np.all(final.pseudo_labels >= 0):
                self.termination_condition_ = "all_labeled"
                break
            self.n_iter_ += 1
            record = final.step(self.n_iter_, temperature)
            for chain in fold_chains:
                chain.step(self.n_iter_, temperature)
            if not record["added"].any() and not record["dropped"].any():
                self.history_.append(round_record(self.n_iter_, record, None, temperature,
                                                   False, classes, "nothing to add or drop"))
                self.termination_condition_ = "no_change"
                break
            for chain in chains:
                chain.fit()
            score, temperature = self._validate_round(fold_chains, folds, labeled, codes)
            accepted = not self.guard or score.beats(best, margin=self.guard_margin)
            stop = not accepted and patience_left == 0
            if accepted:
                note = "accepted"
                best, best_temperature, pending = score, temperature, False
                saved = [chain.snapshot() for chain in chains]
                patience_left = self.guard_patience
            else:
                pending = True
                reason = (f"validation {score} does not beat {best} by "
                          f"{self.guard_margin:g} standard errors")
                if stop:
                    note = f"rolled back to round {self._last_accepted_round()}: {reason}"
                else:
                    note = f"not accepted: {reason}; going on ({patience_left} more to try)"
                    patience_left -= 1
            self.history_.append(round_record(self.n_iter_, record, score, temperature,
                                               accepted, classes, note))
            if self.verbose:
                print(f"round {self.n_iter_}: {note}", file=sys.stderr)
            if stop:
                self.termination_condition_ = "rolled_back"
                break
        if pending:
            for chain, state in zip(chains, saved, strict=True):
                chain.restore(state)
            if not self.history_[-1]["note"].startswith("rolled back"):
                self.history_[-1]["note"] += (
                    f"; rolled back to round {self._last_accepted_round()}")
        temperature = best_temperature
        self.estimator_ = final.model
        self.temperature_ = temperature if self.calibrate else 1.0
        self.validation_score_ = best
        self.used_unlabeled_ = bool(np.any(final.pseudo_labels >= 0))
        if not self.used_unlabeled_:
            self.temperature_ = supervised_temperature if self.calibrate else 1.0
        self.outcome_ = outcome(self.used_unlabeled_, self.guard, self.supervised_score_, best)
        self.history_[0]["note"] += f"; outcome: {self.outcome_}"
        labels = codes.copy()
        labels[pool] = final.pseudo_labels
        self.labeled_iter_ = np.where(codes >= 0, 0, -1)
        self.labeled_iter_[pool] = final.pseudo_round
        self._set_transduction(y, labels, classes)

    def _last_accepted_round(self):
        return max(entry["round"] for entry in self.history_ if entry["accepted"])

    def _label_folds(self, label_codes):
        return label_folds(label_codes, cv=self.cv, validation_size=self.validation_size,
                           random_state=self.random_state)

    def _validate_round(self, fold_chains, folds, labeled, codes):
        """Out-of-fold score of the fold chains and the temperature fitted on them."""
        if not fold_chains:
            return None, 1.0
        n_repeats = folds[-1][0] + 1
        proba = np.zeros((n_repeats, len(labeled), len(self.classes_)))
        for chain, (repeat, _, held_out) in zip(fold_chains, folds, strict=True):
            proba[repeat, held_out] = chain.predict_proba(labeled[held_out])
        proba = proba.reshape(-1, len(self.classes_))
        truth = np.tile(codes[labeled], n_repeats)
        temperature = fit_temperature(proba, truth) if self.calibrate else 1.0
        score = score_out_of_fold(truth, apply_temperature(proba, temperature), n_repeats=n_repeats)
        return score, temperature

    def _set_transduction(self, y, labels, classes):
        transduction = np.array(y, dtype=object if classes.dtype.kind not in "iuf" else None,
                                copy=True)
        assigned = labels >= 0
        transduction[assigned] = classes[labels[assigned]]
        self.transduction_ = transduction

    def _validate_rows(self, X):
        """Check rows to predict against what ``fit`` saw."""
        return validate_data(self, X, accept_sparse=True, ensure_all_finite=False, reset=False,
                             dtype=None if _is_frame(X) else "numeric")

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, temperature-scaled when ``calibrate=True``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = self._validate_rows(X)
        return apply_temperature(full_proba(self.estimator_, X, self.classes_),
                                 self.temperature_)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predicted class of each row."""
        check_is_fitted(self)
        if self.temperature_ != 1.0 or not hasattr(self.estimator_, "predict"):
            return self.classes_[self.predict_proba(X).argmax(axis=1)]
        X = self._validate_rows(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """The wrapped classifier's decision function."""
        check_is_fitted(self)
        X = self._validate_rows(X)
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = self._get_estimator()
        inner = estimator.__sklearn_tags__()
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags


class SafeSelfTrainingClassifier(SelfTrainingClassifier):
    """semiloop's recommended self-training: calibrated, balanced, guarded.

    The same estimator as :class:`SelfTrainingClassifier`, with every safety
    option on: temperature-scaled probabilities, FlexMatch's class-conditional
    thresholds, class-balanced selection, pseudo-labels revisited every round
    and weighted by confidence, and the guard that rolls back any round that
    makes the cross-validated score on the labeled rows worse. When
    self-training never helps, the result is the supervised model, and
    ``used_unlabeled_`` and ``history_`` say so.

    Parameters are those of :class:`SelfTrainingClassifier`; only the
    defaults differ.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> y_partial = np.where(np.random.default_rng(0).random(len(y)) < 0.9, -1, y)
    >>> model = SafeSelfTrainingClassifier(random_state=0).fit(X, y_partial)
    >>> model.history_[0]["note"].startswith("supervised model on the labeled rows")
    True
    >>> model.used_unlabeled_, model.outcome_.startswith("the model uses pseudo-labels")
    (True, True)
    """

    def __init__(
        self,
        estimator=None,
        threshold=0.95,
        criterion="threshold",
        k_best=10,
        max_iter=10,
        verbose=False,
        *,
        threshold_policy="class_conditional",
        calibrate=True,
        balanced=True,
        revisit=True,
        weight_by_confidence=True,
        guard=True,
        cv=5,
        validation_size=200,
        guard_margin=1.5,
        guard_patience=0,
        random_state=None,
    ):
        super().__init__(
            estimator, threshold, criterion, k_best, max_iter, verbose,
            threshold_policy=threshold_policy, calibrate=calibrate, balanced=balanced,
            revisit=revisit, weight_by_confidence=weight_by_confidence, guard=guard, cv=cv,
            validation_size=validation_size, guard_margin=guard_margin,
            guard_patience=guard_patience, random_state=random_state,
        )


def _is_frame(X):
    return hasattr(X, "iloc")
