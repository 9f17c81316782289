"""MixMatch (Berthelot et al., "MixMatch: A Holistic Approach to Semi-Supervised
Learning", NeurIPS 2019)."""

import torch
import torch.nn.functional as F

from semiloop.methods.deep.algorithms.base import Algorithm, StepLoss, soft_cross_entropy
from semiloop.methods.deep.augment.mixing import mixmatch_mixup
from semiloop.methods.deep.parts.targets import hard_labels, sharpen

__all__ = ["MixMatch", "mixed_losses"]


def mixed_losses(logits, targets, n_labeled):
    """MixMatch's two terms on a mixed batch whose first ``n_labeled`` rows came from labels.

    ``L_X``: cross-entropy against the mixed labeled targets; ``L_U``: squared
    error of the class probabilities against the mixed guessed targets,
    averaged over rows and classes (Eq. 3-5).

    ``logits`` and ``targets`` have shape (n, n_classes); the two terms
    are tensors of shape ().

    Examples
    --------
    >>> import torch
    >>> logits = torch.zeros(3, 2)  # predicts (0.5, 0.5) everywhere
    >>> targets = torch.tensor([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    >>> supervised, unlabeled = mixed_losses(logits, targets, n_labeled=1)
    >>> round(supervised.item(), 4), unlabeled.item()  # log 2; (0 + 0 + 0.25 + 0.25) / 4
    (0.6931, 0.125)
    """
    supervised = soft_cross_entropy(logits[:n_labeled], targets[:n_labeled])
    unlabeled = ((logits[n_labeled:].float().softmax(dim=-1) - targets[n_labeled:]) ** 2).mean()
    return supervised, unlabeled


class MixMatch(Algorithm):
    """Guess labels by averaging K augmentations, sharpen them, MixUp everything (Algorithm 1).

    Parameters
    ----------
    n_views : int, default=2
        ``K``, augmentations of each unlabeled row averaged to guess its label.
    temperature : float, default=0.5
        Sharpening temperature ``T``.
    alpha : float, default=0.75
        MixUp's Beta(alpha, alpha); each row keeps the larger share
        ``lambda' = max(lambda, 1 - lambda)``.
    unlabeled_weight : float, default=100.0
        ``lambda_U``, reached by a linear ramp over ``rampup_fraction`` of training
        (16,000 of about 1M steps in the paper, i.e. 1/64).
    rampup_fraction : float, default=0.015625
        That is 1/64.

    Examples
    --------
    >>> algorithm = MixMatch(n_views=3)
    >>> algorithm.views, algorithm.unlabeled_ratio
    (('weak', 'weak', 'weak'), 1)
    >>> algorithm.weight_at(8, 1024), algorithm.weight_at(16, 1024)  # ramp over 1024 / 64 steps
    (50.0, 100.0)
    """

    name = "mixmatch"
    holds_back_rows = False  # mixed rows carry other rows' guesses

    def __init__(self, *, n_views=2, temperature=0.5, alpha=0.75, unlabeled_weight=100.0,
                 rampup_fraction=1 / 64):
        super().__init__(unlabeled_weight=unlabeled_weight, rampup="linear",
                         rampup_fraction=rampup_fraction)
        self.n_views, self.temperature, self.alpha = n_views, temperature, alpha
        self.views = ("weak",) * n_views

    def loss(self, batch, context):
        n_labeled = batch.x_labeled.shape[0]
        with torch.no_grad():
            logits = context.forward(batch.views, grad=[False] * self.n_views)
            mean_proba = torch.stack([out.float().softmax(dim=-1) for out in logits]).mean(0)
            guess = sharpen(mean_proba, self.temperature)
        one_hot = F.one_hot(batch.y_labeled, context.n_classes).to(guess)
        inputs = torch.cat([batch.x_labeled, *batch.views])
        targets = torch.cat([one_hot, guess.repeat(self.n_views, 1)])
        mixed_inputs, mixed_targets, _ = mixmatch_mixup(inputs, targets, self.alpha,
                                                        generator=context.generator)
        (mixed_logits,) = context.forward([mixed_inputs], grad=[True])
        supervised, unlabeled = mixed_losses(mixed_logits, mixed_targets, n_labeled)
        return StepLoss(supervised + context.unlabeled_weight * unlabeled, supervised, unlabeled,
                        pseudo_labels=hard_labels(guess))
