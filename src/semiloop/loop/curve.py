"""The learning curve of a project: validation score against the number of human labels.

Rounds give points ``(n, score)``. Two questions matter to the people paying
for labels: did the last rounds still pay, and how many more labels would the
next step of the curve cost?

- *Stopped paying*: the score gained over the last ``window`` rounds is within
  the validation set's own noise (one binomial standard error of the last
  score, ``sqrt(s (1 - s) / n_validation)``).
- *The next step*: an inverse power law ``score(n) = a - b n^(-c)`` (Mukherjee
  et al. 2003, "Estimating dataset size requirements for classifying DNA
  microarray data", J. Comput. Biol. 10(2); Figueroa et al. 2012, "Predicting
  sample size required for classification performance", BMC Med. Inform.
  Decis. Mak. 12:8) is fitted to the points by weighted least squares
  (``scipy.optimize.curve_fit``, each point weighted by its binomial
  variance). The labels needed to gain ``step`` more are read off the curve;
  their uncertainty comes from 2,000 draws of the parameters from the fit's
  covariance (a parametric bootstrap), reported as the median and the 10th
  and 90th percentiles. When the curve's ceiling ``a`` is within ``step`` of
  the last score, no number of labels buys the step, and the estimate says so.

Examples
--------
>>> n = np.array([20, 40, 80, 160, 320])
>>> score = 0.9 - 2.0 * n ** -0.8
>>> curve = fit_learning_curve(n, score, n_validation=5000)
>>> round(curve.ceiling, 3), round(curve.exponent, 2)
(0.9, 0.8)
>>> estimate = labels_for_next_step(curve, 320, step=0.01)  # the true curve says 432
>>> round(estimate.low), round(estimate.median), round(estimate.high)
(309, 464, 2689)
>>> stopped_paying(n, score, n_validation=5000), stopped_paying(n, score, n_validation=50)
(False, True)
"""

from dataclasses import dataclass

import numpy as np

from semiloop.errors import SemiloopError

__all__ = ["LearningCurve", "NextStep", "fit_learning_curve", "labels_for_next_step",
           "stopped_paying"]

MIN_POINTS = 3


@dataclass(frozen=True)
class LearningCurve:
    """A fitted ``score(n) = ceiling - scale * n^(-exponent)``.

    Attributes
    ----------
    ceiling, scale, exponent : float
    covariance : ndarray of shape (3, 3)
        Of (ceiling, scale, exponent), from the fit.
    """

    ceiling: float
    scale: float
    exponent: float
    covariance: np.ndarray

    def __call__(self, n):
        return _power_law(np.asarray(n, dtype=float), self.ceiling, self.scale, self.exponent)


@dataclass(frozen=True)
class NextStep:
    """Labels needed for the next ``step`` of the score.

    Attributes
    ----------
    step : float
    median, low, high : float
        More labels needed: median and 10th / 90th percentile over the
        parameter draws (``inf`` where the draw's ceiling is too low).
    reachable : float
        Share of the draws in which the step can be reached at all.
    """

    step: float
    median: float
    low: float
    high: float
    reachable: float


def _power_law(n, ceiling, scale, exponent):
    return ceiling - scale * np.power(n, -exponent)


def fit_learning_curve(n_labels, scores, *, n_validation):
    """Fit the inverse power law to a project's rounds.

    Parameters
    ----------
    n_labels : array-like of int, shape (n_points,)
        Human labels trained on, per round.
    scores : array-like of float, shape (n_points,)
        Validation accuracy (in [0, 1]) per round.
    n_validation : int
        Validation items (weights the points by their binomial variance).

    Returns
    -------
    LearningCurve

    Raises
    ------
    SemiloopError
        With fewer than 3 distinct label counts, or when the fit fails.
    """
    from scipy.optimize import curve_fit

    n_labels = np.asarray(n_labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if len(np.unique(n_labels)) < MIN_POINTS:
        raise SemiloopError(f"a learning curve needs rounds at {MIN_POINTS} or more label "
                            f"counts; the project has {len(np.unique(n_labels))}: run more "
                            "rounds after importing labels")
    clipped = np.clip(scores, 0.5 / n_validation, 1 - 0.5 / n_validation)
    sigma = np.sqrt(clipped * (1 - clipped) / n_validation)
    start = (min(1.0, scores.max() + 0.02), max(1e-3, (scores.max() - scores.min()) * 10), 0.5)
    try:
        params, covariance = curve_fit(
            _power_law, n_labels, scores, p0=start, sigma=sigma, absolute_sigma=True,
            bounds=([0.0, 0.0, 0.01], [1.0, np.inf, 3.0]), maxfev=20_000)
    except (RuntimeError, ValueError) as error:
        raise SemiloopError(f"the learning curve could not be fitted ({error}); it needs "
                            "scores that rise with the labels") from None
    return LearningCurve(*map(float, params), covariance=np.nan_to_num(covariance))


def labels_for_next_step(curve, n_now, *, step=0.01, draws=2000, random_state=0):
    """How many more labels the curve says buy ``step`` more score.

    Parameters
    ----------
    curve : LearningCurve
    n_now : int
        Labels now.
    step : float, default=0.01
        The gain wanted (one point of accuracy).
    draws : int, default=2000
        Parameter draws for the uncertainty.
    random_state : int, default=0

    Returns
    -------
    NextStep
    """
    rng = np.random.default_rng(random_state)
    mean = np.array([curve.ceiling, curve.scale, curve.exponent])
    samples = rng.multivariate_normal(mean, curve.covariance, size=draws,
                                      check_valid="ignore", method="eigh")
    samples = np.vstack([mean, samples])
    samples[:, 1] = np.maximum(samples[:, 1], 1e-12)
    samples[:, 2] = np.clip(samples[:, 2], 0.01, 3.0)
    ceiling, scale, exponent = samples.T
    target = _power_law(float(n_now), ceiling, scale, exponent) + step
    reachable = target < ceiling
    needed = np.full(len(samples), np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_target = np.power(scale[reachable] / (ceiling[reachable] - target[reachable]),
                            1.0 / exponent[reachable])
    needed[reachable] = np.maximum(n_target - n_now, 0.0)
    low, median, high = np.percentile(needed, [10, 50, 90], method="inverted_cdf")
    return NextStep(step, float(median), float(low), float(high), float(reachable.mean()))


def stopped_paying(n_labels, scores, *, n_validation, window=2):
    """Whether the last ``window`` rounds gained less than the validation set's noise.

    True when the score gained from ``window`` rounds before the last to the
    last is below one binomial standard error of the last score. False with
    fewer than ``window + 1`` rounds.
    """
    scores = np.asarray(scores, dtype=float)
    if len(scores) < window + 1:
        return False
    last = scores[-1]
    noise = np.sqrt(max(last * (1 - last), 0.25 / n_validation) / n_validation)
    return bool(last - scores[-1 - window] < noise)
