"""Mask and weight policies for pseudo-labels, for numpy arrays and torch tensors alike.

Each policy is a set of pure functions of the class probabilities ``proba``
(shape ``(n_rows, n_classes)``) and an explicit, immutable state; they return a
new state and the per-class thresholds or the per-row mask or weights. The
same code runs on numpy arrays and on torch tensors: the array's type picks the
namespace, results have the input's type, dtype and device, and importing this
module never imports torch.

=========  =============================  =========================================
policy     state                          per-row output
=========  =============================  =========================================
FixMatch   none                           :func:`fixed_mask`
FlexMatch  :class:`FlexMatchState`        :func:`flexmatch_step` (needs row indices)
FreeMatch  :class:`FreeMatchState`        :func:`freematch_step`
SoftMatch  :class:`SoftMatchState`        :func:`softmatch_step` (weights in [0, 1])
=========  =============================  =========================================

Masks are ``1.0`` where a row's confidence ``max_c p(c)`` is at least the
threshold of its predicted class ``argmax_c p(c)``, else ``0.0``, in the
dtype of ``proba`` so that they multiply a per-row loss directly.

States save with ``to_dict()``/``from_dict()``, convert with ``numpy()`` and
``to(device)``, and combine across processes with :func:`reduce_states`. In a
``torch.distributed`` trainer the exact path is to all-gather the batch
(``proba``, and ``indices`` for FlexMatch) before each update, so that every
process applies the same update and holds the same state; :func:`reduce_states`
says what averaging states instead gives.

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
>>> fixed_mask(proba, threshold=0.8).tolist()
[1.0, 0.0, 1.0]
>>> state = init_freematch_state(2)
>>> state, mask = freematch_step(proba, state, momentum=0.5)
>>> freematch_thresholds(state).round(4).tolist()
[0.6333, 0.5542]
>>> mask.tolist()
[1.0, 0.0, 1.0]
"""

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace

import numpy as np

from semiloop.errors import SemiloopError

__all__ = [
    "THRESHOLD_POLICIES",
    "AdaptiveThreshold",
    "ClassConditionalThreshold",
    "FixedThreshold",
    "FlexMatchState",
    "FreeMatchState",
    "SoftMatchState",
    "ThresholdPolicy",
    "adaptive_thresholds",
    "class_conditional_thresholds",
    "fixed_mask",
    "flexmatch_mask",
    "flexmatch_step",
    "flexmatch_thresholds",
    "freematch_mask",
    "freematch_step",
    "freematch_thresholds",
    "init_flexmatch_state",
    "init_freematch_state",
    "init_softmatch_state",
    "make_threshold_policy",
    "reduce_states",
    "softmatch_step",
    "softmatch_weights",
    "update_adaptive_state",
    "update_flexmatch_state",
    "update_freematch_state",
    "update_softmatch_state",
]


# ---------------------------------------------------------------- dispatch

def _is_torch(array):
    return type(array).__module__.split(".")[0] == "torch"


def _as_array(array):
    """A torch tensor as it is; anything else as a numpy array."""
    return array if _is_torch(array) else np.asarray(array)


def _copy(array):
    return array.clone() if _is_torch(array) else array.copy()


def _cast(array, like):
    """``array`` (boolean or numeric) in the floating dtype of ``like``."""
    return array.to(like.dtype) if _is_torch(like) else array.astype(like.dtype)


def _confidence_and_prediction(proba):
    # argmax returns the first maximal index in numpy and torch alike.
    confidence = proba.amax(dim=-1) if _is_torch(proba) else proba.max(axis=-1)
    return confidence, proba.argmax(axis=-1)


def _unbiased_variance(values):
    return values.var(correction=1) if _is_torch(values) else values.var(ddof=1)


def _check_same_kind(proba, state):
    first = getattr(state, fields(state)[0].name)
    if _is_torch(proba) != _is_torch(first):
        kinds = {True: "a torch tensor", False: "a numpy array"}
        raise TypeError(
            f"proba is {kinds[_is_torch(proba)]} but the {type(state).__name__} holds "
            f"{kinds[_is_torch(first)]}s; convert the state first with "
            "state.to(proba.device) or state.numpy()"
        )


