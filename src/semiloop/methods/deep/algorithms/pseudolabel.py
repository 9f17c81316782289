"""Pseudo-Label (Lee, "Pseudo-Label: The Simple and Efficient Semi-Supervised Learning
Method for Deep Neural Networks", ICML 2013 Workshop on Challenges in Representation Learning)."""

import torch.nn.functional as F

from semiloop.methods.deep.algorithms.base import Algorithm, StepLoss
from semiloop.methods.deep.parts.masks import FixedMask
from semiloop.methods.deep.parts.targets import hard_labels

__all__ = ["PseudoLabel"]


class PseudoLabel(Algorithm):
    """The network's own hard prediction on an unlabeled row is its target (Sec. 3.1, Eq. 15).

    The pseudo-label is recomputed at every step from the same forward pass
    whose output it trains (treated as a constant), and the unlabeled weight
    follows the paper's schedule (Eq. 16): 0 until ``start``, a linear rise to
    ``unlabeled_weight`` at ``end``, then constant. ``start`` and ``end`` are
    shares of the training steps (the paper's epochs 100 and 600, with
    ``alpha_f = 3``).

    Parameters
    ----------
    unlabeled_weight : float, default=3.0
        ``alpha_f``.
    start, end : float, default=0.1, 0.6
    threshold : float, default=0.0
        Rows whose confidence is below it are left out. The paper uses none
        (0); USB's version uses 0.95.

    Examples
    --------
    >>> algorithm = PseudoLabel()
    >>> [algorithm.weight_at(step, 100) for step in (5, 10, 35, 60, 90)]
    [0.0, 0.0, 1.5, 3.0, 3.0]
    """

    name = "pseudolabel"
    views = ("weak",)

    def __init__(self, *, unlabeled_weight=3.0, start=0.1, end=0.6, threshold=0.0):
        super().__init__(unlabeled_weight=unlabeled_weight)
        self.start, self.end, self.threshold = start, end, threshold
        self.policy = FixedMask(threshold)

    def weight_at(self, step, total_steps):
        t1, t2 = self.start * total_steps, self.end * total_steps
        if step < t1:
            return 0.0
        if step >= t2:
            return self.unlabeled_weight
        return self.unlabeled_weight * (step - t1) / max(t2 - t1, 1e-12)

    def preview(self, proba, labeled_prior=None):
        return hard_labels(proba), self.policy.preview(proba)

    def loss(self, batch, context):
        (unlabeled_view,) = batch.views
        logits_labeled, logits_unlabeled = context.forward(
            [batch.x_labeled, unlabeled_view], grad=[True, True])
        supervised = F.cross_entropy(logits_labeled, batch.y_labeled)
        proba = logits_unlabeled.detach().float().softmax(dim=-1)
        pseudo_labels = hard_labels(proba)
        mask = batch.keep(self.policy(proba))
        unlabeled = (F.cross_entropy(logits_unlabeled, pseudo_labels, reduction="none")
                     * mask).mean()
        return StepLoss(supervised + context.unlabeled_weight * unlabeled, supervised,
                        unlabeled, mask, pseudo_labels)
