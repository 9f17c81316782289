"""The guard around any semi-supervised method: keep it only where it helps.

:class:`GuardedClassifier` fits a semi-supervised method (label spreading, an
S3VM, anything with ``fit(X, y)`` and ``y == -1`` for unlabeled rows) and a
supervised classifier, scores both on the same held-out labeled rows, and
keeps the method only when :func:`semiloop.guard.choose` finds its gain
significant; otherwise the result is the supervised model, and ``outcome_``
says so. :class:`~semiloop.methods.auto.AutoClassifier` is the same machinery
with several methods competing.

For the held-out score each method is refitted once per fold with that fold's
labels hidden (they become unlabeled rows, as in use), and the supervised
model is fitted on the fold's remaining labeled rows. A method that can score
itself on given folds (self-training, whose guard runs the same folds) does so
through ``fit_held_out`` instead of being refitted.

Where the labels are too few for any fold (one labeled row per class, or two
classes of which one has a single row; see :func:`semiloop.guard.label_folds`)
nothing can be compared, and with no evidence that a method helps it is not
used: the supervised model is fitted on all labeled rows and kept, the
held-out scores are :data:`~semiloop.guard.NOT_SCORED` (accuracy None), and
``outcome_``, ``decision_.reason`` and a
:class:`~semiloop.errors.SemiloopWarning` say so in one sentence that names
the classes to label more of (:func:`semiloop.guard.not_compared`).
"""

import time
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, check_consistent_length
from sklearn.utils.validation import check_is_fitted

from semiloop._compat import HasMethods, Interval, StrOptions, check_method_params
from semiloop.callbacks import counted, notify
from semiloop.data.labels import check_labels, encode_labels
from semiloop.errors import SemiloopWarning
from semiloop.guard import (
    NOT_SCORED,
    choose,
    make_splits,
    no_information_rate,
    not_compared,
    score_out_of_fold,
    stack_held_out,
    stacked_truth,
)
from semiloop.methods._chain import fit_estimator, full_proba
from semiloop.methods._inputs import default_estimator, prepare_rows, prepare_target
from semiloop.records import CandidateRecord

__all__ = ["GuardedClassifier", "candidate_name"]

SUPERVISED = "supervised"


def candidate_name(estimator):
    """A readable name for a method: its class, or its last pipeline step's class."""
    return type(_final_step(estimator)).__name__


