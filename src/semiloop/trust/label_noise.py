"""Label noise in the seed labels: Confident Learning, and a test that it is more than overlap.

Confident Learning (Northcutt, Jiang & Chuang, "Confident Learning:
Estimating Uncertainty in Dataset Labels", JAIR 70, 2021, section 3) counts,
for each given class ``i``, the rows that out-of-sample probabilities put
*confidently* in class ``j`` (the confident joint), calibrates the counts into
the joint distribution of given and true labels, reads the noise rate off its
diagonal, and lists the rows to review (prune by noise rate).

Confident Learning cannot tell a wrong label from a row where the classes
overlap or the model is too weak: both land off the diagonal. On clean KEEL
splits its estimate averages 0.30 (german), 0.35 (breast), 0.41 (vowel) and
0.47 (hayes-roth) against 0.01-0.03 on easy sets, so no threshold on it alone
stays quiet on clean data and still sees 10% of flipped labels on easy data.
Random flips differ from overlap in one way: they also hit rows deep inside a
class, where the model is confident. So the estimate comes with a test for
that *noise floor*: the given labels are modelled as Copas's (1988) contaminated model,
``P(label | x) = (1 - e) softmax(log proba / T) + e / k``, fitted by maximum
likelihood on the out-of-fold probabilities, and ``e = 0`` is tested by the
likelihood ratio (a 50:50 mixture of chi-square with 0 and 1 degrees of
freedom, Self & Liang 1987).

Measured with :mod:`semiloop.trust.check`'s rule (noise-floor p <= 0.001 and
a floor rate >= 0.05): labeled rows a stratified 10% as in
``benchmarks/trust.py`` (at least 2 per class), flips: that share of the
labeled rows moved to another class at random; iris, wine, breast_cancer,
digits and 25 KEEL sets, 20 seeds each (50-69; the rule was chosen on seeds
0-49). It tripped on 2 of 580 clean splits (0.3%; vehicle and tic-tac-toe),
on 33% with 10% flips and 29% with 20%: on the 11 sets with 179 labeled rows
or more on 82% and 72% (no false alarm there), on the 18 smaller ones on 1%.
When it trips, the floor rate is 0.11 for 10% flips and 0.21 for 20%. The
listed issues hold 72% of the flipped rows, and 71% of the first ten listed
are flipped rows. At p <= 0.01 (seeds 10-49) it tripped on 21 of 1160 clean
splits, up to 15% of them on australian, vehicle and movement_libras. An
estimate takes about 0.5 s (95% under 1.3 s) on a busy two-core machine.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = np.repeat([0, 1, 2], 80)
>>> X = np.eye(3)[y] * 3 + rng.normal(0, 1, (240, 3))
>>> noisy = y.copy()
>>> flipped = rng.choice(240, 24, replace=False)
>>> noisy[flipped] = (y[flipped] + rng.integers(1, 3, 24)) % 3
>>> found = find_label_noise(X, noisy, random_state=0)
>>> bool(found.floor_p_value < 0.01), round(found.floor_rate, 2)
(True, 0.11)
>>> round(found.estimated_noise_rate, 2)
0.12
>>> len(found.issues), int(np.isin(found.issues, flipped).sum())
(25, 24)
>>> clean = find_label_noise(X, y, random_state=0)
>>> clean.floor_p_value, clean.estimated_noise_rate
(1.0, 0.0)
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from semiloop.errors import DataError

__all__ = ["KERNEL_MARGIN", "RANKINGS", "LabelNoise", "calibrated_joint", "confident_joint",
           "confident_thresholds", "estimate_label_noise", "find_label_noise", "noise_floor"]


#: Nats per row by which the kernel model must beat the linear one to be used.
KERNEL_MARGIN = 0.01


@dataclass(frozen=True)
class LabelNoise:
    """How noisy the given labels look, and which rows to review.

    Attributes
    ----------
    estimated_noise_rate : float
        Confident Learning's share of wrong labels, ``1 - trace(joint)``
        (wrong labels and overlapping classes alike).
    class_noise_rates : ndarray of shape (n_classes,)
        Its share of wrong labels among the rows given each class,
        ``P(true != i | given = i)``.
    issues : ndarray of int
        Positions (into the rows passed in) of the likely wrong labels, the most likely first.
    suggested : ndarray of int, shape (len(issues),)
        The class code the model puts first for each issue.
    confident_joint : ndarray of int, shape (n_classes, n_classes)
        ``C[i, j]``: rows given class ``i`` that the model confidently puts in ``j``.
    joint : ndarray of shape (n_classes, n_classes)
        The calibrated joint ``Q[i, j]`` of given class ``i`` and true class ``j`` (sums to 1).
    thresholds : ndarray of shape (n_classes,)
        Per-class confidence thresholds ``t_j``.
    floor_rate : float
        Share of labels flipped uniformly at random in the fitted contaminated model.
    floor_p_value : float
        p-value of "no labels flipped at random" (the noise-floor test).
    proba : ndarray of shape (n_rows, n_classes)
        The out-of-sample probabilities used.
    labels : ndarray of int, shape (n_rows,)
        The given labels as class codes ``0 .. n_classes-1``.
    n_folds : int or None
        Cross-validation folds that made ``proba`` (None when they were given).
    model : str or None
        Which model made ``proba``: ``"linear"``, ``"kernel"`` or ``"given"``
        (None when the probabilities were given).
    """

    estimated_noise_rate: float
    class_noise_rates: np.ndarray
    issues: np.ndarray
    suggested: np.ndarray
    confident_joint: np.ndarray
    joint: np.ndarray
    thresholds: np.ndarray
    floor_rate: float
    floor_p_value: float
    proba: np.ndarray
    labels: np.ndarray
    n_folds: int | None = None
    model: str | None = None


def _self_confidence(y, proba):
    return proba[np.arange(len(y)), y]


def _normalized_margin(y, proba):
    others = proba.copy()
    others[np.arange(len(y)), y] = -np.inf
    return _self_confidence(y, proba) - others.max(axis=1)


#: Label-quality scores that order the issues (lowest first): the probability of
#: the given label, or that minus the largest other probability.
RANKINGS = {"self_confidence": _self_confidence, "normalized_margin": _normalized_margin}


def confident_thresholds(y, proba):
    """Per-class thresholds ``t_j``: the mean probability of class ``j`` over rows given ``j``.

    Parameters
    ----------
    y : array-like of int, shape (n_rows,)
        Given labels, codes ``0 .. n_classes-1``, every class present.
    proba : array-like of shape (n_rows, n_classes)
        Out-of-sample predicted probabilities.

    Returns
    -------
    thresholds : ndarray of shape (n_classes,)

    Raises
    ------
    DataError
        When the shapes disagree, ``y`` holds other values than codes, or a class has no row.

    Notes
    -----
    Northcutt et al. (2021), section 3.1, eq. (2):
    :math:`t_j = \\frac{1}{|X_{\\tilde y=j}|}
    \\sum_{x \\in X_{\\tilde y=j}} \\hat p(\\tilde y=j; x)`.

    Examples
    --------
    >>> confident_thresholds([0, 0, 1], [[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]]).tolist()
    [0.7, 0.8]
    """
    y, proba = _validate(y, proba)
    return np.array([proba[y == j, j].mean() for j in range(proba.shape[1])])


def confident_joint(y, proba, *, thresholds=None):
    """The confident joint ``C[i, j]``: rows given ``i`` confidently in class ``j``.

    A row counts towards class ``j`` when ``proba[:, j] >= t_j``; when several
    classes pass their thresholds, towards the most probable of them; when
    none does, it is not counted. Each diagonal cell is at least 1, so that
    every class keeps a correctly labeled row (as in the authors' cleanlab).

    Parameters
    ----------
    y : array-like of int, shape (n_rows,)
    proba : array-like of shape (n_rows, n_classes)
    thresholds : array-like of shape (n_classes,), default=None
        None: :func:`confident_thresholds`.

    Returns
    -------
    counts : ndarray of int, shape (n_classes, n_classes)
    guess : ndarray of int, shape (n_rows,)
        The confident class of each row, -1 where no class passed.

    Raises
    ------
    DataError
        As :func:`confident_thresholds`.

    Notes
    -----
    Northcutt et al. (2021), section 3.1, eq. (1). Cost: O(n k).

    Examples
    --------
    >>> proba = [[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]]
    >>> counts, guess = confident_joint([0, 0, 1, 1], proba)
    >>> counts.tolist(), guess.tolist()
    ([[1, 1], [1, 1]], [0, 1, 1, 0])
    """
    y, proba = _validate(y, proba)
    k = proba.shape[1]
    thresholds = (confident_thresholds(y, proba) if thresholds is None
                  else np.asarray(thresholds, dtype=float))
    above = proba >= thresholds - 1e-12
    guess = np.where(above.any(axis=1), np.where(above, proba, -np.inf).argmax(axis=1), -1)
    counted = guess >= 0
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y[counted], guess[counted]), 1)
    np.fill_diagonal(counts, np.maximum(counts.diagonal(), 1))
    return counts, guess


def calibrated_joint(counts, y):
    """The joint ``Q[i, j]`` of given and true labels, calibrated from a confident joint.

    Each row of ``counts`` is rescaled to the number of rows given that class,
    then the whole is divided by the number of rows.

    Parameters
    ----------
    counts : array-like of shape (n_classes, n_classes)
    y : array-like of int, shape (n_rows,)
        Given labels.

    Returns
    -------
    joint : ndarray of shape (n_classes, n_classes)
        Non-negative, summing to 1, row ``i`` summing to the share of rows given ``i``.

    Notes
    -----
    Northcutt et al. (2021), section 3.1, eq. (3):
    :math:`\\tilde C_{i,j} = \\frac{C_{i,j}}{\\sum_{j'} C_{i,j'}}|X_{\\tilde y=i}|`,
    :math:`\\hat Q_{i,j} = \\tilde C_{i,j} / \\sum_{i',j'} \\tilde C_{i',j'}`.

    Examples
    --------
    >>> calibrated_joint([[3, 1], [0, 2]], [0, 0, 0, 0, 1, 1, 1, 1]).tolist()
    [[0.375, 0.125], [0.0, 0.5]]
    """
    counts = np.asarray(counts, dtype=float)
    given = np.bincount(np.asarray(y, dtype=int), minlength=len(counts)).astype(float)
    rows = counts.sum(axis=1, keepdims=True)
    scaled = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0) * given[:, None]
    return scaled / scaled.sum()


def noise_floor(y, proba):
    """Test for labels flipped at random: a floor of disagreement where the model is sure.

    Fits ``P(label | x) = (1 - e) softmax(log proba / T) + e / k`` (Copas's
    contaminated model, with a temperature ``T`` so that over- or
    under-confident probabilities are not taken for noise) by maximum
    likelihood, and compares it with ``e = 0`` by the likelihood ratio.

    Parameters
    ----------
    y : array-like of int, shape (n_rows,)
    proba : array-like of shape (n_rows, n_classes)
        Out-of-sample probabilities.

    Returns
    -------
    rate : float
        ``e (k - 1) / k``: the share of labels moved to another class at random.
    p_value : float
        Of ``e = 0``, from ``0.5 chi2(0) + 0.5 chi2(1)`` (``e = 0`` lies on the
        boundary; Self & Liang, JASA 1987).

    Raises
    ------
    DataError
        As :func:`confident_thresholds`.

    Notes
    -----
    Copas, "Binary regression models for contaminated data", JRSS B 50(2),
    1988. Overlapping classes and a weak model leave no floor (their errors
    sit where the model is unsure); a model too rigid for the boundary can
    fake one, hence the choice of model in :func:`find_label_noise`.

    Examples
    --------
    Labels drawn from calibrated probabilities, then 10% of them flipped:

    >>> rng = np.random.default_rng(0)
    >>> positive = 1 / (1 + np.exp(-rng.uniform(-8, 8, 300)))
    >>> proba = np.column_stack([1 - positive, positive])
    >>> y = (rng.random(300) < positive).astype(int)
    >>> noise_floor(y, proba)
    (0.0, 1.0)
    >>> flipped = y.copy()
    >>> flipped[rng.choice(300, 30, replace=False)] ^= 1
    >>> rate, p_value = noise_floor(flipped, proba)
    >>> round(rate, 2), bool(p_value < 1e-4)
    (0.11, True)
    """
    y, proba = _validate(y, proba)
    null, floor, rate = _fit_floor(y, proba)
    statistic = 2 * (null - floor)
    p_value = 0.5 * stats.chi2.sf(statistic, 1) if statistic > 1e-9 else 1.0
    return rate, float(p_value)


def estimate_label_noise(y, proba, *, rank_by="self_confidence", n_folds=None, model=None):
    """Noise rate and likely wrong labels from given labels and out-of-sample probabilities.

    Parameters
    ----------
    y : array-like of int, shape (n_rows,)
        Given labels, codes ``0 .. n_classes-1``, every class present.
    proba : array-like of shape (n_rows, n_classes)
        Out-of-sample probabilities (cross-validated, or from a model that
        never saw these rows); in-sample ones hide the noise.
    rank_by : {"self_confidence", "normalized_margin"}, default="self_confidence"
        How the issues are ordered (lowest score first), see :data:`RANKINGS`.
    n_folds : int, default=None
        Recorded in the result.
    model : str, default=None
        Recorded in the result: which model made ``proba``.

    Returns
    -------
    LabelNoise

    Raises
    ------
    DataError
        As :func:`confident_thresholds`, or for an unknown ``rank_by``.

    Notes
    -----
    The issues come from *prune by noise rate* (Northcutt et al. 2021,
    section 3.2): for every given class ``i`` and true class ``j != i``, the
    ``n Q[i, j]`` rows (rounded, keeping each row's total) given ``i`` with
    the largest margin ``proba[:, j] - proba[:, i]``; rows whose most probable
    class is their given one are dropped, and every class keeps a row.
    Cost: O(n k^2), and a two-parameter fit for :func:`noise_floor`.

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1]] * 5 + [[0.1, 0.9]] * 5)
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> result = estimate_label_noise(y, proba)
    >>> result.issues.tolist(), result.suggested.tolist(), round(result.estimated_noise_rate, 2)
    ([4], [0], 0.1)
    """
    if rank_by not in RANKINGS:
        raise DataError(f"rank_by={rank_by!r} is not known; use one of {sorted(RANKINGS)}")
    y, proba = _validate(y, proba)
    thresholds = confident_thresholds(y, proba)
    counts, _ = confident_joint(y, proba, thresholds=thresholds)
    joint = calibrated_joint(counts, y)
    given = joint.sum(axis=1)
    class_noise = 1 - joint.diagonal() / given
    issues = _prune_by_noise_rate(y, proba, joint)
    issues = issues[np.argsort(RANKINGS[rank_by](y[issues], proba[issues]), kind="stable")]
    floor_rate, floor_p = noise_floor(y, proba)
    return LabelNoise(float(1 - np.trace(joint)), class_noise, issues,
                      proba[issues].argmax(axis=1), counts, joint, thresholds, floor_rate,
                      floor_p, proba, y, n_folds, model)


def find_label_noise(X, y, *, model=None, n_folds=5, rank_by="self_confidence", random_state=0):
    """Confident Learning and the noise-floor test on labeled rows (cross-validated probabilities).

    Parameters
    ----------
    X : array-like of shape (n_rows, n_features)
        Numeric features of the labeled rows.
    y : array-like of shape (n_rows,)
        Their given labels (any values; classes are taken in sorted order).
    model : classifier, default=None
        Cloned for each fold. None: a logistic regression on the standardised
        features, or one (``C=10``) on RBF-kernel features (Nyström
        approximation, up to 200 components, ``gamma = 1 / n_features``;
        Williams & Seeger, NIPS 2001) when that explains the labels better by
        more than :data:`KERNEL_MARGIN` nats per row (see Notes).
    n_folds : int, default=5
        Stratified folds, fewer when the smallest class has fewer rows (at least 2).
    rank_by : {"self_confidence", "normalized_margin"}, default="self_confidence"
    random_state : int, default=0
        Seed of the folds and the kernel approximation.

    Returns
    -------
    LabelNoise or None
        None when some class has fewer than 2 rows: no fold could predict
        that class for its own rows, and they would all look wrong.

    Raises
    ------
    DataError
        When ``X`` and ``y`` differ in length or ``y`` holds a single class.

    Notes
    -----
    The noise floor is seen only where the model's confidence grows with
    the distance from the boundary. A linear model keeps that shape under
    noise, but fakes a floor where the boundary is curved; a kernel model
    follows the curve, but learns the noise as a plateau of confidence on
    well separated classes. So the linear model is kept unless the kernel
    model's likelihood under the contaminated model is clearly higher.
    Cost: two cross-validations.
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    X = np.asarray(X, dtype=float)
    classes, codes = np.unique(np.asarray(y), return_inverse=True)
    if X.ndim != 2 or len(X) != len(codes):
        raise DataError(f"X {X.shape} and y ({len(codes)},) must hold one 2-D row per label")
    if len(classes) < 2:
        raise DataError("label noise needs at least two classes among the labeled rows; "
                        "label rows of another class")
    smallest = int(np.bincount(codes).min())
    if smallest < 2:
        return None
    folds = min(n_folds, smallest)
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    if model is not None:
        candidates = {"given": clone(model)}
    else:
        n_train = len(X) - int(np.ceil(len(X) / folds))
        candidates = {"linear": _linear_logistic(),
                      "kernel": _kernel_logistic(n_train, X.shape[1], random_state)}
    # small dense problems: BLAS threads cost more than they save (6x slower on a busy machine)
    with threadpool_limits(limits=1, user_api="blas"):
        probas = {name: cross_val_predict(estimator, X, codes, cv=split, method="predict_proba")
                  for name, estimator in candidates.items()}
        chosen = "given" if model is not None else "linear"
        if model is None:
            linear, kernel = (_fit_floor(codes, probas[name])[1] for name in ("linear", "kernel"))
            if kernel < linear - KERNEL_MARGIN * len(codes):
                chosen = "kernel"
        return estimate_label_noise(codes, probas[chosen], rank_by=rank_by, n_folds=folds,
                                    model=chosen)


