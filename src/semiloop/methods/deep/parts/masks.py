"""Which unlabeled rows count in the loss, and how much: the mask and weight policies.

Each policy is a small object holding the explicit state of the matching
functions in :mod:`semiloop.thresholds` (the code the self-training wrapper
uses, on torch tensors here). Called with the batch's (aligned) class
probabilities of the weak view, it returns a per-row mask or weight in the
dtype of ``proba``. Batch statistics are gathered over every process before
a state is updated, so that under ``torch.distributed`` each process keeps
the state of the published algorithm on the global batch.

Examples
--------
>>> import torch
>>> proba = torch.tensor([[0.97, 0.03], [0.6, 0.4]])
>>> FixedMask(0.95)(proba).tolist()
[1.0, 0.0]
"""

import torch

from semiloop import thresholds
from semiloop.methods.deep.parts.context import all_gather

__all__ = ["CurriculumMask", "FixedMask", "SelfAdaptiveMask", "TruncatedGaussianWeight"]


class _Policy:
    state = None

    def thresholds(self):
        """Per-class thresholds now, as a list (None for policies without them)."""
        return None

    def preview(self, proba):
        """The mask (or weights) of ``proba`` at the current state, which stays as it is.

        What the policy would give these rows now, for rows that are not
        trained on (the trainer's pseudo-label audit); the thresholds are the
        ones :meth:`thresholds` reports.
        """
        raise NotImplementedError

    def state_dict(self):
        return {} if self.state is None else {
            name: value.clone() for name, value in self.state.to_dict().items()}

    def load_state_dict(self, state):
        if state:
            self.state = type(self.state).from_dict(state)


class FixedMask(_Policy):
    """FixMatch's mask: ``max_c p(c) >= threshold`` (Sohn et al., NeurIPS 2020, Eq. 4).

    Called with ``proba`` of shape (n, n_classes), returns a mask of shape
    (n,) of 1.0 and 0.0 in the dtype of ``proba``. It keeps no state.

    Examples
    --------
    >>> import torch
    >>> proba = torch.tensor([[0.75, 0.25], [0.6, 0.4], [0.1, 0.9]])
    >>> FixedMask(0.75)(proba).tolist()  # a confidence equal to the threshold counts
    [1.0, 0.0, 1.0]
    """

    def __init__(self, threshold=0.95):
        self.threshold = threshold

    def __call__(self, proba, indices=None):
        return thresholds.fixed_mask(proba, threshold=self.threshold)

    def preview(self, proba):
        return self(proba)


class CurriculumMask(_Policy):
    """FlexMatch's curriculum pseudo-labelling (Zhang et al., NeurIPS 2021, Sec. 3.2-3.3).

    Per-class thresholds ``M(beta_c) * tau`` from each class's learning effect
    over the whole unlabeled pool, with threshold warm-up and the convex
    mapping ``M(x) = x / (2 - x)``; see :func:`semiloop.thresholds.flexmatch_thresholds`.
    The mask uses the state before the batch; then the batch (gathered over
    processes, with its row ``indices``) updates it.

    Called with ``proba`` of shape (n, n_classes) and ``indices`` of shape
    (n,) (each row's position in the pool), it returns a mask of shape (n,)
    in the dtype of ``proba``.

    Parameters
    ----------
    n_unlabeled : int
        Size of the unlabeled pool (the per-row memory).
    n_classes : int
    threshold : float, default=0.95
    warmup : bool, default=True
    mapping : {'convex', 'linear'}, default='convex'
    device : torch.device or str, default=None
        Where the per-row memory lives (None: torch's default device).

    Examples
    --------
    >>> import torch
    >>> policy = CurriculumMask(4, 2, threshold=0.9)
    >>> policy.thresholds()  # nothing learned yet: warm-up starts every class at 0
    [0.0, 0.0]
    >>> policy(torch.tensor([[0.95, 0.05], [0.99, 0.01]]), torch.tensor([0, 1])).tolist()
    [1.0, 1.0]
    >>> [round(t, 3) for t in policy.thresholds()]  # beta = 2 / max(2, 4 - 2) and 0 / 2
    [0.9, 0.0]
    >>> policy(torch.tensor([[0.85, 0.15], [0.3, 0.7]]), torch.tensor([2, 3])).tolist()
    [0.0, 1.0]
    """

    def __init__(self, n_unlabeled, n_classes, threshold=0.95, *, warmup=True,
                 mapping="convex", device=None):
        self.n_classes, self.threshold, self.warmup, self.mapping = (
            n_classes, threshold, warmup, mapping)
        self.state = thresholds.init_flexmatch_state(
            n_unlabeled, like=torch.zeros(0, device=device))

    def thresholds(self):
        return thresholds.flexmatch_thresholds(
            self.state, self.n_classes, threshold=self.threshold, warmup=self.warmup,
            mapping=self.mapping).tolist()

    def __call__(self, proba, indices):
        mask = self.preview(proba)
        self.state = thresholds.update_flexmatch_state(
            all_gather(proba), self.state, all_gather(indices), threshold=self.threshold)
        return mask

    def preview(self, proba):
        return thresholds.flexmatch_mask(proba, self.state, threshold=self.threshold,
                                         warmup=self.warmup, mapping=self.mapping)


