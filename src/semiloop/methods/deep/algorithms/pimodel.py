"""Π-model (Laine & Aila, "Temporal Ensembling for Semi-Supervised Learning", ICLR 2017)."""

import torch.nn.functional as F

from semiloop.methods.deep.algorithms.base import Algorithm, StepLoss

__all__ = ["PiModel", "consistency_mse"]


def consistency_mse(logits, target_proba, weights=None):
    """``(1/C) ||softmax(logits) - target||^2`` per row, averaged over rows.

    Laine & Aila 2017, Algorithm 1; Mean Teacher's consistency cost.
    ``logits`` and ``target_proba`` have shape (n, n_classes); the result
    has shape (). ``weights`` of shape (n,) multiply each row's cost before
    the mean over all rows (0 for rows held back).

    Examples
    --------
    >>> import torch
    >>> consistency_mse(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]])).item()  # (0.25 + 0.25) / 2
    0.25
    >>> consistency_mse(torch.zeros(2, 2), torch.tensor([[1.0, 0.0], [0.5, 0.5]]),
    ...                 weights=torch.tensor([0.0, 1.0])).item()  # the first row held back
    0.0
    """
    squared = (logits.float().softmax(dim=-1) - target_proba) ** 2
    if weights is None:
        return squared.mean()
    return (squared.mean(dim=-1) * weights.to(squared)).mean()


class PiModel(Algorithm):
    """Two stochastic views of each unlabeled row must agree (Sec. 2.1, Algorithm 1).

    Both views go through the same network (with its dropout and
    augmentation noise), and as in the paper gradients flow through both
    predictions; ``stop_gradient=True`` treats the second as a constant target
    instead (as most reimplementations do). The weight rises with the
    Gaussian ramp ``exp(-5 (1 - t)^2)`` (App. A).

    Parameters
    ----------
    unlabeled_weight : float, default=10.0
        ``w_max`` (the paper scales 100 by the labeled share; USB uses 10).
    rampup_fraction : float, default=0.27
        Share of training the ramp-up lasts (the paper: 80 of 300 epochs).
    stop_gradient : bool, default=False

    Examples
    --------
    >>> algorithm = PiModel()
    >>> algorithm.views  # two noisy views of each unlabeled row
    ('weak', 'weak')
    >>> [round(algorithm.weight_at(step, 100), 4) for step in (0, 9, 27, 50)]  # 10 exp(-5 (1-t)^2)
    [0.0674, 1.0837, 10.0, 10.0]
    """

    name = "pimodel"
    views = ("weak", "weak")

    def __init__(self, *, unlabeled_weight=10.0, rampup_fraction=0.27, stop_gradient=False):
        super().__init__(unlabeled_weight=unlabeled_weight, rampup="sigmoid",
                         rampup_fraction=rampup_fraction)
        self.stop_gradient = stop_gradient

    def loss(self, batch, context):
        first, second = batch.views
        logits_labeled, logits_first, logits_second = context.forward(
            [batch.x_labeled, first, second], grad=[True, True, not self.stop_gradient])
        supervised = F.cross_entropy(logits_labeled, batch.y_labeled)
        unlabeled = consistency_mse(logits_first, logits_second.float().softmax(dim=-1),
                                    batch.unlabeled_keep)
        return StepLoss(supervised + context.unlabeled_weight * unlabeled, supervised, unlabeled,
                        batch.unlabeled_keep)
