"""FixMatch (Sohn et al., "FixMatch: Simplifying Semi-Supervised Learning with
Consistency and Confidence", NeurIPS 2020)."""

from semiloop.methods.deep.algorithms.base import ThresholdedConsistency
from semiloop.methods.deep.parts.masks import FixedMask

__all__ = ["FixMatch"]


class FixMatch(ThresholdedConsistency):
    """A weak view's confident hard pseudo-label trains the strong view (Sec. 3.2, Eq. 2-4).

    Parameters
    ----------
    threshold : float, default=0.95
        ``tau``: rows whose weak-view confidence is below it are masked out.
    unlabeled_weight : float, default=1.0
        ``lambda_u``.

    Examples
    --------
    On a linear model whose logits are its inputs, the first unlabeled row
    is confident enough (``softmax(3, 0) = 0.953``), the second is not
    (0.818); the unlabeled loss is averaged over both rows:

    >>> import torch
    >>> from semiloop.methods.deep.parts.context import Batch, StepContext
    >>> net = torch.nn.Linear(2, 2, bias=False)
    >>> _ = torch.nn.init.eye_(net.weight)
    >>> x_unlabeled = torch.tensor([[3.0, 0.0], [1.5, 0.0]])
    >>> batch = Batch(torch.tensor([[0.0, 3.0]]), torch.tensor([1]),
    ...               views=[x_unlabeled, x_unlabeled])  # weak and strong views alike
    >>> context = StepContext(net, None, 0, 10, 2, 1.0, torch.tensor([0.5, 0.5]),
    ...                       torch.Generator(), shared_statistics=False)
    >>> loss = FixMatch(threshold=0.95).loss(batch, context)
    >>> loss.mask.tolist(), loss.pseudo_labels.tolist()
    ([1.0, 0.0], [0, 0])
    >>> round(loss.supervised.item(), 4), round(loss.unlabeled.item(), 4)  # log(1 + e^-3), half
    (0.0486, 0.0243)
    """

    name = "fixmatch"

    def __init__(self, threshold=0.95, *, unlabeled_weight=1.0):
        super().__init__(unlabeled_weight=unlabeled_weight)
        self.threshold = threshold
        self.policy = FixedMask(threshold)

    def mask(self, proba, batch, context):
        return self.policy(proba)
