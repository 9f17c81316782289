"""What a model's predictions say about two samples: class shares, confidence, entropy.

A model that meets data unlike its training data often shows it in its
predictions before anyone has a label: the predicted classes shift, the mean
confidence falls (or collapses onto one class), the entropy drops. These
statistics compare the predicted probabilities of a reference sample (the
labeled rows, or the training data) with those of a current sample, and the
current predicted class shares with the labeled class prior.

Examples
--------
>>> import numpy as np
>>> reference = np.array([[0.9, 0.1], [0.2, 0.8], [0.8, 0.2], [0.3, 0.7]])
>>> current = np.array([[0.6, 0.4], [0.55, 0.45], [0.7, 0.3], [0.4, 0.6]])
>>> drift = prediction_drift(reference, current, prior=[0.5, 0.5])
>>> drift.reference_shares.tolist(), drift.current_shares.tolist()
([0.5, 0.5], [0.75, 0.25])
>>> round(drift.confidence_change, 3), round(drift.prior_shift, 3)
(-0.188, 0.25)
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial import distance

from semiloop.errors import DataError

__all__ = ["PredictionDrift", "class_shares", "mean_confidence", "mean_entropy",
           "prediction_drift", "shares_p_value"]

#: Added to every class share before the KL divergence, so that a class one
#: sample never predicts keeps it finite.
SHARE_FLOOR = 1e-4


@dataclass(frozen=True)
class PredictionDrift:
    """Predictions of a reference and a current sample, compared.

    Attributes
    ----------
    reference_shares, current_shares : ndarray of shape (n_classes,)
        Share of rows predicted as each class (the argmax).
    kl_divergence : float
        ``KL(current || reference)`` of the predicted class shares, in nats
        (shares floored at :data:`SHARE_FLOOR` and renormalised).
    js_distance : float
        Jensen-Shannon distance of the predicted class shares, base 2 (in [0, 1]).
    reference_confidence, current_confidence, confidence_change : float
        Mean largest probability and its change (current minus reference).
    reference_entropy, current_entropy, entropy_change : float
        Mean predictive entropy in units of ``log(n_classes)`` (0: certain,
        1: uniform) and its change.
    prior : ndarray of shape (n_classes,) or None
        The labeled class prior, when given.
    prior_shift : float or None
        Total variation distance between the current predicted shares and
        the prior, ``0.5 * sum |current - prior|`` (in [0, 1]).
    n_reference, n_current : int
    """

    reference_shares: np.ndarray
    current_shares: np.ndarray
    kl_divergence: float
    js_distance: float
    reference_confidence: float
    current_confidence: float
    confidence_change: float
    reference_entropy: float
    current_entropy: float
    entropy_change: float
    prior: np.ndarray | None
    prior_shift: float | None
    n_reference: int
    n_current: int


def class_shares(proba):
    """Share of rows whose largest probability is each class; shape ``(n_classes,)``.

    >>> class_shares(np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]])).round(3).tolist()
    [0.667, 0.333]
    """
    proba = _check(proba, "proba")
    return np.bincount(proba.argmax(axis=1), minlength=proba.shape[1]) / len(proba)


def mean_confidence(proba):
    """Mean largest probability of the rows.

    >>> mean_confidence(np.array([[0.9, 0.1], [0.4, 0.6]]))
    0.75
    """
    return float(_check(proba, "proba").max(axis=1).mean())


def mean_entropy(proba):
    """Mean predictive entropy in units of ``log(n_classes)``: 0 certain, 1 uniform.

    >>> mean_entropy(np.array([[1.0, 0.0], [0.5, 0.5]]))
    0.5
    """
    proba = _check(proba, "proba")
    if proba.shape[1] < 2:
        return 0.0
    return float(stats.entropy(proba, axis=1).mean() / np.log(proba.shape[1]))


def prediction_drift(reference_proba, current_proba, *, prior=None):
    """Compare the predicted probabilities of two samples, and the current one with a prior.

    Parameters
    ----------
    reference_proba : array-like of shape (n_reference, n_classes)
    current_proba : array-like of shape (n_current, n_classes)
        Rows of probabilities (each summing to 1) over the same classes.
    prior : array-like of shape (n_classes,), default=None
        The labeled class shares; their total variation distance to the
        current predicted shares is ``prior_shift``.

    Returns
    -------
    PredictionDrift

    Raises
    ------
    DataError
        When a sample is empty, the class counts differ, or a row is not a
        probability distribution.
    """
    reference = _check(reference_proba, "reference_proba")
    current = _check(current_proba, "current_proba")
    if reference.shape[1] != current.shape[1]:
        raise DataError(f"reference_proba has {reference.shape[1]} classes and current_proba "
                        f"{current.shape[1]}; score both samples with the same model")
    reference_shares, current_shares = class_shares(reference), class_shares(current)
    floored = [(s + SHARE_FLOOR) / (s + SHARE_FLOOR).sum()
               for s in (current_shares, reference_shares)]
    prior_shift = None
    if prior is not None:
        prior = np.asarray(prior, dtype=float)
        if prior.shape != (reference.shape[1],) or not np.isclose(prior.sum(), 1.0):
            raise DataError(f"prior must hold one share per class ({reference.shape[1]}) "
                            f"summing to 1, got {prior.tolist()}")
        prior_shift = float(0.5 * np.abs(current_shares - prior).sum())
    confidence = mean_confidence(reference), mean_confidence(current)
    entropy = mean_entropy(reference), mean_entropy(current)
    return PredictionDrift(
        reference_shares, current_shares, float(stats.entropy(*floored)),
        float(distance.jensenshannon(reference_shares, current_shares, base=2)),
        confidence[0], confidence[1], confidence[1] - confidence[0],
        entropy[0], entropy[1], entropy[1] - entropy[0], prior, prior_shift,
        len(reference), len(current))


def _check(proba, name):
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or len(proba) == 0 or proba.shape[1] == 0:
        raise DataError(f"{name} must be a non-empty (n_rows, n_classes) array of "
                        f"probabilities, got shape {proba.shape}")
    if not np.all(np.isfinite(proba)) or proba.min() < 0 or not np.allclose(proba.sum(axis=1),
                                                                              1.0, atol=1e-4):
        raise DataError(f"{name} has rows that are not probabilities (negative, not finite, "
                        "or not summing to 1); pass the output of predict_proba")
    return proba


def shares_p_value(counts, shares):
    """Chi-square goodness-of-fit p-value of class counts against expected class shares.

    Tells a class-balance shift from what sampling alone gives: 25 rows over
    10 equally likely classes drift by a total variation of about 0.2 by
    chance. Classes with no expected share are left out of the test; a count
    in one of them gives 0.

    Parameters
    ----------
    counts : array-like of int, shape (n_classes,)
    shares : array-like of shape (n_classes,)

    Returns
    -------
    float

    Examples
    --------
    >>> round(shares_p_value([12, 8], [0.5, 0.5]), 3)
    0.371
    >>> shares_p_value([1, 0], [0.0, 1.0])
    0.0
    """
    counts = np.asarray(counts)
    shares = np.asarray(shares, dtype=float)
    present = shares > 0
    if counts[~present].any():
        return 0.0
    if counts.sum() == 0 or present.sum() < 2:
        return 1.0
    expected = shares[present] / shares[present].sum() * counts.sum()
    return float(stats.chisquare(counts[present], expected).pvalue)