# ------------------------------------------------------------------- state

@dataclass(frozen=True, eq=False)
class _State:
    """Immutable arrays of one policy's state: save, convert, combine.

    Fields are numpy arrays or torch tensors (all of one kind); any other value
    given to the constructor becomes a numpy array.
    """

    def __post_init__(self):
        for field in fields(self):
            object.__setattr__(self, field.name, _as_array(getattr(self, field.name)))

    def __iter__(self):
        return iter(self.to_dict().values())

    def to_dict(self):
        """The fields by name, as they are (numpy arrays or torch tensors)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_dict(cls, mapping):
        """Rebuild a state from :meth:`to_dict`'s output (arrays, tensors or lists)."""
        expected = {field.name for field in fields(cls)}
        if set(mapping) != expected:
            raise SemiloopError(
                f"a {cls.__name__} needs exactly the keys {sorted(expected)}, "
                f"got {sorted(mapping)}; pass what {cls.__name__}.to_dict() returned"
            )
        return cls(**mapping)

    def numpy(self):
        """The same state with every field as a numpy array on the host."""
        return replace(self, **{
            name: value.detach().cpu().numpy() if _is_torch(value) else value
            for name, value in self.to_dict().items()
        })

    def to(self, device):
        """The same state with every field as a torch tensor on ``device``."""
        import torch

        return replace(self, **{
            name: torch.as_tensor(value, device=device) for name, value in self.to_dict().items()
        })

    def _like(self, like):
        """Float fields in the dtype and on the device of ``like``, if it is a tensor."""
        if like is None or not _is_torch(like):
            return self
        state = self.to(like.device)
        return replace(state, **{
            name: value.to(like.dtype) if value.is_floating_point() else value
            for name, value in state.to_dict().items()
        })

    @classmethod
    def _mean(cls, states):
        return cls(**{
            field.name: sum(getattr(state, field.name) for state in states) / len(states)
            for field in fields(cls)
        })


@dataclass(frozen=True, eq=False)
class FlexMatchState(_State):
    """FlexMatch's memory: each unlabeled row's last confident prediction.

    Attributes
    ----------
    selected_label : array of shape (n_unlabeled,), int
        The class predicted the last time the row's confidence exceeded the
        upper threshold, or -1 if it never did.
    selected_step : array of shape (n_unlabeled,), int
        The value of ``step`` at which ``selected_label`` was set, or -1.
    step : array of shape (), int
        How many updates the state has seen.
    """

    selected_label: object
    selected_step: object
    step: object

    @classmethod
    def reduce(cls, states):
        """Row by row, the newest label; among equally new ones, the last state's.

        Every process holds the whole per-row array but updates only the rows
        of its own batches; ``selected_step`` says which process saw a row
        last. Rows no state has set stay -1.
        """
        label, stamp = _copy(states[0].selected_label), _copy(states[0].selected_step)
        for state in states[1:]:
            newer = state.selected_step >= stamp
            label[newer] = state.selected_label[newer]
            stamp[newer] = state.selected_step[newer]
        steps = [state.step for state in states]
        return cls(label, stamp, max(steps, key=int))


@dataclass(frozen=True, eq=False)
class FreeMatchState(_State):
    """FreeMatch's exponential moving averages of the model's confidence.

    Attributes
    ----------
    global_threshold : array of shape ()
        ``tau_t``, the EMA of the mean confidence ``max_c p(c)``.
    class_means : array of shape (n_classes,)
        ``p~_t(c)``, the EMA of the mean probability of each class.
    """

    global_threshold: object
    class_means: object

    @classmethod
    def reduce(cls, states):
        """The mean of each field over the states.

        An EMA is linear in the batch statistics it averages, so when every
        process starts from the same state and updates in lockstep on equal
        batch sizes, the mean of the states equals the state one process would
        hold after updating on the union of the batches: exact.
        """
        return cls._mean(states)


