"""FreeMatch (Wang et al., "FreeMatch: Self-adaptive Thresholding for Semi-supervised
Learning", ICLR 2023)."""

import torch

from semiloop.methods.deep.algorithms.base import ThresholdedConsistency
from semiloop.methods.deep.parts.context import all_gather
from semiloop.methods.deep.parts.masks import SelfAdaptiveMask

__all__ = ["FreeMatch", "fairness_loss"]


def fairness_loss(proba_strong, mask, class_means, label_histogram):
    """FreeMatch's self-adaptive fairness term ``L_f`` (Sec. 3.3, Eq. 12).

    ``L_f = -H(SumNorm(p~ / h~), SumNorm(p_bar / h_bar))`` with ``H(a, b) =
    -sum_c a(c) log b(c)``: ``p~`` and ``h~`` are the EMAs of the weak view's
    class probabilities and of its hard-label histogram, ``p_bar`` and
    ``h_bar`` the mean probability and the normalised hard-label histogram of
    the strong view over the masked rows; a class absent from ``h_bar`` gets
    0 in the second distribution (the authors' code: ``1/0`` replaced by 0).

    Parameters
    ----------
    proba_strong : Tensor of shape (n_rows, n_classes), with gradients
    mask : Tensor of shape (n_rows,)
    class_means, label_histogram : Tensor of shape (n_classes,)

    Returns
    -------
    Tensor of shape (); 0 when no row is masked in.

    Examples
    --------
    >>> proba = torch.tensor([[0.8, 0.2], [0.4, 0.6]])  # mean (0.6, 0.4), histogram (1/2, 1/2)
    >>> uniform = torch.tensor([0.5, 0.5])
    >>> round(fairness_loss(proba, torch.ones(2), uniform, uniform).item(), 4)  # ln(.24)/2
    -0.7136
    """
    selected = mask > 0
    if not bool(selected.any()):
        return proba_strong.sum() * 0.0
    proba_strong = proba_strong[selected]
    n_classes = proba_strong.shape[1]
    histogram = torch.bincount(proba_strong.argmax(dim=-1), minlength=n_classes).to(proba_strong)
    histogram = histogram / histogram.sum()
    model = class_means / label_histogram.clamp_min(1e-12)
    model = model / model.sum()
    batch = proba_strong.mean(dim=0) / histogram.clamp_min(1e-12) * (histogram > 0)
    batch = batch / batch.sum()
    return (model.detach() * torch.log(batch + 1e-12)).sum()


class FreeMatch(ThresholdedConsistency):
    """FixMatch with self-adaptive global and local thresholds and a fairness term.

    Parameters
    ----------
    momentum : float, default=0.999
        ``lambda``, the EMA momentum of the thresholds and the label histogram.
    fairness_weight : float, default=0.01
        ``w_f``; 0 turns the fairness term off.
    unlabeled_weight : float, default=1.0
        ``w_u``.
    """

    name = "freematch"

    def __init__(self, *, momentum=0.999, fairness_weight=0.01, unlabeled_weight=1.0):
        super().__init__(unlabeled_weight=unlabeled_weight)
        self.momentum, self.fairness_weight = momentum, fairness_weight

    def setup(self, *, n_classes, n_unlabeled, device):
        super().setup(n_classes=n_classes, n_unlabeled=n_unlabeled, device=device)
        self.policy = SelfAdaptiveMask(n_classes, self.momentum, device=device)
        self.histogram = _Histogram(n_classes, self.momentum, device)

    def mask(self, proba, batch, context):
        self.histogram.update(proba)
        return self.policy(proba)

    def extra_loss(self, logits_strong, mask, context):
        if not self.fairness_weight:
            return 0.0
        return self.fairness_weight * fairness_loss(
            logits_strong.float().softmax(dim=-1), mask, self.policy.state.class_means,
            self.histogram.value)

    def thresholds(self):
        return self.policy.thresholds()


class _Histogram:
    """EMA of the normalised histogram of hard labels (FreeMatch's ``h~``), from uniform."""

    def __init__(self, n_classes, momentum, device):
        self.momentum = momentum
        self.value = torch.full((n_classes,), 1.0 / n_classes, device=device)

    @torch.no_grad()
    def update(self, proba):
        labels = all_gather(proba).argmax(dim=-1)
        counts = torch.bincount(labels, minlength=self.value.shape[0]).to(self.value)
        self.value = self.momentum * self.value + (1 - self.momentum) * counts / counts.sum()

    def state_dict(self):
        return {"value": self.value.clone()}

    def load_state_dict(self, state):
        self.value = state["value"]