class _GuardedSelection(MetaEstimatorMixin, ClassifierMixin, BaseEstimator, metaclass=ABCMeta):
    """Shared by the guarded choice of one method and the automatic choice among several."""

    _parameter_constraints: dict = {
        "supervised": [HasMethods(["fit", "predict"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "validation_size": [Interval(Integral, 1, None, closed="left")],
        "split": [StrOptions({"folds", "holdout"})],
        "holdout_share": [Interval(Real, 0, 1, closed="neither")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
    }

    @abstractmethod
    def _candidates(self, n_classes):
        """``{name: unfitted estimator, or a string saying why it is left out}``."""

    def _supervised(self, X=None):
        return default_estimator(X) if self.supervised is None else clone(self.supervised)

    def fit(self, X, y, *, validation_rows=None, **fit_params):
        """Score every candidate and the supervised model on held-out labeled rows; keep one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, ...)
            Anything the candidates take, indexed by rows.
        y : array-like of shape (n_samples,)
            Class labels; ``-1`` (also as a string), NaN, None and empty
            strings mark the unlabeled rows.
        validation_rows : array-like of bool, shape (n_samples,), default=None
            The labeled rows the guard may hold out and score on; the other
            labeled rows are trained on in every fold. For labels chosen by
            active learning, which sit near a model's boundary and misjudge
            which model does better on the data to come: mark the labels
            drawn at random (``semiloop round`` marks those not chosen by the
            query strategy). None: every labeled row. Too few marked rows for
            a split (see :func:`semiloop.guard.label_folds`) keep the
            supervised model, as too few labels do. When some labeled rows are
            not marked, the class shares of the labels are not the data's
            either: a candidate whose ``class_prior`` is ``"labeled"`` gets
            ``"predicted"`` (see :mod:`semiloop.methods.class_prior`).
        **fit_params : dict
            Passed to the supervised model's ``fit`` (those with one value per
            row restricted to its rows).

        Returns
        -------
        self
        """
        self._validate_params()
        X = prepare_rows(self, X, reset=True)
        y = prepare_target(self, y)
        check_consistent_length(X, y)
        codes, self.classes_ = encode_labels(y)
        check_labels(codes, self.classes_)
        labeled = np.flatnonzero(codes >= 0)
        eligible, chosen = None, False
        if validation_rows is not None:
            validation_rows = np.asarray(validation_rows, dtype=bool)
            check_consistent_length(X, validation_rows)
            eligible = validation_rows[labeled]
            chosen = not eligible.all()
        folds = make_splits(codes[labeled], mode=self.split, cv=self.cv,
                            validation_size=self.validation_size, share=self.holdout_share,
                            eligible=eligible, random_state=self.random_state)
        notify(self.callbacks, "on_fit_begin", self)
        self.history_ = []
        if folds:
            decision, fitted, candidates = self._compare(X, codes, labeled, folds, fit_params,
                                                         chosen)
        else:
            decision, fitted, candidates = self._not_compared(codes, labeled, eligible)
        self.decision_ = decision
        self.used_unlabeled_ = decision.kept is not None
        self.kept_ = decision.kept or SUPERVISED
        if self.used_unlabeled_:
            method = fitted[decision.kept]
            if method is None:
                notify(self.callbacks, "on_progress", self,
                       stage=f"fitting {decision.kept} on every row", done=0, total=1)
            self.estimator_ = method if method is not None else _clone_with_callbacks(
                candidates[decision.kept]).fit(X, codes)
            self.outcome_ = (f"{decision.kept} is kept: validation accuracy "
                             f"{self.supervised_score_.accuracy:.4f} (supervised) -> "
                             f"{self.validation_score_.accuracy:.4f}; {decision.reason}")
        else:
            rows = labeled
            self.estimator_ = fit_estimator(
                self._supervised(X), _safe_indexing(X, rows), codes[rows],
                fit_params=check_method_params(X, fit_params, rows))
            self.validation_score_ = self.supervised_score_
            if folds:
                self.outcome_ = ("unlabeled data did not help on the validation signal: the "
                                 f"model is the supervised one; {decision.reason}")
            else:
                self.outcome_ = decision.reason
                warnings.warn(self.outcome_, SemiloopWarning, stacklevel=2)
        self.n_iter_ = 1
        transduction = codes.copy()
        unlabeled = np.flatnonzero(codes < 0)
        if len(unlabeled):
            transduction[unlabeled] = self._proba(_safe_indexing(X, unlabeled)).argmax(axis=1)
        self.transduction_ = self.classes_[transduction]
        notify(self.callbacks, "on_fit_end", self)
        return self

    def _compare(self, X, codes, labeled, folds, fit_params, chosen=False):
        """Score the supervised model and every candidate on ``folds``; record and choose.

        Returns the decision, the candidates fitted while scoring (None for those
        refitted per fold) and the candidates as built.
        """
        truth, n_repeats = stacked_truth(codes[labeled], folds)
        started = time.perf_counter()
        supervised_proba = self._supervised_held_out(X, codes, labeled, folds, fit_params)
        self.supervised_score_ = score_out_of_fold(truth, supervised_proba, n_repeats=n_repeats)
        supervised_seconds = time.perf_counter() - started
        scores, fitted, seconds, skipped = {}, {}, {}, {}
        candidates = self._candidates(len(self.classes_))
        if chosen:
            candidates = {name: _prior_predicted(method) for name, method in candidates.items()}
        for name, method in candidates.items():
            if isinstance(method, str):
                skipped[name] = method
                continue
            notify(self.callbacks, "on_fit_begin", self, stage=name)
            started = time.perf_counter()
            fitted[name], proba = self._method_held_out(method, X, codes, labeled, folds, name)
            seconds[name] = time.perf_counter() - started
            if fitted[name] is not None and not _final_step(fitted[name]).used_unlabeled_:
                skipped[name] = "its own guard kept no pseudo-label: it is the supervised model"
                continue
            scores[name] = score_out_of_fold(truth, proba, n_repeats=n_repeats)
        decision = choose(self.supervised_score_, scores, margin=self.margin,
                          chance=no_information_rate(codes[labeled]))
        self._record(CandidateRecord(
            SUPERVISED, self.supervised_score_.accuracy, self.supervised_score_.log_loss,
            kept=decision.kept is None, seconds=round(supervised_seconds, 3)))
        for name in candidates:
            if name in skipped:
                self._record(CandidateRecord(name, None, None,
                                             seconds=round(seconds.get(name, 0.0), 3),
                                             note=f"left out: {skipped[name]}"))
                continue
            score = scores[name]
            self._record(CandidateRecord(
                name, score.accuracy, score.log_loss, p_value=round(decision.p_values[name], 6),
                criterion=decision.criteria[name], kept=decision.kept == name,
                seconds=round(seconds[name], 3)))
        if decision.kept is not None:
            self.validation_score_ = scores[decision.kept]
        return decision, fitted, candidates

    def _not_compared(self, codes, labeled, eligible=None):
        """The decision where the labels are too few for any fold: the supervised model stays."""
        if eligible is None:
            decision = not_compared(codes[labeled], self.classes_, margin=self.margin)
        else:
            decision = not_compared(codes[labeled[eligible]], self.classes_, margin=self.margin,
                                    rows="validation")
        self.supervised_score_ = NOT_SCORED
        self._record(CandidateRecord(SUPERVISED, None, None, kept=True,
                                     note="fitted on all labeled rows"))
        for name in self._candidates(len(self.classes_)):
            self._record(CandidateRecord(name, None, None,
                                         note="not compared: too few labeled rows to hold any out"))
        return decision, {}, {}

    def _record(self, record):
        self.history_.append(record)
        notify(self.callbacks, "on_record", self, record)

    def _parallel(self, jobs, stage=None):
        """Run ``jobs``; with a ``stage``, tell the callbacks as each one finishes."""
        if stage is not None:
            jobs = counted(jobs, self.callbacks, self, stage)
        if self.n_jobs in (None, 1):
            return [job() for job in jobs]
        return Parallel(n_jobs=self.n_jobs, prefer="threads")(delayed(job)() for job in jobs)

    def _supervised_held_out(self, X, codes, labeled, folds, fit_params):
        n_classes = len(self.classes_)

        def job(train, held_out):
            def run():
                kept, hidden = labeled[train], labeled[held_out]
                model = fit_estimator(self._supervised(X), _safe_indexing(X, kept), codes[kept],
                                      fit_params=check_method_params(X, fit_params, kept))
                return _proba_or_one_hot(model, _safe_indexing(X, hidden), n_classes)
            return run

        results = self._parallel([job(train, held_out) for _, train, held_out in folds],
                                 stage="supervised model on held-out folds")
        return stack_held_out(results, folds, len(labeled))

    def _method_held_out(self, method, X, codes, labeled, folds, name):
        """``(fitted or None, stacked held-out probabilities)`` of one semi-supervised method."""
        n_classes = len(self.classes_)
        if _holds_out_itself(method):
            # one fit scores every fold (self-training's guard runs them anyway; a graph
            # method builds its graph once); a clone, since the method may be the caller's
            stage = f"{name} on held-out folds"
            notify(self.callbacks, "on_progress", self, stage=stage, done=0, total=len(folds))
            fitted = _clone_with_callbacks(method)
            if isinstance(fitted, Pipeline):  # the steps before it see the rows alone
                rows = fitted[:-1].fit_transform(X)
                proba = fitted.steps[-1][1].fit_held_out(rows, codes, folds)
            else:
                proba = fitted.fit_held_out(X, codes, folds)
            notify(self.callbacks, "on_progress", self, stage=stage, done=len(folds),
                   total=len(folds))
            return fitted, proba

        def job(held_out):
            def run():
                hidden = labeled[held_out]
                partial = codes.copy()
                partial[hidden] = -1
                model = _clone_with_callbacks(method).fit(X, partial)
                return full_proba(model, _safe_indexing(X, hidden), np.arange(n_classes))
            return run

        with warnings.catch_warnings():
            # the folds' fits would repeat what the final fit says once (rows no label
            # reaches, convergence); the final fit's warnings are the user's
            warnings.simplefilter("ignore", SemiloopWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            results = self._parallel([job(held_out) for _, _, held_out in folds],
                                     stage=f"{name} on held-out folds")
        return None, stack_held_out(results, folds, len(labeled))

    def _proba(self, X):
        return _proba_or_one_hot(self.estimator_, X, len(self.classes_))

    def predict_proba(self, X):
        """Class probabilities from the kept model.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._proba(prepare_rows(self, X, reset=False))

    def predict(self, X):
        """Most probable class of each row.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class GuardedClassifier(_GuardedSelection):
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
        Folds over the labeled rows (fewer when a class has fewer rows; none,
        and then the supervised model, when the labels are too few to hold any
        out: see the module's description).
    validation_size : int, default=200
        Folds are repeated (up to 5 times) until they give this many held-out
        predictions.
    split : {'folds', 'holdout'}, default='folds'
        ``'holdout'`` fits the method once, with one stratified share of the
        labeled rows hidden, instead of once per fold: for methods too costly
        to refit (deep networks). The test is the same, on fewer rows.
    holdout_share : float, default=0.2
        The share of labeled rows hidden with ``split='holdout'``.
    margin : float, default=2.0
        The one-sided level of the guard's exact test, as a normal quantile
        (2.0: p <= 0.023; see :func:`semiloop.guard.choose`). Stricter than
        self-training's per-round 1.5: on the KEEL suite a looser guard let
        label spreading replace a random forest on two small data sets where
        it then tested worse.
    n_jobs : int, default=None
        Threads for the held-out fits (None: one).
    callbacks : list of Callback, default=None
        Told of each candidate's record (:mod:`semiloop.callbacks`).
    random_state : int or None, default=None
        Seeds the folds.

    Attributes
    ----------
    estimator_ : the fitted model that predicts (the method or the supervised one)
    used_unlabeled_ : bool
    kept_ : str
        ``"supervised"`` or the method's name.
    supervised_score_, validation_score_ : GuardScore
        Held-out scores of the supervised model and of the kept model
        (:data:`~semiloop.guard.NOT_SCORED` where the labels were too few to
        hold any out).
    decision_ : GuardDecision
        p-values and the reason for the choice.
    outcome_ : str
    history_ : list of CandidateRecord
        One record per candidate (the supervised model first): held-out
        accuracy and log-loss, p-value, and whether it was kept; where
        nothing could be compared, no scores and a note that says so.
    classes_, transduction_ :
        As in scikit-learn's semi-supervised classifiers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_moons
    >>> from semiloop.methods.graph_sparse import SparseLabelSpreading
    >>> X, y = make_moons(300, noise=0.08, random_state=0)
    >>> y_partial = np.where(np.random.default_rng(0).random(300) < 0.1, y, -1)
    >>> model = GuardedClassifier(SparseLabelSpreading(n_neighbors=10),
    ...                           random_state=0).fit(X, y_partial)
    >>> model.kept_, model.validation_score_.accuracy > 0.95
    ('SparseLabelSpreading', True)
    """

    _parameter_constraints: dict = {
        **_GuardedSelection._parameter_constraints,
        "method": [HasMethods(["fit", "predict_proba"])],
    }

    def __init__(self, method, supervised=None, *, cv=5, validation_size=200, split="folds",
                 holdout_share=0.2, margin=2.0, n_jobs=None, callbacks=None,
                 random_state=None):
        self.method = method
        self.supervised = supervised
        self.cv = cv
        self.validation_size = validation_size
        self.split = split
        self.holdout_share = holdout_share
        self.margin = margin
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.random_state = random_state

    def _candidates(self, n_classes):
        return {candidate_name(self.method): self.method}


def _final_step(estimator):
    return estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator


def _holds_out_itself(method):
    """Whether ``method`` scores given folds in one fit (``fit_held_out``), itself or as a
    pipeline's last step after scalers (they learn from the rows alone, as in every fold;
    a step that may learn from the labels, such as a feature selection, is refitted per fold)."""
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        Normalizer,
        RobustScaler,
        StandardScaler,
    )

    if not hasattr(_final_step(method), "fit_held_out"):
        return False
    label_free = (MaxAbsScaler, MinMaxScaler, Normalizer, RobustScaler, StandardScaler)
    return not isinstance(method, Pipeline) or all(
        isinstance(step, label_free) for _, step in method.steps[:-1])


def _prior_predicted(method):
    """``method`` (a clone, if it changes) with every ``class_prior="labeled"`` set to
    ``"predicted"``: for labels chosen by a query, whose class shares are biased."""
    if isinstance(method, str):
        return method
    keys = [key for key, value in method.get_params(deep=True).items()
            if (key == "class_prior" or key.endswith("__class_prior"))
            and isinstance(value, str) and value == "labeled"]
    if not keys:
        return method
    return _clone_with_callbacks(method).set_params(**dict.fromkeys(keys, "predicted"))


def _clone_with_callbacks(method):
    """``clone(method)`` that tells the caller's callbacks, not deep copies of them."""
    model = clone(method)
    if "callbacks" in method.get_params(deep=False):
        model.set_params(callbacks=method.get_params(deep=False)["callbacks"])
    return model


def _proba_or_one_hot(model, X, n_classes):
    """Class probabilities, or one-hot rows of ``predict`` for a model without them."""
    if hasattr(model, "predict_proba"):
        return full_proba(model, X, np.arange(n_classes))
    return np.eye(n_classes)[model.predict(X)]