@dataclass(frozen=True, eq=False)
class SoftMatchState(_State):
    """SoftMatch's exponential moving averages of the confidence's mean and variance.

    Attributes
    ----------
    mean : array of shape ()
        ``mu_t``, the EMA of the batch mean of ``max_c p(c)``.
    variance : array of shape ()
        ``sigma_t^2``, the EMA of its unbiased batch variance.
    """

    mean: object
    variance: object

    @classmethod
    def reduce(cls, states):
        """The mean of each field over the states.

        Exact for ``mean``, for the reason given in
        :meth:`FreeMatchState.reduce`. For ``variance`` it gives the EMA of
        the within-process batch variances, which misses the spread between
        the processes' batch means (small when each process's batch is a random
        sample of the same pool, of order variance / batch size); all-gather
        the batch before :func:`update_softmatch_state` to be exact.
        """
        return cls._mean(states)


def reduce_states(states):
    """Combine the states of several processes (or Dask partitions) into one.

    FlexMatch: row by row, the label set at the highest ``selected_step``
    (ties: the later state in the list). FreeMatch and SoftMatch: the mean of
    each field; see each class's ``reduce`` for when that is exact. With
    ``torch.distributed``, ``all_reduce`` the same fields (sum, then divide by
    the world size) for FreeMatch and SoftMatch; for FlexMatch all-gather
    ``selected_label`` and ``selected_step`` and call this on the gathered states.

    Examples
    --------
    >>> a = FreeMatchState(0.6, [0.5, 0.3])
    >>> b = FreeMatchState(0.8, [0.3, 0.5])
    >>> reduce_states([a, b]).class_means.tolist()
    [0.4, 0.4]
    """
    states = list(states)
    if not states or len({type(state) for state in states}) != 1:
        raise SemiloopError(
            f"reduce_states needs one or more states of one kind, got "
            f"{[type(state).__name__ for state in states]}"
        )
    return type(states[0]).reduce(states)


# ---------------------------------------------------------------- FixMatch

def fixed_mask(proba, *, threshold=0.95):
    """FixMatch's mask: ``1.0`` where ``max_c p(c) >= threshold`` (Sohn et al., 2020, Eq. 2)."""
    confidence, _ = _confidence_and_prediction(proba)
    return _cast(confidence >= threshold, proba)


def _class_mask(proba, thresholds):
    confidence, prediction = _confidence_and_prediction(proba)
    return _cast(confidence >= thresholds[prediction], proba)


def _namespace(array):
    if _is_torch(array):
        import torch

        return torch
    return np


def _indices(indices, like):
    if _is_torch(like):
        import torch

        return torch.as_tensor(indices, device=like.device)
    return np.asarray(indices)


# --------------------------------------------------------------- FlexMatch

_MAPPINGS = {
    "convex": lambda beta: beta / (2.0 - beta),
    "linear": lambda beta: beta,
}


def init_flexmatch_state(n_unlabeled, *, like=None):
    """A FlexMatch state in which no row has been confidently predicted yet.

    ``like``: an array whose kind and device the state takes (numpy by default).
    """
    never = np.full(n_unlabeled, -1, dtype=np.int64)
    return FlexMatchState(never, never.copy(), np.asarray(0, dtype=np.int64))._like(like)


def update_flexmatch_state(proba, state, indices, *, threshold=0.95):
    """Record the rows of a batch whose confidence exceeds ``threshold``.

    Parameters
    ----------
    proba : array of shape (n_rows, n_classes)
        Class probabilities of the batch (the weak view).
    state : FlexMatchState
    indices : array of shape (n_rows,), int
        Position of each batch row in the unlabeled set. Only these rows, and
        of them only those with ``max_c p(c) > threshold``, change; they take
        the predicted class and the new step. A row repeated within one batch
        takes one of its predictions.
    threshold : float, default=0.95
        The upper threshold ``tau``.

    Returns
    -------
    state : FlexMatchState
    """
    _check_same_kind(proba, state)
    confidence, prediction = _confidence_and_prediction(proba)
    indices = _indices(indices, proba)
    if indices.shape != confidence.shape:
        raise SemiloopError(
            f"indices has shape {tuple(indices.shape)} but proba has {confidence.shape[0]} "
            "rows; pass one position in the unlabeled set per row of proba"
        )
    confident = confidence > threshold
    rows = indices[confident]
    step = state.step + 1
    label, stamp = _copy(state.selected_label), _copy(state.selected_step)
    label[rows] = prediction[confident]
    stamp[rows] = step
    return FlexMatchState(label, stamp, step)


