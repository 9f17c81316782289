"""Temperature scaling and the expected calibration error.

Temperature scaling (Guo et al., ICML 2017) divides the logits by one scalar
``T`` fitted by maximum likelihood on held-out labeled rows. For a classifier
that gives probabilities rather than logits (a random forest), the logits are
the log-probabilities, clipped away from zero.

Underflow is harmless here (the exp of a far class's logit rounds to zero), so
the softmax runs under ``np.errstate(under="ignore")``: code run with
``np.seterr(all="raise")`` works, and division, overflow and invalid operations
keep the caller's setting.

Examples
--------
>>> import numpy as np
>>> proba = np.tile([0.9, 0.1], (4, 1))      # always 90% sure of class 0 ...
>>> y = np.array([0, 0, 0, 1])               # ... but right 3 times in 4
>>> round(fit_temperature(proba, y), 3)       # 9 ** (1 / T) = 3  =>  T = 2
2.0
>>> apply_temperature(proba[:1], 2.0).round(3).tolist()
[[0.75, 0.25]]
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

__all__ = ["apply_temperature", "expected_calibration_error", "fit_temperature"]

_EPSILON = 1e-6


def _logits(proba):
    return np.log(np.clip(np.asarray(proba, dtype=float), _EPSILON, 1.0))


def fit_temperature(proba, y, *, bounds=(0.05, 20.0)):
    """Fit the temperature that maximises the likelihood of held-out labels.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Held-out (out-of-fold) class probabilities.
    y : ndarray of shape (n_samples,)
        Class indices (columns of ``proba``).
    bounds : tuple of float, default=(0.05, 20.0)
        Search interval for ``T``.

    Returns
    -------
    temperature : float
        ``T > 1`` softens over-confident probabilities, ``T < 1`` sharpens.
        1.0 when every row's most probable class is its label: the
        likelihood then rises without end as ``T`` falls, and the search
        would stop at its lower bound, turning every probability into near
        certainty on the strength of rows without a mistake.
    """
    logits = _logits(proba)
    y = np.asarray(y, dtype=int)
    rows = np.arange(len(y))
    if len(y) and np.all(np.asarray(proba).argmax(axis=1) == y):
        return 1.0

    def negative_log_likelihood(log_temperature):
        with np.errstate(under="ignore"):  # the exp of a far class's logit
            return -log_softmax(logits / np.exp(log_temperature), axis=1)[rows, y].mean()

    result = minimize_scalar(
        negative_log_likelihood,
        bounds=(np.log(bounds[0]), np.log(bounds[1])),
        method="bounded",
        options={"xatol": 1e-5},
    )
    return float(np.exp(result.x))


def apply_temperature(proba, temperature):
    """Rescale class probabilities with a fitted temperature (argmax unchanged)."""
    if temperature == 1.0:
        return np.asarray(proba, dtype=float)
    with np.errstate(under="ignore"):  # the exp of a far class's logit
        return softmax(_logits(proba) / temperature, axis=1)


def expected_calibration_error(y, proba, *, n_bins=15):
    """Expected calibration error of the top-class confidence, over equal-width bins.

    ``ECE = sum_b |B_b| / n * |accuracy(B_b) - confidence(B_b)|``.

    >>> import numpy as np
    >>> expected_calibration_error(np.array([0, 0, 0, 1]), np.tile([0.9, 0.1], (4, 1)))
    0.15
    """
    proba = np.asarray(proba, dtype=float)
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == np.asarray(y)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in np.unique(bins):
        members = bins == b
        error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return round(float(error), 12)
