"""Confidence thresholds for accepting pseudo-labels: fixed, class-conditional, adaptive.

The math lives in pure functions of the class probabilities; the small policy
classes only carry state from one round (or training step) to the next, so that
the wrapper self-training here and the deep trainers share one implementation.

- :func:`class_conditional_thresholds` is FlexMatch's curriculum (Zhang et al.,
  NeurIPS 2021): each class's threshold is scaled by how well it is learned.
- :func:`update_adaptive_state` and :func:`adaptive_thresholds` are FreeMatch's
  self-adaptive threshold (Wang et al., ICLR 2023): a global threshold that
  follows the model's mean confidence, modulated per class by its mean
  probability.

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.96, 0.04], [0.97, 0.03], [0.60, 0.40], [0.10, 0.90]])
>>> class_conditional_thresholds(proba, 0.95, warmup=False).round(3).tolist()
[0.95, 0.0]
>>> policy = AdaptiveThreshold(momentum=0.5)
>>> policy.update(proba).round(4).tolist()
[0.6788, 0.494]
"""

from abc import ABC, abstractmethod

import numpy as np

from semiloop.errors import SemiloopError

__all__ = [
    "THRESHOLD_POLICIES",
    "AdaptiveThreshold",
    "ClassConditionalThreshold",
    "FixedThreshold",
    "ThresholdPolicy",
    "adaptive_thresholds",
    "class_conditional_thresholds",
    "make_threshold_policy",
    "update_adaptive_state",
]


def class_conditional_thresholds(proba, threshold, *, warmup=True):
    """FlexMatch's per-class thresholds from the current class probabilities.

    Parameters
    ----------
    proba : ndarray of shape (n_unlabeled, n_classes)
        Class probabilities of the unlabeled rows.
    threshold : float
        The upper threshold ``tau``; a fully learned class gets exactly this.
    warmup : bool, default=True
        FlexMatch's threshold warm-up: the rows that no class has claimed yet
        count in the normaliser, so thresholds rise gradually from zero.

    Returns
    -------
    thresholds : ndarray of shape (n_classes,)

    Notes
    -----
    With ``sigma_c`` the number of rows predicted as class ``c`` with
    confidence above ``tau`` and ``N`` the number of rows,
    ``beta_c = sigma_c / max(max_k sigma_k, N - sum_k sigma_k)`` (warm-up) or
    ``sigma_c / max_k sigma_k`` (without), and the threshold is
    ``M(beta_c) * tau`` with the convex mapping ``M(x) = x / (2 - x)``.
    """
    proba = np.asarray(proba, dtype=float)
    n_rows, n_classes = proba.shape
    confident = proba.max(axis=1) > threshold
    sigma = np.bincount(proba.argmax(axis=1)[confident], minlength=n_classes).astype(float)
    normaliser = sigma.max()
    if warmup:
        normaliser = max(normaliser, n_rows - sigma.sum())
    if normaliser == 0:
        return np.zeros(n_classes)
    beta = sigma / normaliser
    return beta / (2.0 - beta) * threshold


def update_adaptive_state(state, proba, momentum):
    """One exponential-moving-average step of FreeMatch's confidence statistics.

    Parameters
    ----------
    state : tuple of (float, ndarray) or None
        ``(global_threshold, class_means)`` from the previous step, or None to
        start from FreeMatch's initial values ``1/C`` and ``1/C``.
    proba : ndarray of shape (n_unlabeled, n_classes)
    momentum : float
        The EMA decay ``lambda`` in [0, 1).

    Returns
    -------
    state : tuple of (float, ndarray)
        ``tau_t = lambda * tau_{t-1} + (1 - lambda) * mean(max_c p)`` and
        ``p_t(c) = lambda * p_{t-1}(c) + (1 - lambda) * mean(p(c))``.
    """
    proba = np.asarray(proba, dtype=float)
    n_classes = proba.shape[1]
    if state is None:
        state = (1.0 / n_classes, np.full(n_classes, 1.0 / n_classes))
    global_threshold, class_means = state
    global_threshold = momentum * global_threshold + (1 - momentum) * proba.max(axis=1).mean()
    class_means = momentum * class_means + (1 - momentum) * proba.mean(axis=0)
    return global_threshold, class_means