def flexmatch_thresholds(
    state, n_classes, *, threshold=0.95, warmup=True, mapping="convex", like=None
):
    """FlexMatch's per-class thresholds from its state (Zhang et al., NeurIPS 2021, Sec. 3).

    Parameters
    ----------
    state : FlexMatchState
    n_classes : int
    threshold : float, default=0.95
        The upper threshold ``tau``; a class that is learned best gets exactly it.
    warmup : bool, default=True
        Threshold warm-up: rows not yet confidently predicted count in the
        normaliser, so thresholds rise from zero as the model learns.
    mapping : {'convex', 'linear'}, default='convex'
        ``M(x) = x / (2 - x)`` (the paper's choice) or ``M(x) = x``.
    like : array, optional
        The thresholds take its floating dtype; by default float64 for numpy
        and torch's default dtype for tensors.

    Returns
    -------
    thresholds : array of shape (n_classes,)

    Notes
    -----
    With ``sigma_c`` the number of rows whose last confident prediction is
    ``c`` (the learning effect of class ``c``) and ``N`` the number of rows,
    ``beta_c = sigma_c / max_k sigma_k``, or with warm-up
    ``beta_c = sigma_c / max(max_k sigma_k, N - sum_k sigma_k)``, and the
    threshold is ``M(beta_c) * tau``. A state in which nothing is selected
    gives zero thresholds. Costs O(N).

    Examples
    --------
    >>> import numpy as np
    >>> state = FlexMatchState([0, 0, 1, -1], [1, 1, 1, -1], 1)
    >>> flexmatch_thresholds(state, 3, threshold=0.9).round(4).tolist()
    [0.9, 0.3, 0.0]
    """
    if mapping not in _MAPPINGS:
        raise SemiloopError(f"unknown mapping {mapping!r}; use one of {sorted(_MAPPINGS)}")
    label = state.selected_label
    selected = label[label >= 0]
    if _is_torch(label):
        sigma = selected.bincount(minlength=n_classes) * 1.0
    else:
        sigma = np.bincount(selected, minlength=n_classes) * 1.0
    if like is not None:
        sigma = _cast(sigma, like)
    normaliser = sigma.max()
    if warmup:
        unselected = label.shape[0] - sigma.sum()
        normaliser = unselected + (normaliser - unselected).clip(min=0)  # the larger of the two
    beta = sigma / normaliser.clip(min=1)  # nothing selected: every sigma_c is 0
    return _MAPPINGS[mapping](beta) * threshold


def flexmatch_mask(proba, state, *, threshold=0.95, warmup=True, mapping="convex"):
    """``1.0`` where a row's confidence reaches its predicted class's FlexMatch threshold."""
    thresholds = flexmatch_thresholds(
        state, proba.shape[-1], threshold=threshold, warmup=warmup, mapping=mapping, like=proba)
    return _class_mask(proba, thresholds)


def flexmatch_step(proba, state, indices, *, threshold=0.95, warmup=True, mapping="convex"):
    """One training step of FlexMatch: the batch's mask, then the updated state.

    The mask uses the thresholds of the state before this batch, as the
    authors' code does (USB ``FlexMatchThresholdingHook``). Parameters as in
    :func:`update_flexmatch_state` and :func:`flexmatch_thresholds`.

    Returns
    -------
    state : FlexMatchState
    mask : array of shape (n_rows,), in the dtype of ``proba``

    Examples
    --------
    >>> import numpy as np
    >>> state = init_flexmatch_state(4)
    >>> proba = np.array([[0.99, 0.01], [0.3, 0.7]])
    >>> state, mask = flexmatch_step(proba, state, [2, 0], threshold=0.9)
    >>> state.selected_label.tolist(), mask.tolist()
    ([-1, -1, 0, -1], [1.0, 1.0])
    """
    mask = flexmatch_mask(proba, state, threshold=threshold, warmup=warmup, mapping=mapping)
    return update_flexmatch_state(proba, state, indices, threshold=threshold), mask


# --------------------------------------------------------------- FreeMatch

