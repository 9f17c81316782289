"""Semi-supervised support vector machine, optimised by quasi-Newton steps (QN-S3VM).

The S3VM looks for a boundary that separates the labeled rows with a margin
and passes through a low-density region of the unlabeled rows. Following
Gieseke et al., both hinge losses are replaced by smooth surrogates, so that
the whole (non-convex) objective can be minimised by L-BFGS, and an annealing
schedule raises the weight of the unlabeled term step by step.

Underflow is harmless here: a loss term, a bump ``exp(-s f^2)``, a sigmoid or a
probability that rounds to zero is the right value. The numerical kernels run
under ``np.errstate(under="ignore")``, so code run with
``np.seterr(all="raise")`` works; division, overflow and invalid operations keep
the caller's setting.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.kernel_approximation import Nystroem
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_consistent_length, check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d
from threadpoolctl import threadpool_limits

from semiloop._compat import Interval, StrOptions, validate_data
from semiloop.callbacks import notify
from semiloop.data.labels import check_labels, encode_labels
from semiloop.errors import SemiloopWarning
from semiloop.methods.class_prior import CLASS_PRIORS, resolve_class_prior
from semiloop.records import AnnealingRecord

__all__ = ["S3VM"]

_SHARPNESS = 20.0  # gamma of the labeled surrogate (1/gamma) log(1 + exp(gamma (1 - y f)))
_WIDTH = 3.0  # s of the unlabeled surrogate exp(-s f^2)
_ANNEALING = (0.0, 1e-6, 1e-4, 1e-2, 0.1, 0.5, 1.0)  # fractions of unlabeled_weight
_LBFGS_OPTIONS = {"maxcor": 50, "ftol": 1e-7, "gtol": 1e-5}
_CALIBRATION_FOLDS = 5


class S3VM(ClassifierMixin, BaseEstimator):
    """Semi-supervised SVM (QN-S3VM): the boundary moves into low-density regions.

    Labeled rows are fitted with a smooth hinge loss; unlabeled rows
    (``y == -1``) are pushed away from the boundary by a smooth version of the
    symmetric hinge. The objective is minimised with L-BFGS while the weight
    of the unlabeled term rises in steps, each step warm-started from the
    previous one. A balance constraint keeps the share of unlabeled rows
    predicted positive at the class's prior share (by default its share of the
    labeled rows), which stops the trivial solution that puts every unlabeled
    row in one class. Several classes are
    handled one-vs-rest, each binary problem balanced to its own class share.

    Features should be standardised by the user (for example with a
    ``StandardScaler`` in a ``Pipeline``): the regulariser and the rbf width
    depend on their scale. Cost: linear, ``O(n d)`` per L-BFGS evaluation for
    ``n`` rows and ``d`` features (``d = n_components`` for ``kernel="rbf"``,
    plus ``O(n d n_features)`` once for the Nyström map); on 100,000 rows it
    takes seconds. ``fit`` runs with one BLAS thread: its many small products
    (L-BFGS steps, the Nyström map's ``n_components``-square SVD) lose more to
    thread hand-offs than they gain, many times over on a busy machine (a
    200-component map: 0.02 s on one thread, 0.55 s on two busy ones).

    Parameters
    ----------
    C : float, default=1.0
        Weight of the labeled loss against the regulariser, with scikit-learn's
        meaning: larger C regularises less (see Notes).
    unlabeled_weight : float, default=1.0
        Final weight of the unlabeled term, relative to the mean labeled loss
        (the paper's lambda'); 0 gives a supervised smooth-hinge SVM.
    kernel : {"linear", "rbf"}, default="linear"
        ``"rbf"`` works on a Nyström approximation of the rbf kernel.
    gamma : "scale" or float, default="scale"
        Width of the rbf kernel; ``"scale"`` is ``1 / (n_features * X.var())``
        as in :class:`sklearn.svm.SVC`. Ignored for ``kernel="linear"``.
    n_components : int, default=300
        Landmarks of the Nyström approximation (at most the number of rows).
    balance : {"share", "mean"} or None, default="share"
        How the unlabeled rows are held to the class prior (see
        Notes): ``"share"`` fixes the (smoothly counted) share predicted
        positive; ``"mean"`` fixes their mean decision value, as in the paper;
        None learns the bias freely.
    class_prior : {"labeled", "predicted"} or array-like of shape (n_classes,), \
default="labeled"
        The class shares the balance holds the unlabeled rows to:
        ``"labeled"``, the labeled rows' shares (the paper's choice, right when
        the labels are a random sample); ``"predicted"``, the mean predicted
        probabilities of a logistic regression on the labeled rows over the
        unlabeled rows (for labels chosen by active learning, whose shares are
        biased: see :mod:`semiloop.methods.class_prior`); or the shares, in the
        order of ``classes_`` (SVMlight's ``-p``).
    max_iter : int, default=500
        Most L-BFGS iterations per annealing step and binary problem.
    callbacks : list of Callback, default=None
        Told of each annealing step's record (:mod:`semiloop.callbacks`).
    random_state : int, RandomState or None, default=None
        Seeds the Nyström landmarks and the calibration folds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_problems, n_map_features)
        Weights on the feature map (the features for ``"linear"``, the Nyström
        components for ``"rbf"``); one row for two classes, one per class
        otherwise.
    intercept_ : ndarray of shape (n_problems,)
        ``decision_function(X) = map(X) @ coef_.T + intercept_``.
    feature_map_ : Nystroem or None
        The fitted Nyström map (None for ``kernel="linear"``).
    class_prior_ : ndarray of shape (n_classes,)
        The class shares the balance used (see ``class_prior``).
    temperature_ : float
        Divides the decision values before the sigmoid/softmax of
        :meth:`predict_proba`.
    transduction_ : ndarray of shape (n_samples,)
        The given label of each labeled row, the prediction for each unlabeled one.
    history_ : list of AnnealingRecord
        One record per annealing step (:class:`semiloop.records.AnnealingRecord`):
        ``unlabeled_weight``, ``objective`` (summed over binary problems), L-BFGS
        ``iterations``, and per binary problem the ``positive_ratio`` predicted
        on the unlabeled rows and the ``target_ratio`` the balance holds it to.
    n_iter_ : int
        L-BFGS iterations over all steps and binary problems.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    See Also
    --------
    SelfTrainingClassifier : semi-supervised learning around any classifier.

    Notes
    -----
    For one binary problem with labels ``y_i`` in {-1, +1} on ``l`` labeled
    rows and ``u`` unlabeled rows, ``f(x) = w . (z(x) - m) + b`` with ``z`` the
    feature map and ``m`` its mean over the unlabeled rows. The objective is

    ``J(w) = 1/(l g) sum_labeled log(1 + exp(g (1 - y_i f(x_i))))
    + lambda/u sum_unlabeled exp(-s f(x_j)^2) + |w|^2 / (2 C l)``

    with ``g = 20`` and ``s = 3`` (the paper's values). Multiplied by ``C l``
    it reads ``|w|^2/2 + C sum(labeled losses) + ...``, the scaling under
    which C means what it means in :class:`sklearn.svm.LinearSVC`; the paper's
    regularisation weight is ``1 / (2 C l)``. ``lambda`` runs through
    ``unlabeled_weight * (0, 1e-6, 1e-4, 0.01, 0.1, 0.5, 1)``, the schedule of
    the authors' code, each step an L-BFGS run (memory 50) warm-started at the
    previous solution.

    Balance constraint. The feature map is centred on the unlabeled rows, so
    the mean of ``f`` over them is ``b``. ``balance="mean"`` is the paper's
    constraint (after Chapelle and Zien): ``b = 2 p - 1`` is fixed, with
    ``p`` the positive class's prior (by default its share of the labeled rows,
    so that ``b = (1/l) sum y_i``), which enforces ``mean f(unlabeled) = 2 p - 1``
    exactly, with no penalty. It fixes
    the mean decision value, not the share of positive predictions, and on
    overlapping imbalanced classes the share drifts (80/20 labeled rows:
    27-33% of the unlabeled rows predicted positive, not 20%).
    ``balance="share"`` (the default, a deviation) fixes the share instead:
    for each ``w``, ``b`` is the root of ``mean sigmoid(g f(unlabeled)) = p``
    (Newton steps inside a bracket), and the gradient carries
    ``db/dw = -sum(sigma' (z - m)) / sum(sigma')`` by implicit
    differentiation, so L-BFGS still minimises a smooth function of ``w``.
    On the same data the share is 20% and the accuracy higher.

    Other deviations from the paper: the rbf kernel is approximated by Nyström
    features (the subset-of-regressors idea of the paper, whitened so that
    ``|w|^2`` is the kernel norm); the centring uses the mean over all
    unlabeled rows (the authors' kernel code uses up to 1,000 of them);
    ``balance=None`` and data without unlabeled rows learn ``b`` (the paper
    always fixes it); L-BFGS stops on ``max_iter`` iterations rather than
    function calls. One-vs-rest and the calibration are additions: the
    decision values are turned into probabilities by a temperature ``T``
    (softmax of ``f / T``; for two classes the sigmoid of ``f / T``, Platt
    scaling without intercept so that probabilities agree with
    :meth:`predict`), fitted by cross-entropy against Platt's smoothed
    targets ``(n_k + 1) / (n_k + K)`` on out-of-fold decision values of the
    labeled rows. The out-of-fold values are cheap approximations: for each of
    5 stratified folds, the final annealing step is re-solved without the
    held-out rows, warm-started at the full solution (rows outside the margin
    keep their values, as in an SVM's leave-one-out bound). With a class of a
    single labeled row, the in-sample values are used.

    References
    ----------
    Gieseke, Airola, Pahikkala, Kramer, "Sparse quasi-Newton optimization for
    semi-supervised support vector machines", ICPRAM 2012, pp. 45-54.
    Gieseke, Airola, Pahikkala, Kramer, "Fast and simple gradient-based
    optimization for semi-supervised support vector machines",
    Neurocomputing 123, 2014, pp. 23-32. Chapelle and Zien, "Semi-supervised
    classification by low density separation", AISTATS 2005 (the balance
    constraint). Platt, "Probabilistic outputs for support vector machines",
    1999.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> X, y = make_blobs(n_samples=400, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> y_partial = np.full_like(y, -1)
    >>> y_partial[:6] = y[:6]
    >>> model = S3VM(random_state=0).fit(X, y_partial)
    >>> float(np.mean(model.predict(X) == y))
    1.0
    >>> [round(step.unlabeled_weight, 4) for step in model.history_]
    [0.0, 0.0, 0.0001, 0.01, 0.1, 0.5, 1.0]
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "unlabeled_weight": [Interval(Real, 0, None, closed="left")],
        "kernel": [StrOptions({"linear", "rbf"})],
        "gamma": [StrOptions({"scale"}), Interval(Real, 0, None, closed="neither")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "balance": [StrOptions({"share", "mean"}), None],
        "class_prior": [StrOptions(set(CLASS_PRIORS)), "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        C=1.0,
        *,
        unlabeled_weight=1.0,
        kernel="linear",
        gamma="scale",
        n_components=300,
        balance="share",
        class_prior="labeled",
        max_iter=500,
        callbacks=None,
        random_state=None,
    ):
        self.C = C
        self.unlabeled_weight = unlabeled_weight
        self.kernel = kernel
        self.gamma = gamma
        self.n_components = n_components
        self.balance = balance
        self.class_prior = class_prior
        self.max_iter = max_iter
        self.callbacks = callbacks
        self.random_state = random_state

    def fit(self, X, y):
        """Fit on labeled and unlabeled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings). Unlabeled rows hold ``-1``,
            NaN, None, an empty string, or ``"-1"`` among string labels.

        Returns
        -------
        self : S3VM
        """
        self._validate_params()
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64)
        y = column_or_1d(y, warn=True)  # scikit-learn's y checks would reject NaN and None
        check_consistent_length(X, y)
        codes, classes = encode_labels(y)
        check_labels(codes, classes)
        labeled, unlabeled = np.flatnonzero(codes >= 0), np.flatnonzero(codes < 0)
        if len(unlabeled) == 0:
            warnings.warn("y has no unlabeled rows (-1): S3VM fits a supervised smooth-hinge "
                          "SVM; mark rows with -1 to use unlabeled data", SemiloopWarning,
                          stacklevel=2)
        rng = check_random_state(self.random_state)
        self.classes_ = classes
        self.class_prior_ = resolve_class_prior(self.class_prior, X, codes, len(classes))
        with threadpool_limits(limits=1, user_api="blas"):
            self.feature_map_ = self._fit_feature_map(X, rng)
            Z = self._transform(X)
            center = _column_mean(Z[unlabeled] if len(unlabeled) else Z)
            problems = self._binary_problems(Z, center, codes, labeled, unlabeled)
            params = self._anneal(problems, unlabeled)
            solved = [problem.forward(x) for problem, x in zip(problems, params, strict=True)]
            self.coef_ = np.array([w for w, _, _ in solved])
            self.intercept_ = np.array([b - center @ w for w, b, _ in solved])
            decision = np.column_stack([f for _, _, f in solved])
            scores = self._out_of_fold_decision(problems, params, decision, codes, labeled, rng)
        self.temperature_ = _fit_temperature(_logits(scores), codes[labeled])
        predicted = codes.copy()
        predicted[unlabeled] = _to_codes(decision[unlabeled])
        self.transduction_ = classes[predicted]
        return self

    def _anneal(self, problems, unlabeled):
        """Raise the unlabeled weight step by step, warm-starting L-BFGS; record each step."""
        params = [np.zeros(problem.n_params) for problem in problems]
        schedule = _ANNEALING if len(unlabeled) else _ANNEALING[:1]
        self.history_, self.n_iter_, capped = [], 0, False
        for fraction in schedule:
            weight = fraction * self.unlabeled_weight
            objective, iterations = 0.0, 0
            for k, problem in enumerate(problems):
                problem.unlabeled_weight = weight
                result = _solve(problem, params[k], self.max_iter)
                params[k] = result.x
                objective += float(result.fun)
                iterations += int(result.nit)
                capped |= result.nit >= self.max_iter
            decision = np.column_stack([p.forward(x)[2][unlabeled]
                                        for p, x in zip(problems, params, strict=True)])
            record = AnnealingRecord(weight, objective, iterations, _positive_ratio(decision),
                                     [problem.target_ratio for problem in problems])
            self.history_.append(record)
            notify(self.callbacks, "on_record", self, record)
            self.n_iter_ += iterations
        if capped:
            warnings.warn(f"L-BFGS reached max_iter={self.max_iter} in an annealing step; "
                          "raise max_iter or standardise the features", ConvergenceWarning,
                          stacklevel=3)
        return params

    def _fit_feature_map(self, X, rng):
        if self.kernel == "linear":
            return None
        gamma = self.gamma
        if gamma == "scale":
            variance = _variance(X)
            gamma = 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
        feature_map = Nystroem(gamma=gamma, n_components=min(self.n_components, X.shape[0]),
                               random_state=rng)
        with np.errstate(under="ignore"):  # exp(-gamma d^2) of far landmarks
            return feature_map.fit(X)

    def _transform(self, X):
        """The feature map: ``X`` itself for the linear kernel, Nyström features for rbf."""
        if self.feature_map_ is None:
            return X
        with np.errstate(under="ignore"):  # exp(-gamma d^2) of far landmarks
            return self.feature_map_.transform(X)

    def _binary_problems(self, Z, center, codes, labeled, unlabeled):
        """One objective per binary problem: class 1 against 0, or each class against the rest."""
        positives = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        problems = []
        for positive in positives:
            targets = np.where(codes[labeled] == positive, 1.0, -1.0)
            problems.append(_Objective(Z, center, labeled, targets, unlabeled, self.C,
                                       self.balance, self.class_prior_[positive]))
        return problems

    def _out_of_fold_decision(self, problems, params, decision, codes, labeled, rng):
        """Decision values of the labeled rows, each from a solution fitted without it."""
        label_codes = codes[labeled]
        scores = decision[labeled].copy()
        n_splits = min(_CALIBRATION_FOLDS, int(np.bincount(label_codes).min()))
        if n_splits < 2:
            return scores
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=rng)
        for train, held_out in folds.split(labeled, label_codes):
            for k, (problem, start) in enumerate(zip(problems, params, strict=True)):
                fold = problem.restricted(train)
                result = _solve(fold, start, self.max_iter)
                scores[held_out, k] = fold.forward(result.x)[2][labeled[held_out]]
        return scores

    def decision_function(self, X):
        """Decision values ``f``: shape (n,), positive for ``classes_[1]``, for two classes;
        (n, n_classes), one-vs-rest, otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        Z = self._transform(X)
        with np.errstate(under="ignore"):  # products of tiny features and weights
            scores = np.asarray(Z @ self.coef_.T) + self.intercept_
        return scores.ravel() if len(self.classes_) == 2 else scores

    def predict(self, X):
        """Predicted class of each row."""
        codes = _to_codes(self.decision_function(X))
        return self.classes_[codes]

    def predict_proba(self, X):
        """Calibrated class probabilities; rows sum to 1, the argmax is :meth:`predict`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        logits = _logits(self.decision_function(X)) / self.temperature_
        with np.errstate(under="ignore"):  # the exp of a far class's logit
            return softmax(logits, axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _Objective:
    """The smoothed S3VM objective of one binary problem and its gradient (see S3VM Notes).

    The parameters are ``w``, followed by ``b`` when ``balance`` is None;
    otherwise ``b`` follows from ``w`` through the balance constraint.
    ``unlabeled_weight`` is set by the annealing loop.
    """

    def __init__(self, Z, center, labeled, targets, unlabeled, C, balance, target_ratio):
        self.Z, self.center, self.C = Z, center, C
        self.labeled, self.targets, self.unlabeled = labeled, targets, unlabeled
        self.balance = balance if len(unlabeled) else None
        self.unlabeled_weight = 0.0
        self.n_params = Z.shape[1] + (self.balance is None)
        self.target_ratio = float(target_ratio)
        self._bias = 2.0 * self.target_ratio - 1.0  # the paper's b; start of the share search

    def restricted(self, kept):
        """The same problem (and constraint) on the labeled rows at positions ``kept``."""
        problem = _Objective(self.Z, self.center, self.labeled[kept], self.targets[kept],
                             self.unlabeled, self.C, self.balance, self.target_ratio)
        problem.unlabeled_weight = self.unlabeled_weight
        problem._bias = self._bias
        return problem

    def forward(self, params):
        """``(w, b, f)``, with ``f`` the decision values of all training rows."""
        w = params[:-1] if self.balance is None else params
        with np.errstate(under="ignore"):  # products of tiny features and weights
            scores = np.asarray(self.Z @ w).ravel() - self.center @ w
        if self.balance is None:
            b = params[-1]
        elif self.balance == "mean":
            b = 2.0 * self.target_ratio - 1.0
        else:
            b = self._bias = _share_bias(scores[self.unlabeled], self.target_ratio, self._bias)
        return w, b, scores + b

    def __call__(self, params):
        w, _, f = self.forward(params)
        with np.errstate(under="ignore"):  # losses, bumps and sigmoids of far rows round to 0
            return self._value_and_gradient(w, f)

    def _value_and_gradient(self, w, f):
        n_labeled = len(self.labeled)
        regularisation = 1.0 / (2.0 * self.C * n_labeled)
        margin = _SHARPNESS * (1.0 - self.targets * f[self.labeled])
        value = np.logaddexp(0.0, margin).sum() / (_SHARPNESS * n_labeled)
        value += regularisation * (w @ w)
        slope = np.zeros_like(f)  # d value / d f, per row
        slope[self.labeled] = -self.targets * expit(margin) / n_labeled
        f_unlabeled = f[self.unlabeled]
        if self.unlabeled_weight > 0 and len(self.unlabeled):
            bump = np.exp(-_WIDTH * f_unlabeled**2)
            value += self.unlabeled_weight * bump.mean()
            slope[self.unlabeled] = (-2.0 * _WIDTH * self.unlabeled_weight / len(self.unlabeled)
                                     * f_unlabeled * bump)
        if self.balance == "share":  # b moves with w: db/dw = -sum(s' z) / sum(s')
            share = expit(_SHARPNESS * f_unlabeled)
            sensitivity = share * (1.0 - share)
            if sensitivity.sum() > 0:
                slope[self.unlabeled] -= slope.sum() * (sensitivity / sensitivity.sum())
        gradient = (np.asarray(self.Z.T @ slope).ravel() - self.center * slope.sum()
                    + 2.0 * regularisation * w)
        if self.balance is None:
            gradient = np.append(gradient, slope.sum())
        return value, gradient


def _share_bias(scores, ratio, start):
    """The ``b`` with ``mean(sigmoid(g (scores + b))) == ratio``: Newton inside a bracket.

    A Newton step longer than the bracket (a flat sigmoid: every row far from
    the boundary) is never divided out; the bracket is halved instead.
    """
    low = -scores.max() - 40.0 / _SHARPNESS
    high = -scores.min() + 40.0 / _SHARPNESS
    bias = min(max(start, low), high)
    for _ in range(200):
        with np.errstate(under="ignore"):  # sigmoids of far rows round to 0 or 1
            share = expit(_SHARPNESS * (scores + bias))
            slope = _SHARPNESS * np.mean(share * (1.0 - share))
        excess = share.mean() - ratio
        if excess > 0:
            high = bias
        else:
            low = bias
        if abs(excess) >= slope * (high - low):
            bias = 0.5 * (low + high)
            continue
        step = excess / slope
        if abs(step) <= 1e-12 * (1.0 + abs(bias)):
            break
        bias = bias - step if low < bias - step < high else 0.5 * (low + high)
    return bias


def _solve(objective, start, max_iter):
    with np.errstate(under="ignore"):  # L-BFGS's own products of tiny steps
        return minimize(objective, start, jac=True, method="L-BFGS-B",
                        options={**_LBFGS_OPTIONS, "maxiter": max_iter})


def _fit_temperature(logits, codes, *, bounds=(1e-2, 1e2)):
    """Temperature minimising the cross-entropy against Platt's smoothed targets."""
    n_classes = logits.shape[1]
    counts = np.bincount(codes, minlength=n_classes)[codes]
    targets = np.repeat((1.0 / (counts + n_classes))[:, None], n_classes, axis=1)
    targets[np.arange(len(codes)), codes] = (counts + 1.0) / (counts + n_classes)

    def cross_entropy(log_temperature):
        with np.errstate(under="ignore"):  # the exp of a far class's logit
            log_proba = log_softmax(logits / np.exp(log_temperature), axis=1)
            return -np.mean(np.sum(targets * log_proba, axis=1))

    result = minimize_scalar(cross_entropy, bounds=np.log(bounds), method="bounded")
    return float(np.exp(result.x))


def _logits(decision):
    """Class logits from decision values: ``[0, f]`` for two classes, ``f`` otherwise."""
    if decision.ndim == 1 or decision.shape[1] == 1:
        decision = decision.reshape(-1)
        return np.column_stack([np.zeros_like(decision), decision])
    return decision


def _to_codes(decision):
    if decision.ndim == 1 or decision.shape[1] == 1:
        return (decision.reshape(-1) > 0).astype(np.int64)
    return decision.argmax(axis=1)


def _positive_ratio(decision):
    if len(decision) == 0:
        return [float("nan")] * decision.shape[1]
    return [float(share) for share in np.mean(decision > 0, axis=0)]


def _column_mean(Z):
    return np.asarray(Z.mean(axis=0)).ravel()


def _variance(X):
    with np.errstate(under="ignore"):  # squares of tiny deviations
        if hasattr(X, "toarray"):
            return float(X.multiply(X).mean() - X.mean() ** 2)
        return float(X.var())
