"""FreeMatch (Wang et al., "FreeMatch: Self-adaptive Thresholding for Semi-supervised
Learning", ICLR 2023)."""

import torch

from semiloop.methods.deep.algorithms.base import ThresholdedConsistency
from semiloop.methods.deep.parts.context import all_gather, all_reduce_sum, world_size
from semiloop.methods.deep.parts.masks import SelfAdaptiveMask

__all__ = ["FreeMatch", "fairness_loss"]


def fairness_loss(mean_proba, histogram, class_means, label_histogram):
    """FreeMatch's self-adaptive fairness term ``L_f`` (Sec. 3.3, Eq. 12).

    ``L_f = -H(SumNorm(p~ / h~), SumNorm(p_bar / h_bar))`` with ``H(a, b) =
    -sum_c a(c) log b(c)``: ``p~`` and ``h~`` are the EMAs of the weak view's
    class probabilities and of its hard-label histogram, ``p_bar`` and
    ``h_bar`` the mean probability and the normalised hard-label histogram of
    the strong view over the masked rows of the batch; a class absent from
    ``h_bar`` gets 0 in the second distribution (the authors' code: ``1/0``
    replaced by 0).

    Parameters
    ----------
    mean_proba : Tensor of shape (n_classes,), with gradients
        ``p_bar``.
    histogram : Tensor of shape (n_classes,)
        ``h_bar``, summing to 1.
    class_means, label_histogram : Tensor of shape (n_classes,)
        ``p~`` and ``h~``.

    Returns
    -------
    Tensor of shape ()

    Examples
    --------
    >>> mean, histogram = torch.tensor([0.6, 0.4]), torch.tensor([0.5, 0.5])
    >>> uniform = torch.tensor([0.5, 0.5])
    >>> round(fairness_loss(mean, histogram, uniform, uniform).item(), 4)  # ln(.24)/2
    -0.7136
    """
    model = class_means / label_histogram.clamp_min(1e-12)
    model = model / model.sum()
    batch = mean_proba / histogram.clamp_min(1e-12) * (histogram > 0)
    batch = batch / batch.sum()
    return (model.detach() * torch.log(batch + 1e-12)).sum()


def _strong_statistics(proba_strong, mask):
    """``p_bar`` (with gradients) and ``h_bar`` over the masked rows of the global batch.

    Under ``torch.distributed`` the sums of the other processes' rows are
    added as constants, so the value is that of the global batch and each
    process's gradient flows through its own rows.
    """
    selected = (mask > 0).to(proba_strong)
    local_sum = (proba_strong * selected[:, None]).sum(dim=0)
    labels = proba_strong.detach().argmax(dim=-1)
    local_histogram = torch.zeros_like(local_sum).index_add_(0, labels, selected)
    count = all_reduce_sum(selected.sum())
    if count.item() == 0:
        return None, None
    total = local_sum + (all_reduce_sum(local_sum) - local_sum.detach())
    histogram = all_reduce_sum(local_histogram)
    return total / count, histogram / count


class FreeMatch(ThresholdedConsistency):
    """FixMatch with self-adaptive global and local thresholds and a fairness term.

    Parameters
    ----------
    momentum : float, default=0.999
        ``lambda``, the EMA momentum of the thresholds and the label histogram.
    fairness_weight : float, default=0.01
        ``w_f``, as in USB's and TorchSSL's defaults; USB's shipped configs
        use 0.001. 0 turns the fairness term off.
    unlabeled_weight : float, default=1.0
        ``w_u``.

    Examples
    --------
    The thresholds start at ``1 / n_classes``; a batch moves them before it
    is masked:

    >>> import torch
    >>> algorithm = FreeMatch(momentum=0.9)
    >>> algorithm.setup(n_classes=2, n_unlabeled=3, device="cpu")
    >>> algorithm.thresholds()
    [0.5, 0.5]
    >>> proba = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.52, 0.48]])
    >>> algorithm.mask(proba, None, None).tolist()
    [1.0, 1.0, 0.0]
    >>> [round(t, 3) for t in algorithm.thresholds()]
    [0.524, 0.476]
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
        mean_proba, histogram = _strong_statistics(logits_strong.float().softmax(dim=-1), mask)
        if mean_proba is None:  # no row masked in anywhere: no term
            return 0.0
        # DDP averages gradients over processes; this term is not a mean over rows, so
        # scale it back to the global batch's gradient
        return self.fairness_weight * world_size() * fairness_loss(
            mean_proba, histogram, self.policy.state.class_means, self.histogram.value)

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