def init_freematch_state(n_classes, *, like=None):
    """FreeMatch's initial state: ``tau_0 = 1/C`` and ``p~_0(c) = 1/C``.

    ``like``: an array whose kind, float dtype and device the state takes.
    """
    uniform = 1.0 / n_classes
    return FreeMatchState(np.asarray(uniform), np.full(n_classes, uniform))._like(like)


def update_freematch_state(proba, state, *, momentum=0.999):
    """One EMA step of FreeMatch's self-adaptive threshold (Wang et al., ICLR 2023, Sec. 3.2).

    ``tau_t = lambda * tau_{t-1} + (1 - lambda) * mean_b max_c p_b(c)`` (the
    global threshold) and ``p~_t(c) = lambda * p~_{t-1}(c) + (1 - lambda) *
    mean_b p_b(c)`` (the local class means), with ``lambda = momentum``
    (0.999 per training step in the paper).
    """
    _check_same_kind(proba, state)
    confidence, _ = _confidence_and_prediction(proba)
    return FreeMatchState(
        momentum * state.global_threshold + (1 - momentum) * confidence.mean(),
        momentum * state.class_means + (1 - momentum) * proba.mean(axis=0),
    )


def freematch_thresholds(state):
    """FreeMatch's per-class thresholds ``tau_t(c) = MaxNorm(p~_t)(c) * tau_t``.

    ``MaxNorm(x)(c) = x(c) / max_k x(k)``, so the class with the largest mean
    probability gets the global threshold and the others proportionally less.

    Examples
    --------
    >>> freematch_thresholds(FreeMatchState(0.8, [0.2, 0.4])).tolist()
    [0.4, 0.8]
    """
    return state.class_means / state.class_means.max() * state.global_threshold


def freematch_mask(proba, state):
    """``1.0`` where a row's confidence reaches its predicted class's FreeMatch threshold."""
    return _class_mask(proba, freematch_thresholds(state))


def freematch_step(proba, state, *, momentum=0.999):
    """One training step of FreeMatch: update with the batch, then its mask.

    The thresholds at step ``t`` include batch ``t``, as in the paper and the
    authors' code (USB ``FreeMatchThresholingHook``; TorchSSL), which start,
    as this function does, from ``tau_0 = 1/C``.

    Returns
    -------
    state : FreeMatchState
    mask : array of shape (n_rows,), in the dtype of ``proba``
    """
    state = update_freematch_state(proba, state, momentum=momentum)
    return state, freematch_mask(proba, state)


# --------------------------------------------------------------- SoftMatch

def init_softmatch_state(n_classes, *, like=None):
    """SoftMatch's initial state: ``mu_0 = 1/C`` and ``sigma_0^2 = 1``.

    ``like``: an array whose kind, float dtype and device the state takes.
    """
    return SoftMatchState(np.asarray(1.0 / n_classes), np.asarray(1.0))._like(like)


def update_softmatch_state(proba, state, *, momentum=0.999):
    """One EMA step of SoftMatch's Gaussian (Chen et al., ICLR 2023, Sec. 3.2).

    ``mu_t = m * mu_{t-1} + (1 - m) * mean_b c_b`` and ``sigma_t^2 = m *
    sigma_{t-1}^2 + (1 - m) * B / (B - 1) * var_b c_b`` with the confidence
    ``c_b = max_c p_b(c)`` over the ``B`` rows of the batch (the unbiased
    variance) and ``m = momentum``. A batch of one row has no unbiased
    variance and leaves ``sigma_t^2`` unchanged.
    """
    _check_same_kind(proba, state)
    confidence, _ = _confidence_and_prediction(proba)
    variance = state.variance
    if confidence.shape[0] > 1:
        variance = momentum * variance + (1 - momentum) * _unbiased_variance(confidence)
    return SoftMatchState(momentum * state.mean + (1 - momentum) * confidence.mean(), variance)