def _linear_logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _kernel_logistic(n_train, n_features, random_state):
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(),
                         Nystroem(gamma=1.0 / max(n_features, 1),
                                  n_components=max(1, min(200, n_train)),
                                  random_state=random_state),
                         LogisticRegression(C=10.0, max_iter=2000))


def _fit_floor(y, proba):
    """Negative log-likelihoods without and with the floor, and the fitted flip rate."""
    logits = np.log(np.clip(proba, 1e-12, 1.0))
    bound = (np.log(0.05), np.log(20.0))
    null = optimize.minimize(_negative_log_likelihood, [0.0], args=(logits, y),
                             bounds=[bound], method="L-BFGS-B")
    best = min((optimize.minimize(_negative_log_likelihood, [null.x[0], start],
                                  args=(logits, y), bounds=[bound, (0.0, 0.99)],
                                  method="L-BFGS-B") for start in (0.01, 0.1, 0.3)),
               key=lambda fit: fit.fun)
    k = proba.shape[1]
    return float(null.fun), float(min(best.fun, null.fun)), float(best.x[1] * (k - 1) / k)


def _negative_log_likelihood(params, logits, y):
    scaled = logits / np.exp(params[0])
    scaled -= scaled.max(axis=1, keepdims=True)
    proba = np.exp(scaled)
    proba /= proba.sum(axis=1, keepdims=True)
    floor = params[1] if len(params) > 1 else 0.0
    given = (1 - floor) * proba[np.arange(len(y)), y] + floor / logits.shape[1]
    return -np.sum(np.log(np.maximum(given, 1e-300)))


