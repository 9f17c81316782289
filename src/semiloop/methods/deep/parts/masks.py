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

    def state_dict(self):
        return {} if self.state is None else {
            name: value.clone() for name, value in self.state.to_dict().items()}

    def load_state_dict(self, state):
        if state:
            self.state = type(self.state).from_dict(state)


class FixedMask(_Policy):
    """FixMatch's mask: ``max_c p(c) >= threshold`` (Sohn et al., NeurIPS 2020, Eq. 4)."""

    def __init__(self, threshold=0.95):
        self.threshold = threshold

    def __call__(self, proba, indices=None):
        return thresholds.fixed_mask(proba, threshold=self.threshold)


class CurriculumMask(_Policy):
    """FlexMatch's curriculum pseudo-labelling (Zhang et al., NeurIPS 2021, Sec. 3.2-3.3).

    Per-class thresholds ``M(beta_c) * tau`` from each class's learning effect
    over the whole unlabeled pool, with threshold warm-up and the convex
    mapping ``M(x) = x / (2 - x)``; see :func:`semiloop.thresholds.flexmatch_thresholds`.
    The mask uses the state before the batch; then the batch (gathered over
    processes, with its row ``indices``) updates it.

    Parameters
    ----------
    n_unlabeled : int
        Size of the unlabeled pool (the per-row memory).
    n_classes : int
    threshold : float, default=0.95
    warmup : bool, default=True
    mapping : {'convex', 'linear'}, default='convex'
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
        mask = thresholds.flexmatch_mask(proba, self.state, threshold=self.threshold,
                                         warmup=self.warmup, mapping=self.mapping)
        self.state = thresholds.update_flexmatch_state(
            all_gather(proba), self.state, all_gather(indices), threshold=self.threshold)
        return mask


class SelfAdaptiveMask(_Policy):
    """FreeMatch's self-adaptive thresholds (Wang et al., ICLR 2023, Sec. 3.2).

    A global threshold (EMA of the mean confidence) scaled per class by the
    max-normalised EMA of the class probabilities; the batch (gathered) updates
    the EMAs first, then is masked. See :func:`semiloop.thresholds.freematch_step`.
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
        return thresholds.freematch_mask(proba, self.state)


class TruncatedGaussianWeight(_Policy):
    """SoftMatch's weight: 1 above the mean confidence, a Gaussian tail below
    (Chen et al., ICLR 2023, Sec. 3.2, Eq. 7); see :func:`semiloop.thresholds.softmatch_weights`.

    ``n_sigma=1`` is the paper's formula; the authors' code uses 2.
    """

    def __init__(self, n_classes, momentum=0.999, *, max_weight=1.0, n_sigma=1.0, device=None):
        self.momentum, self.max_weight, self.n_sigma = momentum, max_weight, n_sigma
        self.state = thresholds.init_softmatch_state(
            n_classes, like=torch.zeros(0, device=device))

    def __call__(self, proba, indices=None):
        self.state = thresholds.update_softmatch_state(
            all_gather(proba), self.state._like(proba), momentum=self.momentum)
        return thresholds.softmatch_weights(proba, self.state, max_weight=self.max_weight,
                                            n_sigma=self.n_sigma)