def softmatch_weights(proba, state, *, max_weight=1.0, n_sigma=1.0):
    """SoftMatch's truncated Gaussian weight of each row.

    Parameters
    ----------
    proba : array of shape (n_rows, n_classes)
    state : SoftMatchState
    max_weight : float, default=1.0
        ``lambda_max``, the weight of rows at least as confident as ``mu_t``.
    n_sigma : float, default=1.0
        Divides the standard deviation: 1 is the paper's formula; the
        authors' code (USB ``SoftMatchWeightingHook``) uses 2, a Gaussian half
        as wide.

    Returns
    -------
    weights : array of shape (n_rows,), in the dtype of ``proba``

    Notes
    -----
    ``lambda(p) = lambda_max * exp(-(min(c - mu_t, 0))^2 / (2 * sigma_t^2 / n_sigma^2))``
    with ``c = max_c p(c)``: ``lambda_max`` at or above the mean confidence, a
    Gaussian tail below it.

    Examples
    --------
    >>> import numpy as np
    >>> state = SoftMatchState(0.7, 0.01)
    >>> proba = np.array([[0.9, 0.1], [0.7, 0.3], [0.6, 0.4]])
    >>> softmatch_weights(proba, state).round(4).tolist()
    [1.0, 1.0, 0.6065]
    """
    confidence, _ = _confidence_and_prediction(proba)
    below = (confidence - state.mean).clip(max=0)
    with np.errstate(under="ignore"):  # far below the mean the weight underflows to 0
        spread = 2 * state.variance / n_sigma**2
        weights = max_weight * _namespace(below).exp(-(below**2) / spread)
    return _cast(weights, proba)


def softmatch_step(proba, state, *, momentum=0.999, max_weight=1.0, n_sigma=1.0):
    """One training step of SoftMatch: update with the batch, then its weights.

    As in the authors' code, the batch updates the Gaussian before it is
    weighted. Uniform alignment of ``proba`` (the paper's other part) is a
    separate step that comes before this one.

    Returns
    -------
    state : SoftMatchState
    weights : array of shape (n_rows,), in the dtype of ``proba``
    """
    state = update_softmatch_state(proba, state, momentum=momentum)
    return state, softmatch_weights(proba, state, max_weight=max_weight, n_sigma=n_sigma)


# ------------------------------------------- one-shot forms for the wrapper

def class_conditional_thresholds(proba, threshold, *, warmup=True):
    """FlexMatch's per-class thresholds from one pass over the whole pool.

    Every row counts with its current prediction, as when a wrapper round
    predicts the whole unlabeled pool; see :func:`flexmatch_thresholds`.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[0.96, 0.04], [0.97, 0.03], [0.60, 0.40], [0.10, 0.90]])
    >>> class_conditional_thresholds(proba, 0.95, warmup=False).round(3).tolist()
    [0.95, 0.0]
    """
    proba = proba if _is_torch(proba) else np.asarray(proba, dtype=float)
    n_rows, n_classes = proba.shape
    rows = _namespace(proba).arange(n_rows)
    state = update_flexmatch_state(
        proba, init_flexmatch_state(n_rows, like=proba), _indices(rows, proba), threshold=threshold)
    return flexmatch_thresholds(state, n_classes, threshold=threshold, warmup=warmup, like=proba)


def update_adaptive_state(state, proba, momentum):
    """:func:`update_freematch_state` that starts from :func:`init_freematch_state` on None."""
    proba = proba if _is_torch(proba) else np.asarray(proba, dtype=float)
    if state is None:
        state = init_freematch_state(proba.shape[1], like=proba)
    elif not isinstance(state, FreeMatchState):
        state = FreeMatchState(*state)
    return update_freematch_state(proba, state, momentum=momentum)


def adaptive_thresholds(state):
    """:func:`freematch_thresholds` of a state or a ``(global_threshold, class_means)`` pair."""
    if not isinstance(state, FreeMatchState):
        state = FreeMatchState(*state)
    return freematch_thresholds(state)


# ------------------------------------------------ per-round policy objects

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

    Each call counts the whole pool afresh (:func:`class_conditional_thresholds`).

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

    Attributes
    ----------
    state_ : FreeMatchState or None
        The state after the last call; None before the first.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[0.96, 0.04], [0.97, 0.03], [0.60, 0.40], [0.10, 0.90]])
    >>> AdaptiveThreshold(momentum=0.5).update(proba).round(4).tolist()
    [0.6788, 0.494]
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