def adaptive_thresholds(state):
    """FreeMatch's self-adaptive per-class thresholds from its EMA state.

    ``tau_t(c) = MaxNorm(p_t)(c) * tau_t = p_t(c) / max_k p_t(k) * tau_t``.

    Examples
    --------
    >>> import numpy as np
    >>> adaptive_thresholds((0.8, np.array([0.2, 0.4]))).tolist()
    [0.4, 0.8]
    """
    global_threshold, class_means = state
    return class_means / class_means.max() * global_threshold


class ThresholdPolicy(ABC):
    """A threshold rule that may learn from each round's class probabilities.

    Subclasses implement :meth:`update`, which takes the class probabilities of
    the unlabeled rows and returns one threshold per class. Call
    :meth:`reset` before reusing a policy on new data.
    """

    def reset(self):  # noqa: B027 - stateless policies have nothing to forget
        """Forget what earlier rounds taught the policy."""

    @abstractmethod
    def update(self, proba):
        """Return per-class thresholds (ndarray of shape (n_classes,))."""


class FixedThreshold(ThresholdPolicy):
    """The same fixed threshold for every class and round.

    >>> import numpy as np
    >>> FixedThreshold(0.9).update(np.full((2, 3), 1 / 3)).tolist()
    [0.9, 0.9, 0.9]
    """

    def __init__(self, threshold=0.95):
        self.threshold = threshold

    def update(self, proba):
        return np.full(np.shape(proba)[1], float(self.threshold))


class ClassConditionalThreshold(ThresholdPolicy):
    """FlexMatch's curriculum: lower thresholds for classes learned less well.

    Parameters
    ----------
    threshold : float, default=0.95
        The upper threshold ``tau`` (FlexMatch uses 0.95).
    warmup : bool, default=True
        FlexMatch's threshold warm-up.
    min_threshold : float, default=0.0
        A floor under every class's threshold. FlexMatch itself has none (0);
        a floor keeps the first wrapper rounds from accepting nearly
        everything, which matters when a round is a full refit.
    """

    def __init__(self, threshold=0.95, *, warmup=True, min_threshold=0.0):
        self.threshold = threshold
        self.warmup = warmup
        self.min_threshold = min_threshold

    def update(self, proba):
        thresholds = class_conditional_thresholds(proba, self.threshold, warmup=self.warmup)
        return np.maximum(thresholds, self.min_threshold)


class AdaptiveThreshold(ThresholdPolicy):
    """FreeMatch's self-adaptive threshold, updated once per call.

    Parameters
    ----------
    momentum : float, default=0.999
        EMA decay ``lambda``. FreeMatch uses 0.999 per training step; a wrapper
        that updates once per round needs a much smaller value (about 0.5).
    """

    def __init__(self, momentum=0.999):
        self.momentum = momentum
        self.state_ = None

    def reset(self):
        self.state_ = None

    def update(self, proba):
        self.state_ = update_adaptive_state(self.state_, proba, self.momentum)
        return adaptive_thresholds(self.state_)


THRESHOLD_POLICIES = {
    "fixed": FixedThreshold,
    "class_conditional": ClassConditionalThreshold,
    "adaptive": AdaptiveThreshold,
}


def make_threshold_policy(policy, threshold):
    """Build a fresh policy from a name in :data:`THRESHOLD_POLICIES` or an instance.

    ``threshold`` is the fixed threshold, or the upper threshold of the
    class-conditional policy; the adaptive policy learns its own. An instance
    is returned as a deep copy, so the caller's object is never changed.
    """
    if isinstance(policy, ThresholdPolicy):
        import copy

        fresh = copy.deepcopy(policy)
        fresh.reset()
        return fresh
    if policy == "fixed":
        return FixedThreshold(threshold)
    if policy == "class_conditional":
        return ClassConditionalThreshold(threshold)
    if policy == "adaptive":
        return AdaptiveThreshold(momentum=0.5)
    raise SemiloopError(
        f"unknown threshold policy {policy!r}; use one of {sorted(THRESHOLD_POLICIES)} "
        "or a ThresholdPolicy instance"
    )
