"""Self-training around any scikit-learn classifier, with a guard against harm.

:class:`SelfTrainingClassifier` is a drop-in for scikit-learn's class of the
same name: with only scikit-learn's parameters it does what scikit-learn
documents. Its keyword-only options switch on what makes self-training safe;
:class:`SafeSelfTrainingClassifier` is the same class with all of them on
(semiloop's recommended configuration).
"""

import inspect
import sys
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_consistent_length
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from semiloop._compat import HasMethods, Interval, StrOptions
from semiloop.callbacks import counted, notify
from semiloop.data.labels import check_labels, encode_labels
from semiloop.errors import SemiloopError, SemiloopWarning
from semiloop.guard import (
    NOT_SCORED,
    GuardState,
    make_splits,
    no_information_rate,
    not_compared,
    score_out_of_fold,
    stack_held_out,
    stacked_truth,
    too_few_to_hold_out,
)
from semiloop.methods._chain import SelfTrainingChain, full_proba, has_scores
from semiloop.methods._chain_trust import hidden_rows, round_alarms, round_audit
from semiloop.methods._inputs import default_estimator, prepare_rows, prepare_target
from semiloop.methods.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)
from semiloop.methods.class_prior import CLASS_PRIORS, check_class_prior
from semiloop.records import RoundRecord, per_class
from semiloop.thresholds import THRESHOLD_POLICIES, ThresholdPolicy
from semiloop.trust.training import alarm_summary

__all__ = ["SafeSelfTrainingClassifier", "SelfTrainingClassifier"]


def _estimator_has(attribute):
    """Check for ``available_if``: the wrapped classifier's own AttributeError is chained."""

    def check(self):
        estimator = self.estimator_ if hasattr(self, "estimator_") else self._get_estimator()
        if attribute == "predict_proba" and hasattr(estimator, "decision_function"):
            return True
        getattr(estimator, attribute)
        return True

    return check


class SelfTrainingClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Self-training classifier: a drop-in for scikit-learn's, with a safety guard.

    The wrapped classifier is fitted on the labeled rows (``y == -1`` marks
    the others), predicts the unlabeled rows, and adds its confident
    predictions as pseudo-labels, round after round. One loop runs every
    configuration; with only scikit-learn's parameters it is scikit-learn's
    algorithm (a row is taken when its confidence is strictly above the
    threshold, in every configuration).

    Where it differs from scikit-learn's class: ``y`` may hold any unlabeled
    marker (``-1``, also as a string among string labels, NaN, None, ``""``);
    ``fit`` parameters with one value per row (``sample_weight``) are
    restricted to the rows each fit uses (scikit-learn passes them whole) and
    are accepted without metadata routing too; a classifier without
    ``predict_proba`` is refused at the start of ``fit`` with the fix, or,
    with ``calibrate=True``, its ``decision_function`` is calibrated; the
    default classifier accepts sparse ``X``.

    Parameters
    ----------
    estimator : estimator object, default=None
        A classifier with ``fit`` and ``predict_proba`` (or
        ``decision_function`` with ``calibrate=True``); cloned, never changed.
        None means a standardised logistic regression (not centred for
        sparse ``X``).
    threshold : float, default=0.75
        Fixed threshold on the predicted probability (scikit-learn's meaning),
        or the upper threshold of the ``"class_conditional"`` policy; not
        used by the ``"adaptive"`` policy (a warning says so when it is set).
    criterion : {"threshold", "k_best"}, default="threshold"
        scikit-learn's selection rule: every row above the thresholds, or the
        ``k_best`` most confident rows per round whatever their confidence.
    k_best : int, default=10
        Rows added per round when ``criterion="k_best"``; with
        ``balanced=True`` they are shared among the classes in proportion to
        the labeled classes.
    max_iter : int or None, default=10
        Most rounds to run; None runs until nothing changes.
    verbose : bool, default=False
        Print one line per round (scikit-learn's behaviour).
    threshold_policy : {"fixed", "class_conditional", "adaptive"} or ThresholdPolicy, \
default="fixed"
        How thresholds are set each round (see :mod:`semiloop.thresholds`).
    calibrate : bool, default=False
        Temperature-scale the classifier's probabilities before thresholding,
        fitted each round on out-of-fold predictions of the labeled rows.
    balanced : bool, default=False
        Class-balanced selection: pseudo-labels follow the class prior
        (``class_prior``), so one class cannot flood them.
    class_prior : {"labeled", "predicted"} or array-like of shape (n_classes,), \
default="labeled"
        The class shares of balanced selection: the labeled rows' shares;
        the mean of the first model's probabilities (calibrated, with
        ``calibrate=True``) over the unlabeled rows, for labels chosen by a
        query, whose shares are biased (see :mod:`semiloop.methods.class_prior`;
        ``validation_rows`` that leave labeled rows out turn ``"labeled"`` into
        this); or given shares, in the order of ``classes_``.
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
        False. Where the labels are too few for any fold (one labeled row per
        class, or two classes of which one has a single row; see
        :func:`semiloop.guard.label_folds`) no round can be judged, so none is
        run: the result is the supervised model, ``termination_condition_`` is
        ``"too_few_labels"``, and ``outcome_`` and a ``SemiloopWarning`` name
        the classes to label more of.
    cv : int, default=5
        Folds of the labeled rows for the guard and the calibration (fewer
        when a class has fewer labeled rows; none when the labels are too few
        to hold any out, and then ``calibrate`` leaves the probabilities as
        they are, with a warning).
    validation_size : int, default=200
        The fold split is repeated (with new shuffles, at most 5 times) until
        the guard has at least this many held-out predictions per round, so
        that a few labeled rows still give a steady validation signal.
    guard_margin : float, default=1.5
        A round is accepted only if its per-row gain over the best round so
        far is significant at the one-sided level ``1 - Phi(guard_margin)``
        (0.067 for 1.5) by an exact sign-flip test, and its validation
        accuracy is above chance (see :mod:`semiloop.guard`).
    guard_patience : int, default=0
        Rounds to go on after one that is not accepted, each compared with the
        best accepted so far, before the guard rolls back to that best and
        stops. 0 stops at the first round that does not clearly improve; more
        lets a run of small gains add up to a clear one.
    audit_size : float, default=0.0
        Share of the labeled rows hidden, as if unlabeled, in one more
        self-training run beside the final one, to measure how often
        pseudo-labels are right (precision, recall and coverage per class, in
        ``history_``) without a new label; the final model still trains on
        every label. 0 runs no audit. Classes with fewer than 3 labeled rows
        lend none.
    hold_back_unstable : bool, default=False
        Confirmation-bias guard: a row whose predicted class flipped since the
        previous round, or that at least half of the guard's fold models
        predict differently from the final model, gets no pseudo-label that
        round; those still without one at the end are listed in
        ``held_back_`` for human review.
    n_jobs : int, default=None
        Threads that fit the guard's fold chains side by side (None: one).
        Leave it at None for a classifier that already uses several cores.
    callbacks : list of Callback, default=None
        Told of every round as it is recorded (:mod:`semiloop.callbacks`).
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
    termination_condition_ : {"max_iter", "no_change", "all_labeled", "rolled_back", \
"too_few_labels"}
        Why self-training stopped; ``"rolled_back"`` and ``"too_few_labels"``
        (no round run, since the guard could hold no labeled row out) only
        with ``guard=True``.
    history_ : list of RoundRecord
        One record per round (:class:`semiloop.records.RoundRecord`): round 0
        is the supervised model; then pseudo-labels added and dropped per
        class, their mean confidence, the thresholds, the validation score and
        the guard's p-value, the temperature, the calibration error, the
        pseudo-label audit, the flip rate and fold-model disagreement, rows
        held back, the collapse alarms that tripped, and whether it was
        accepted.
    held_back_ : ndarray of int
        Rows of ``X`` held back from pseudo-labeling as unstable (see
        ``hold_back_unstable``) and left without a pseudo-label at the end,
        for human review; empty without ``hold_back_unstable``.
    held_back_reasons_ : ndarray of str, shape (len(held_back_),)
        Why each was held back, at the last round it was.
    used_unlabeled_ : bool
        Whether the final model uses any pseudo-label.
    outcome_ : str
        One sentence on what the unlabeled data did (also appended to the
        note of ``history_[0]``).
    supervised_score_, validation_score_ : GuardScore
        Cross-validated accuracy and log-loss on the labeled rows of the
        supervised model and of the final model (when ``guard`` or
        ``calibrate`` is on; None otherwise, and
        :data:`~semiloop.guard.NOT_SCORED` when the guard could hold no
        labeled row out).
    temperature_ : float
        Temperature applied in ``predict_proba`` (1.0 without calibration).
    held_out_proba_ : ndarray of shape (n_repeats * n_labeled, n_classes) or None
        The guard's held-out probabilities of the labeled rows at the kept
        round, before temperature scaling (None without ``guard`` or
        ``calibrate``); see :meth:`fit_held_out`.
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
        "class_prior": [StrOptions(set(CLASS_PRIORS)), "array-like"],
        "revisit": ["boolean"],
        "weight_by_confidence": ["boolean"],
        "guard": ["boolean"],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "validation_size": [Interval(Integral, 1, None, closed="left")],
        "guard_margin": [Interval(Real, 0, None, closed="left")],
        "guard_patience": [Interval(Integral, 0, None, closed="left")],
        "audit_size": [Interval(Real, 0, 0.5, closed="left")],
        "hold_back_unstable": ["boolean"],
        "n_jobs": [Integral, None],
        "callbacks": [list, tuple, None],
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
        class_prior="labeled",
        revisit=False,
        weight_by_confidence=False,
        guard=False,
        cv=5,
        validation_size=200,
        guard_margin=1.5,
        guard_patience=0,
        audit_size=0.0,
        hold_back_unstable=False,
        n_jobs=None,
        callbacks=None,
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
        self.class_prior = class_prior
        self.revisit = revisit
        self.weight_by_confidence = weight_by_confidence
        self.guard = guard
        self.cv = cv
        self.validation_size = validation_size
        self.guard_margin = guard_margin
        self.guard_patience = guard_patience
        self.audit_size = audit_size
        self.hold_back_unstable = hold_back_unstable
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.random_state = random_state

    def _get_estimator(self, X=None):
        if self.estimator is None:
            return default_estimator(X)
        return clone(self.estimator)

    def get_metadata_routing(self):
        """Route ``fit`` parameters to the wrapped classifier's ``fit`` (metadata routing)."""
        return MetadataRouter(owner=self).add(
            estimator=self._get_estimator(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"))

    def fit(self, X, y, *, validation_rows=None, **fit_params):
        """Fit on labeled and unlabeled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, ...)
            Anything the wrapped classifier takes, indexed by rows.
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings); ``-1`` (also as a string), NaN,
            None and empty strings mark the unlabeled rows.
        validation_rows : array-like of bool, shape (n_samples,), default=None
            The labeled rows the guard and the calibration may hold out; the
            others are trained on in every fold (labels chosen by active
            learning misjudge a round: mark the ones drawn at random). None:
            every labeled row. See
            :meth:`semiloop.methods.guarded.GuardedClassifier.fit`.
        **fit_params : dict
            Passed to the wrapped classifier's ``fit``, those with one value
            per row (``sample_weight``) restricted to the rows it is fitted on.
            With ``sklearn.set_config(enable_metadata_routing=True)`` they are
            routed as scikit-learn routes them.

        Returns
        -------
        self : SelfTrainingClassifier

        Raises
        ------
        DataError
            When no row is labeled, or (with any semiloop option on) only one
            class is.
        SemiloopError
            When the classifier gives no class scores (neither
            ``predict_proba`` nor ``decision_function``), or only a
            ``decision_function`` while ``calibrate=False``.
        """
        return self._fit(X, y, fit_params, validation_rows=validation_rows)

    def _fit(self, X, y, fit_params, folds=None, validation_rows=None):
        self._validate_params()
        X = prepare_rows(self, X, reset=True)
        y = prepare_target(self, y)
        check_consistent_length(X, y)
        codes, classes = encode_labels(y)
        eligible = None
        if validation_rows is not None:
            validation_rows = np.asarray(validation_rows, dtype=bool)
            check_consistent_length(X, validation_rows)
            eligible = validation_rows[codes >= 0]
        extended = self._uses_extensions()
        check_labels(codes, classes, min_classes=2 if extended else 1)
        if _routing_enabled():
            fit_params = dict(process_routing(self, "fit", **fit_params).estimator.fit)
        template = self._get_estimator(X)
        self._check_scores(template)
        self._check_threshold_use()
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
        notify(self.callbacks, "on_fit_begin", self)
        self._run(X, y, codes, classes, template, fit_params, folds, eligible)
        notify(self.callbacks, "on_fit_end", self)
        return self

    def fit_held_out(self, X, y, folds):
        """Fit with the guard running on the given folds; return their held-out probabilities.

        The automatic choice among methods (:class:`~semiloop.methods.auto.AutoClassifier`)
        scores every method on the same folds of the labeled rows; self-training's
        guard already refits one chain per fold, so its held-out probabilities at the
        round it keeps come at no extra cost.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)
        folds : list of (repeat, train, held_out)
            Positions into the labeled rows, as from :func:`semiloop.guard.label_folds`.

        Returns
        -------
        proba : ndarray of shape (n_repeats * n_labeled, n_classes)
            Held-out probabilities, stacked repeat by repeat in labeled-row order,
            before temperature scaling: the temperature is fitted on these very
            rows, so scaled ones would flatter a proper score beside other models'.
        """
        self._fit(X, y, {}, folds)
        return self.held_out_proba_

    def _uses_extensions(self):
        return (
            self.threshold_policy != "fixed"
            or self.calibrate
            or self.balanced
            or self.revisit
            or self.weight_by_confidence
            or self.guard
            or self.audit_size > 0
            or self.hold_back_unstable
        )

    def _check_scores(self, estimator):
        steps = estimator.steps if isinstance(estimator, Pipeline) else None
        name = (f"{type(steps[-1][1]).__name__} (last step of the pipeline)" if steps
                else type(estimator).__name__)
        if hasattr(estimator, "predict_proba"):
            return
        if not has_scores(estimator):
            raise SemiloopError(
                f"the classifier {name} has neither predict_proba nor decision_function, so "
                "self-training cannot rank its predictions; use a classifier that gives class "
                "scores, or wrap it in sklearn.calibration.CalibratedClassifierCV")
        if not self.calibrate:
            raise SemiloopError(
                f"the classifier {name} has no predict_proba (an SVC needs probability=True); "
                "pass calibrate=True to turn its decision_function into probabilities with a "
                "fitted temperature, or wrap it in sklearn.calibration.CalibratedClassifierCV")

    def _check_threshold_use(self):
        default = inspect.signature(type(self).__init__).parameters["threshold"].default
        if self.threshold_policy == "adaptive" and self.threshold != default:
            warnings.warn(
                f"threshold={self.threshold} is not used by threshold_policy='adaptive', which "
                "learns its thresholds (FreeMatch); pass threshold_policy='class_conditional' "
                "or 'fixed' to set one", SemiloopWarning, stacklevel=3)

    def _options(self):
        return {
            "threshold": self.threshold,
            "threshold_policy": self.threshold_policy,
            "balanced": self.balanced,
            "class_prior": check_class_prior(self.class_prior),
            "revisit": self.revisit,
            "weight_by_confidence": self.weight_by_confidence,
            "k_best": self.k_best if self.criterion == "k_best" else None,
            "hold_back": self.hold_back_unstable,
        }

    def _run(self, X, y, codes, classes, template, fit_params, folds=None, eligible=None):
        """The one self-training loop; scikit-learn's algorithm is its plainest configuration."""
        labeled = np.flatnonzero(codes >= 0)
        pool = np.flatnonzero(codes < 0)
        options = self._options()
        if (eligible is not None and not eligible.all() and isinstance(options["class_prior"], str)
                and options["class_prior"] == "labeled"):
            options["class_prior"] = "predicted"  # chosen labels: their shares are biased
        final = SelfTrainingChain(template, X, codes, labeled, pool, classes, options, fit_params)
        if folds is None:
            validating = self.guard or self.calibrate
            folds = self._label_folds(codes[labeled], eligible) if validating else []
            if validating and not folds:
                self._warn_too_few(codes[labeled], classes)
        blind = self.guard and not folds   # no held-out row can judge a round: none is run
        fold_chains = [
            SelfTrainingChain(template, X, codes, labeled[train], pool, classes, options,
                              fit_params)
            for _, train, _ in folds
        ]
        audit, audit_truth = self._audit_chain(template, X, codes, labeled, pool, classes,
                                               options, fit_params, eligible)
        chains = [*fold_chains, final, *([audit] if audit else [])]
        self._fit_chains(chains, "self-training: supervised model on held-out folds and all rows")
        score, temperature, proba, calibration = self._validate_round(fold_chains, folds,
                                                                       labeled, codes)
        reference = final.pool_proba(temperature) if len(pool) else None
        self.supervised_score_ = score
        best_proba = supervised_proba = proba
        state = GuardState(margin=self.guard_margin, patience=self.guard_patience,
                           chance=no_information_rate(codes[labeled]))
        if score is not None:
            state.start(score)
        self.history_ = []
        self._record(RoundRecord(0, **_scores(score), temperature=_rounded(temperature),
                                 **calibration, note="supervised model on the labeled rows"))
        saved = [chain.snapshot() for chain in chains]
        supervised_temperature = best_temperature = temperature
        self.n_iter_ = 0
        self.termination_condition_ = None
        while not blind and np.any(final.pseudo_labels < 0) and (
                self.max_iter is None or self.n_iter_ < self.max_iter):
            self.n_iter_ += 1
            for chain in fold_chains:
                chain.step(self.n_iter_, temperature)
            votes = np.array([chain.votes() for chain in fold_chains]) if fold_chains else None
            values = final.step(self.n_iter_, temperature, ensemble_votes=votes)
            if audit:
                audit.step(self.n_iter_, temperature)
            if not values["added"].any() and not values["dropped"].any():
                self._record(self._round(values, None, None, temperature, False,
                                         "nothing to add or drop"))
                self.termination_condition_ = "no_change"
                break
            self._fit_chains(chains, f"self-training round {self.n_iter_}: fitting")
            score, temperature, proba, calibration = self._validate_round(
                fold_chains, folds, labeled, codes)
            trust = {"pseudo_label_audit": round_audit(audit, len(pool), audit_truth, classes),
                     "alarms": round_alarms(final, reference, temperature, classes)}
            p_value, note, accepted = None, "accepted", True
            if self.guard:
                decision = state.propose(score)
                p_value = decision.p_values[f"step {state.step}"]
                accepted = decision.kept is not None
            if accepted:
                best_temperature, best_proba = temperature, proba
                saved = [chain.snapshot() for chain in chains]
            else:
                reason = (f"validation {score} does not beat round {state.best_step} "
                          f"({state.best}): p = {p_value:.3g} > {decision.level:.3g}")
                note = (f"rolled back to round {state.best_step}: {reason}" if state.stop else
                        f"not accepted: {reason}; going on ({state.patience_left + 1} more "
                        "to try)")
            self._record(self._round(values, score, p_value, temperature, accepted, note,
                                     {**(calibration or {}), **trust}))
            if self.verbose:
                print(f"End of iteration {self.n_iter_}, added "
                      f"{int(values['added'].sum())} new labels; {note}.", file=sys.stderr)
            if state.stop:
                self.termination_condition_ = "rolled_back"
                break
        if self.termination_condition_ is None or (
                self.termination_condition_ == "no_change" and self.n_iter_ == self.max_iter):
            self.termination_condition_ = "max_iter"   # as scikit-learn reports it
        if self.guard and state.pending:
            for chain, snapshot in zip(chains, saved, strict=True):
                chain.restore(snapshot)
            if not self.history_[-1].note.startswith("rolled back"):
                self.history_[-1].note += f"; rolled back to round {state.best_step}"
        if np.all(final.pseudo_labels >= 0) and self.termination_condition_ != "rolled_back":
            self.termination_condition_ = "all_labeled"
        self.estimator_ = final.model
        self.validation_score_ = state.best if self.guard else score
        self.used_unlabeled_ = bool(np.any(final.pseudo_labels >= 0))
        temperature = best_temperature if self.used_unlabeled_ else supervised_temperature
        self.temperature_ = temperature if self.calibrate else 1.0
        self.held_out_proba_ = best_proba if self.used_unlabeled_ else supervised_proba
        self.outcome_ = _outcome(self.used_unlabeled_, self.guard, self.supervised_score_,
                                 self.validation_score_)
        if blind:
            self.termination_condition_ = "too_few_labels"
            self.supervised_score_ = self.validation_score_ = NOT_SCORED
            self.outcome_ = not_compared(codes[labeled], classes).reason
        self.history_[0].note += f"; outcome: {self.outcome_}"
        labels = codes.copy()
        labels[pool] = final.pseudo_labels
        self.labeled_iter_ = np.where(codes >= 0, 0, -1)
        self.labeled_iter_[pool] = final.pseudo_round
        self._set_transduction(y, labels, classes)
        self._warn_alarms()
        waiting = (final.held_reason != "") & (final.pseudo_labels < 0)
        self.held_back_ = pool[waiting]
        self.held_back_reasons_ = final.held_reason[waiting].astype(str)

    def _warn_alarms(self):
        """One warning naming every collapse alarm that tripped, and whether its round was kept."""
        kept = max((r.round for r in self.history_ if r.accepted), default=0)
        summary = alarm_summary(self.history_, at="round",
                                kept=kept if self.used_unlabeled_ else 0)
        if summary and self._uses_extensions():   # scikit-learn's configuration stays quiet
            warnings.warn(f"self-training tripped a {summary}. See history_ (alarms) and check "
                          "the unlabeled data with semiloop check", SemiloopWarning,
                          stacklevel=5)

    def _audit_chain(self, template, X, codes, labeled, pool, classes, options, fit_params,
                     eligible=None):
        """One more chain with a share of the labeled rows hidden in its pool, and their
        labels; with ``eligible``, the share is drawn from those labeled rows alone."""
        if not self.audit_size:
            return None, None
        among = np.arange(len(labeled)) if eligible is None else np.flatnonzero(eligible)
        hidden = among[hidden_rows(codes[labeled[among]], self.audit_size, self.random_state)]
        if not len(hidden):
            return None, None
        kept = np.setdiff1d(np.arange(len(labeled)), hidden)
        chain = SelfTrainingChain(template, X, codes, labeled[kept],
                                  np.concatenate([pool, labeled[hidden]]), classes, options,
                                  fit_params)
        return chain, codes[labeled[hidden]]

    def _round(self, values, score, p_value, temperature, accepted, note, extra=None):
        classes = self.classes_
        return RoundRecord(
            self.n_iter_,
            added=per_class(values["added"], classes),
            dropped=per_class(values["dropped"], classes),
            held_back=per_class(values["held_back"], classes),
            flip_rate=values["flip_rate"], disagreement=values["disagreement"],
            mean_confidence=per_class(np.round(values["mean_confidence"], 4), classes),
            thresholds=per_class(np.round(values["thresholds"], 4), classes),
            n_pseudo_labels=values["n_pseudo_labels"],
            **_scores(score), p_value=p_value, temperature=_rounded(temperature),
            **(extra or {}), accepted=accepted, note=note)

    def _record(self, record):
        self.history_.append(record)
        notify(self.callbacks, "on_record", self, record)

    def _fit_chains(self, chains, stage):
        """Fit every chain; in ``n_jobs`` threads, since the chains share their data.

        The callbacks hear ``stage`` advance as each chain is fitted.
        """
        jobs = counted([chain.fit for chain in chains], self.callbacks, self, stage)
        if len(jobs) == 1 or self.n_jobs in (None, 1):
            for job in jobs:
                job()
            return
        Parallel(n_jobs=self.n_jobs, prefer="threads")(delayed(job)() for job in jobs)

    def _warn_too_few(self, label_codes, classes):
        """Warn that the labels are too few for the guard's or the calibration's folds."""
        if self.guard:
            message = not_compared(label_codes, classes).reason
        else:
            message = ("calibrate=True could not fit a temperature, so the probabilities are "
                       f"not calibrated: {too_few_to_hold_out(label_codes, classes)}")
        warnings.warn(message, SemiloopWarning, stacklevel=5)

    def _label_folds(self, label_codes, eligible=None):
        return make_splits(label_codes, cv=self.cv, validation_size=self.validation_size,
                           eligible=eligible, random_state=self.random_state)

    def _validate_round(self, fold_chains, folds, labeled, codes):
        """Out-of-fold score of the fold chains, the temperature fitted on them, their
        probabilities and the expected calibration error before and after the temperature."""
        if not fold_chains:
            return None, 1.0, None, {}
        parts = [chain.predict_proba(labeled[held_out])
                 for chain, (_, _, held_out) in zip(fold_chains, folds, strict=True)]
        proba = stack_held_out(parts, folds, len(labeled))
        truth, n_repeats = stacked_truth(codes[labeled], folds)
        temperature = fit_temperature(proba, truth) if self.calibrate else 1.0
        scaled = apply_temperature(proba, temperature)
        score = score_out_of_fold(truth, scaled, n_repeats=n_repeats)
        calibration = {
            "calibration_error_raw": round(expected_calibration_error(truth, proba), 6),
            "calibration_error": round(expected_calibration_error(truth, scaled), 6)}
        return score, temperature, proba, calibration

    def _set_transduction(self, y, labels, classes):
        transduction = np.array(y, dtype=object if classes.dtype.kind not in "iuf" else None,
                                copy=True)
        assigned = labels >= 0
        transduction[assigned] = classes[labels[assigned]]
        self.transduction_ = transduction

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, temperature-scaled when ``calibrate=True``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = prepare_rows(self, X, reset=False)
        return apply_temperature(full_proba(self.estimator_, X, self.classes_),
                                 self.temperature_)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predicted class of each row."""
        check_is_fitted(self)
        if self.temperature_ != 1.0 or not hasattr(self.estimator_, "predict"):
            return self.classes_[self.predict_proba(X).argmax(axis=1)]
        X = prepare_rows(self, X, reset=False)
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
        X = prepare_rows(self, X, reset=False)
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._get_estimator().__sklearn_tags__()
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags


def _scores(score):
    if score is None:
        return {"validation_accuracy": None, "validation_log_loss": None}
    return {"validation_accuracy": score.accuracy, "validation_log_loss": score.log_loss}


def _rounded(temperature):
    return round(float(temperature), 4)


def _outcome(used_unlabeled, guarded, supervised, final):
    """One plain sentence on what the unlabeled data did to the model."""
    if not used_unlabeled:
        if guarded:
            return ("unlabeled data did not help on the validation signal: "
                    "the model is the supervised one")
        return "no pseudo-label was added: the model is the supervised one"
    if not guarded:
        return "the model uses pseudo-labels (no guard compared it with the supervised model)"
    return (f"the model uses pseudo-labels: validation accuracy {supervised.accuracy:.4f} "
            f"(supervised) -> {final.accuracy:.4f}")


class SafeSelfTrainingClassifier(SelfTrainingClassifier):
    """semiloop's recommended self-training: calibrated, balanced, guarded.

    The same estimator as :class:`SelfTrainingClassifier`, with every safety
    option on: temperature-scaled probabilities, FlexMatch's class-conditional
    thresholds, class-balanced selection, pseudo-labels revisited every round
    and weighted by confidence, and the guard that rolls back any round that
    makes the cross-validated score on the labeled rows worse. When
    self-training never helps, the result is the supervised model, and
    ``used_unlabeled_`` and ``history_`` say so. It also audits its
    pseudo-labels on a fifth of the labeled rows hidden in one more run
    (``audit_size=0.2``; the final model trains on every label) and holds
    back rows whose prediction flips or that the fold models dispute
    (``hold_back_unstable=True``; listed in ``held_back_`` for review).

    Parameters are those of :class:`SelfTrainingClassifier`; only the
    defaults differ.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> y_partial = np.where(np.random.default_rng(0).random(len(y)) < 0.95, -1, y)
    >>> model = SafeSelfTrainingClassifier(random_state=0).fit(X, y_partial)
    >>> model.history_[0].note.startswith("supervised model on the labeled rows")
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
        class_prior="labeled",
        revisit=True,
        weight_by_confidence=True,
        guard=True,
        cv=5,
        validation_size=200,
        guard_margin=1.5,
        guard_patience=0,
        audit_size=0.2,
        hold_back_unstable=True,
        n_jobs=None,
        callbacks=None,
        random_state=None,
    ):
        super().__init__(
            estimator, threshold, criterion, k_best, max_iter, verbose,
            threshold_policy=threshold_policy, calibrate=calibrate, balanced=balanced,
            class_prior=class_prior, revisit=revisit,
            weight_by_confidence=weight_by_confidence, guard=guard, cv=cv,
            validation_size=validation_size, guard_margin=guard_margin,
            guard_patience=guard_patience, audit_size=audit_size,
            hold_back_unstable=hold_back_unstable, n_jobs=n_jobs, callbacks=callbacks,
            random_state=random_state,
        )

