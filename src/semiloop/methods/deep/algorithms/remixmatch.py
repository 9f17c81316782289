"""ReMixMatch (Berthelot et al., "ReMixMatch: Semi-Supervised Learning with
Distribution Alignment and Augmentation Anchoring", ICLR 2020)."""

import torch
import torch.nn.functional as F

from semiloop.methods.deep.algorithms.base import Algorithm, StepLoss, soft_cross_entropy
from semiloop.methods.deep.augment.mixing import mixmatch_mixup
from semiloop.methods.deep.parts.targets import DistributionAlignment, hard_labels, sharpen

__all__ = ["ReMixMatch"]


class ReMixMatch(Algorithm):
    """MixMatch with distribution alignment and augmentation anchoring (Sec. 3, Algorithm 1).

    The weak view's prediction is aligned to the labeled class distribution
    (running mean of the last 128 batches, Sec. 3.1) and sharpened; that
    guess is the target of ``n_views`` strong views (anchoring, Sec. 3.2).
    Labeled rows (strongly augmented), the weak view and the strong views are
    mixed as in MixMatch (as the authors' code does); the loss is
    ``L_X + lambda_U L_U + lambda_U1 L_U1`` with cross-entropy for every term,
    where ``L_U1`` trains the first strong view, unmixed, towards the guess
    (Sec. 3.3, "pre-mixup unlabeled loss"). Both unlabeled weights ramp up
    linearly over ``rampup_fraction`` of training.

    The self-supervised rotation loss of Sec. 3.3 applies to images only and
    is not part of this implementation; with it off the paper reports a small
    loss of accuracy (Table 4, "no rotation").

    Parameters
    ----------
    n_views : int, default=8
        ``K`` strong views per unlabeled row.
    temperature : float, default=0.5
    alpha : float, default=0.75
    unlabeled_weight : float, default=1.5
        ``lambda_U``.
    pre_mixup_weight : float, default=0.5
        ``lambda_U1``.
    window : int, default=128
        Batches in the running mean of the predictions used for alignment.
    rampup_fraction : float, default=0.015625
        That is 1/64.

    Examples
    --------
    >>> algorithm = ReMixMatch(n_views=2)
    >>> algorithm.views, algorithm.labeled_view
    (('weak', 'strong', 'strong'), 'strong')
    >>> algorithm.weight_at(8, 1024), algorithm.weight_at(16, 1024)  # ramp over 1024 / 64 steps
    (0.75, 1.5)
    """

    name = "remixmatch"
    labeled_view = "strong"
    holds_back_rows = False  # mixed rows carry other rows' guesses

    def __init__(self, *, n_views=8, temperature=0.5, alpha=0.75, unlabeled_weight=1.5,
                 pre_mixup_weight=0.5, window=128, rampup_fraction=1 / 64):
        super().__init__(unlabeled_weight=unlabeled_weight, rampup="linear",
                         rampup_fraction=rampup_fraction)
        self.n_views, self.temperature, self.alpha = n_views, temperature, alpha
        self.pre_mixup_weight, self.window = pre_mixup_weight, window
        self.views = ("weak",) + ("strong",) * n_views

    def setup(self, *, n_classes, n_unlabeled, device):
        super().setup(n_classes=n_classes, n_unlabeled=n_unlabeled, device=device)
        self.alignment = DistributionAlignment(n_classes, target="labeled", window=self.window)

    def preview(self, proba, labeled_prior=None):
        return hard_labels(self.alignment.preview(proba, labeled_prior)), None

    def loss(self, batch, context):
        weak, *strong = batch.views
        n_labeled = batch.x_labeled.shape[0]
        with torch.no_grad():
            (logits_weak,) = context.forward([weak], grad=[False])
            proba = self.alignment(logits_weak.float().softmax(dim=-1), context.labeled_prior)
            guess = sharpen(proba, self.temperature)
        one_hot = F.one_hot(batch.y_labeled, context.n_classes).to(guess)
        inputs = torch.cat([batch.x_labeled, weak, *strong])
        targets = torch.cat([one_hot, guess.repeat(self.n_views + 1, 1)])
        mixed_inputs, mixed_targets, _ = mixmatch_mixup(inputs, targets, self.alpha,
                                                        generator=context.generator)
        mixed_logits, logits_first = context.forward([mixed_inputs, strong[0]],
                                                     grad=[True, True])
        supervised = soft_cross_entropy(mixed_logits[:n_labeled], mixed_targets[:n_labeled])
        unlabeled = soft_cross_entropy(mixed_logits[n_labeled:], mixed_targets[n_labeled:])
        pre_mixup = soft_cross_entropy(logits_first, guess)
        ramp = context.unlabeled_weight / self.unlabeled_weight if self.unlabeled_weight else 0.0
        total = (supervised + context.unlabeled_weight * unlabeled
                 + self.pre_mixup_weight * ramp * pre_mixup)
        return StepLoss(total, supervised, unlabeled, pseudo_labels=hard_labels(guess))
