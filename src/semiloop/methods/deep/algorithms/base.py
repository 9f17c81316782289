"""What every algorithm is: how one step's loss is made from a batch and a context."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from semiloop.methods.deep.parts.targets import hard_labels
from semiloop.methods.deep.schedules import RAMPUPS, rampup

__all__ = ["Algorithm", "StepLoss", "ThresholdedConsistency", "soft_cross_entropy"]


@dataclass
class StepLoss:
    """The loss of one step and what the trainer records of it.

    Attributes
    ----------
    total : Tensor of shape ()
        What is minimised: ``supervised + unlabeled_weight * unlabeled (+ extra terms)``.
    supervised, unlabeled : Tensor of shape ()
        The labeled loss and the unweighted unlabeled loss (detached copies are
        recorded).
    mask : Tensor of shape (n_unlabeled,) or None
        The mask or weight of each unlabeled row (recorded as the mask rate).
    pseudo_labels : Tensor of shape (n_unlabeled,) or None
        The hard label each unlabeled row was trained towards (recorded as
        pseudo-label accuracy where true labels were given for monitoring).
    """

    total: torch.Tensor
    supervised: torch.Tensor
    unlabeled: torch.Tensor
    mask: torch.Tensor | None = None
    pseudo_labels: torch.Tensor | None = None


def soft_cross_entropy(logits, targets, reduction="mean"):
    """``-sum_c t(c) log softmax(logits)(c)`` per row, for soft targets of shape (n, n_classes)."""
    per_row = -(targets * F.log_softmax(logits, dim=-1)).sum(dim=-1)
    return per_row.mean() if reduction == "mean" else per_row


class Algorithm:
    """Base class: the hyperparameters, the views it needs, its ramp-up, its state.

    Subclasses set ``name``, ``views`` (the unlabeled views a batch carries,
    e.g. ``("weak", "strong")``; empty for the supervised baseline), and
    implement :meth:`loss`. Constructor arguments are plain values, stored
    under their own names (so :meth:`get_config` can save them as JSON).

    Parameters
    ----------
    unlabeled_weight : float
        Weight of the unlabeled loss once ramped up (``lambda_u``).
    rampup : {'none', 'linear', 'sigmoid'}
        Shape of the ramp-up of that weight from 0.
    rampup_fraction : float
        Share of the training steps the ramp-up lasts.
    """

    name = ""
    views = ()
    uses_teacher = False
    #: View of the labeled rows the trainer makes ("weak" or "strong").
    labeled_view = "weak"
    #: ``mu``, unlabeled rows per labeled row, where the trainer is not told otherwise:
    #: 7 for the FixMatch family, 1 for the others (the papers' and USB's settings).
    unlabeled_ratio = 1

    def __init__(self, *, unlabeled_weight=1.0, rampup="none", rampup_fraction=0.0):
        if rampup not in RAMPUPS:
            from semiloop.errors import SemiloopError

            raise SemiloopError(f"rampup must be one of {sorted(RAMPUPS)}, got {rampup!r}")
        self.unlabeled_weight, self.rampup, self.rampup_fraction = (
            unlabeled_weight, rampup, rampup_fraction)

    def get_config(self):
        """The constructor arguments as a plain dict (saved in model files)."""
        import inspect

        parameters = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in parameters if name != "self"}

    def setup(self, *, n_classes, n_unlabeled, device):
        """Build the state that depends on the data (called once, before the first step)."""
        self.n_classes = n_classes

    def weight_at(self, step, total_steps):
        """The unlabeled-loss weight at ``step``: ``unlabeled_weight`` times the ramp-up."""
        return self.unlabeled_weight * rampup(
            self.rampup, step, self.rampup_fraction * total_steps)

    def loss(self, batch, context):
        """The :class:`StepLoss` of one step."""
        raise NotImplementedError

    def thresholds(self):
        """Per-class thresholds now, for the history (None when the algorithm has none)."""
        return None

    def _parts(self):
        return {name: value for name, value in vars(self).items()
                if hasattr(value, "state_dict") and not isinstance(value, torch.nn.Module)}

    def state_dict(self):
        """The state the algorithm keeps across steps (thresholds' EMAs, alignment means)."""
        return {name: part.state_dict() for name, part in self._parts().items()}

    def load_state_dict(self, state):
        for name, part in self._parts().items():
            if name in state:
                part.load_state_dict(state[name])


class ThresholdedConsistency(Algorithm):
    """FixMatch's skeleton: a hard pseudo-label from the weak view trains the strong view.

    ``loss = CE(labeled) + lambda_u * mean_b(mask_b * CE(strong_b, argmax p_b))``
    where ``p`` is the weak view's prediction and ``mask`` comes from
    :meth:`mask` applied to ``p`` after :meth:`align` (identity by default). FixMatch, FlexMatch,
    FreeMatch and SoftMatch override only those two (Sohn et al., NeurIPS
    2020, Sec. 3.2, Eq. 4).
    """

    views = ("weak", "strong")
    unlabeled_ratio = 7
    #: Whether the hard pseudo-label comes from the aligned prediction (else from the raw one).
    labels_from_aligned = True

    def align(self, proba, context):
        return proba

    def mask(self, proba, batch, context):
        raise NotImplementedError

    def extra_loss(self, logits_strong, mask, context):
        """An additional term already weighted (FreeMatch's fairness); 0 by default."""
        return 0.0

    def loss(self, batch, context):
        weak, strong = batch.views
        logits_labeled, logits_weak, logits_strong = context.forward(
            [batch.x_labeled, weak, strong], grad=[True, False, True])
        supervised = F.cross_entropy(logits_labeled, batch.y_labeled)
        raw = logits_weak.float().softmax(dim=-1)
        proba = self.align(raw, context)
        mask = self.mask(proba, batch, context)
        pseudo_labels = hard_labels(proba if self.labels_from_aligned else raw)
        unlabeled = (F.cross_entropy(logits_strong, pseudo_labels, reduction="none")
                     * mask).mean()
        total = (supervised + context.unlabeled_weight * unlabeled
                 + self.extra_loss(logits_strong, mask, context))
        return StepLoss(total, supervised, unlabeled, mask, pseudo_labels)