class SelfAdaptiveMask(_Policy):
    """FreeMatch's self-adaptive thresholds (Wang et al., ICLR 2023, Sec. 3.2).

    A global threshold (EMA of the mean confidence) scaled per class by the
    max-normalised EMA of the class probabilities; the batch (gathered) updates
    the EMAs first, then is masked. See :func:`semiloop.thresholds.freematch_step`.

    Called with ``proba`` of shape (n, n_classes), it returns a mask of
    shape (n,) in the dtype of ``proba``. The EMAs start at ``1 / n_classes``.

    Parameters
    ----------
    n_classes : int
    momentum : float, default=0.999
        ``lambda``, the EMA momentum.
    device : torch.device or str, default=None
        Where the EMAs live (None: torch's default device).

    Examples
    --------
    >>> import torch
    >>> policy = SelfAdaptiveMask(2, momentum=0.9)
    >>> policy.thresholds()
    [0.5, 0.5]
    >>> proba = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.52, 0.48]])
    >>> policy(proba).tolist()  # global threshold 0.9 * 0.5 + 0.1 * 0.74 = 0.524
    [1.0, 1.0, 0.0]
    >>> [round(t, 3) for t in policy.thresholds()]
    [0.524, 0.476]
    """

    def __init__(self, n_classes, momentum=0.999, *, device=None):
        self.momentum = momentum
        self.state = thresholds.init_freematch_state(
            n_classes, like=torch.zeros(0, device=device))

    def thresholds(self):
        return thresholds.freematch_thresholds(self.state).tolist()

    def __call__(self, proba, indices=None):
        self.state = thresholds.update_freematch_state(
            all_gather(proba), self.state._like(proba), momentum=self.momentum)
        return self.preview(proba)

    def preview(self, proba):
        return thresholds.freematch_mask(proba, self.state._like(proba))


class TruncatedGaussianWeight(_Policy):
    """SoftMatch's weight: 1 above the mean confidence, a Gaussian tail below
    (Chen et al., ICLR 2023, Sec. 3.2, Eq. 7); see :func:`semiloop.thresholds.softmatch_weights`.

    ``n_sigma=1`` is the paper's formula; the authors' code uses 2.

    Called with ``proba`` of shape (n, n_classes), it updates the EMAs with
    the batch, then returns weights of shape (n,) in the dtype of ``proba``.
    The EMAs start at a mean of ``1 / n_classes`` and a variance of 1.

    Parameters
    ----------
    n_classes : int
    momentum : float, default=0.999
        EMA momentum of the confidence's mean and variance.
    max_weight : float, default=1.0
        ``lambda_max``, the weight at or above the mean confidence.
    n_sigma : float, default=1.0
        Divides the Gaussian's standard deviation.
    device : torch.device or str, default=None
        Where the EMAs live (None: torch's default device).

    Examples
    --------
    >>> import torch
    >>> proba = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3]])
    >>> policy = TruncatedGaussianWeight(2, momentum=0.0)  # the batch's mean 0.8, variance 0.01
    >>> policy(proba).double().round(decimals=4).tolist()  # exp(-0.5) one sigma below
    [1.0, 1.0, 0.6065]
    >>> policy = TruncatedGaussianWeight(2, momentum=0.0, n_sigma=2.0)
    >>> policy(proba).double().round(decimals=4).tolist()  # half as wide: exp(-2)
    [1.0, 1.0, 0.1353]
    """

    def __init__(self, n_classes, momentum=0.999, *, max_weight=1.0, n_sigma=1.0, device=None):
        self.momentum, self.max_weight, self.n_sigma = momentum, max_weight, n_sigma
        self.state = thresholds.init_softmatch_state(
            n_classes, like=torch.zeros(0, device=device))

    def __call__(self, proba, indices=None):
        self.state = thresholds.update_softmatch_state(
            all_gather(proba), self.state._like(proba), momentum=self.momentum)
        return self.preview(proba)

    def preview(self, proba):
        return thresholds.softmatch_weights(proba, self.state._like(proba),
                                            max_weight=self.max_weight, n_sigma=self.n_sigma)