def _prune_by_noise_rate(y, proba, joint):
    n, k = proba.shape
    given = np.bincount(y, minlength=k)
    flagged = np.zeros(n, dtype=bool)
    for i in range(k):
        rows = np.flatnonzero(y == i)
        budget = _round_keeping_total(n * joint[i], given[i])
        budget[i] = 0
        for j in np.flatnonzero(budget):
            margin = proba[rows, j] - proba[rows, i]
            flagged[rows[np.argsort(-margin, kind="stable")[:budget[j]]]] = True
    flagged &= proba.argmax(axis=1) != y
    for i in range(k):  # every class keeps a row
        rows = np.flatnonzero((y == i) & flagged)
        if len(rows) == given[i]:
            flagged[rows[np.argmax(proba[rows, i])]] = False
    return np.flatnonzero(flagged)


def _round_keeping_total(values, total):
    """Largest-remainder rounding of ``values`` to integers that sum to ``total``."""
    floor = np.floor(values + 1e-9).astype(int)
    extra = int(total) - floor.sum()
    if extra > 0:
        floor[np.argsort(-(values - floor), kind="stable")[:extra]] += 1
    return floor


def _validate(y, proba):
    y = np.asarray(y)
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or y.ndim != 1 or len(y) != len(proba):
        raise DataError(f"y {y.shape} and proba {proba.shape} must be (n_rows,) and "
                        "(n_rows, n_classes); pass one row of probabilities per label")
    if (len(y) == 0 or not np.issubdtype(y.dtype, np.integer) or y.min() < 0
            or y.max() >= proba.shape[1]):
        raise DataError(f"y must hold class codes 0..{proba.shape[1] - 1}; encode the labels "
                        "first (numpy.unique(y, return_inverse=True))")
    missing = np.setdiff1d(np.arange(proba.shape[1]), y)
    if len(missing):
        raise DataError(f"no row is given class(es) {missing.tolist()}; drop those columns "
                        "of proba or label rows of them")
    return y, proba
