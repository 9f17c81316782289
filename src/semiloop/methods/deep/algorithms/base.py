"""What every algorithm is: how one step's loss is made from a batch and a context."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.profiler import record_function

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

    Examples
    --------
    >>> import torch
    >>> loss = StepLoss(torch.tensor(0.9), torch.tensor(0.5), torch.tensor(0.4),
    ...                 mask=torch.tensor([1.0, 0.0, 1.0, 0.0]))
    >>> loss.mask.mean().item(), loss.pseudo_labels is None  # the mask rate the trainer records
    (0.5, True)
    """

    total: torch.Tensor
    supervised: torch.Tensor
    unlabeled: torch.Tensor
    mask: torch.Tensor | None = None
    pseudo_labels: torch.Tensor | None = None


def soft_cross_entropy(logits, targets, reduction="mean"):
    """``-sum_c t(c) log softmax(logits)(c)`` per row, for soft targets of shape (n, n_classes).

    ``logits`` has the shape of ``targets``. With ``reduction='mean'`` the
    result is the mean over rows, of shape (); any other value gives the
    per-row losses, of shape (n,).

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    >>> targets = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    >>> soft_cross_entropy(logits, targets, reduction="none").double().round(decimals=4).tolist()
    [0.1269, 0.6931]
    >>> round(soft_cross_entropy(logits, targets).item(), 4)  # log(1 + e^-2) and log 2, averaged
    0.41
    """
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
    unlabeled_weight : float, default=1.0
        Weight of the unlabeled loss once ramped up (``lambda_u``).
    rampup : {'none', 'linear', 'sigmoid'}, default='none'
        Shape of the ramp-up of that weight from 0
        (:data:`~semiloop.methods.deep.schedules.RAMPUPS`).
    rampup_fraction : float, default=0.0
        Share of the training steps the ramp-up lasts.

    Raises
    ------
    SemiloopError
        For a ``rampup`` that is not one of the three.

    Examples
    --------
    >>> algorithm = Algorithm(unlabeled_weight=2.0, rampup="linear", rampup_fraction=0.5)
    >>> algorithm.weight_at(25, 100), algorithm.weight_at(80, 100)  # half-way up, then 2
    (1.0, 2.0)
    >>> algorithm.get_config()
    {'unlabeled_weight': 2.0, 'rampup': 'linear', 'rampup_fraction': 0.5}
    >>> Algorithm(rampup="cosine")
    Traceback (most recent call last):
    ...
    semiloop.errors.SemiloopError: rampup must be one of ['linear', 'none', 'sigmoid'], got 'cosine'
    """

    name = ""
    views = ()
    uses_teacher = False
    #: View of the labeled rows the trainer makes ("weak" or "strong").
    labeled_view = "weak"
    #: ``mu``, unlabeled rows per labeled row, where the trainer is not told otherwise:
    #: 7 for the FixMatch family, 1 for the others (the papers' and USB's settings).
    unlabeled_ratio = 1
    #: Whether the unlabeled loss is a mean over rows that ``Batch.unlabeled_keep`` can
    #: weight, so that rows can be held back (False where rows are mixed with each other).
    holds_back_rows = True

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

    def preview(self, proba, labeled_prior=None):
        """The pseudo-labels and the mask the algorithm would give rows, at its current state.

        For rows that are not trained on (the trainer's pseudo-label audit)
        and whose weak view the model predicts as ``proba``; the state
        (thresholds, running means) is left as it is.

        Parameters
        ----------
        proba : Tensor of shape (n, n_classes)
        labeled_prior : Tensor of shape (n_classes,), default=None
            Class shares of the labeled rows (for alignment to them).

        Returns
        -------
        pseudo_labels : Tensor of shape (n,), int64
        mask : Tensor of shape (n,) or None
            The mask or weight of each row; None for algorithms that train
            every row towards its guess (no threshold).

        Examples
        --------
        >>> import torch
        >>> labels, mask = Algorithm().preview(torch.tensor([[0.3, 0.7], [0.6, 0.4]]))
        >>> labels.tolist(), mask
        ([1, 0], None)
        """
        return hard_labels(proba), None

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
    (plus :meth:`extra_loss`) where ``p`` is the weak view's prediction and
    ``mask`` comes from :meth:`mask` applied to ``p`` after :meth:`align`
    (identity by default), times 0 for rows held back (``Batch.keep``); the
    mean runs over every unlabeled row, masked or not. FixMatch and
    FlexMatch override :meth:`mask` only, SoftMatch :meth:`align` and
    :meth:`mask`, FreeMatch :meth:`mask` and :meth:`extra_loss` (Sohn et
    al., NeurIPS 2020, Sec. 3.2, Eq. 4). :meth:`preview` asks the same
    parts without changing their state: :meth:`align_preview` and the mask
    policy kept as ``policy`` (every built-in variant keeps one there).

    Examples
    --------
    A subclass that weights each row by its confidence, on a linear model
    whose logits are its inputs:

    >>> import torch
    >>> from semiloop.methods.deep.parts.context import Batch, StepContext
    >>> class ConfidenceWeighted(ThresholdedConsistency):
    ...     def mask(self, proba, batch, context):
    ...         return proba.max(dim=-1).values
    >>> net = torch.nn.Linear(2, 2, bias=False)
    >>> _ = torch.nn.init.eye_(net.weight)
    >>> x_unlabeled = torch.tensor([[3.0, 0.0], [1.5, 0.0]])
    >>> batch = Batch(torch.tensor([[0.0, 3.0]]), torch.tensor([1]),
    ...               views=[x_unlabeled, x_unlabeled])  # weak and strong views alike
    >>> context = StepContext(net, None, 0, 10, 2, 1.0, torch.tensor([0.5, 0.5]),
    ...                       torch.Generator(), shared_statistics=False)
    >>> loss = ConfidenceWeighted().loss(batch, context)
    >>> loss.mask.double().round(decimals=4).tolist(), loss.pseudo_labels.tolist()
    ([0.9526, 0.8176], [0, 0])
    >>> round(loss.unlabeled.item(), 4), round(loss.total.item(), 4)
    (0.1055, 0.1541)
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

    def align_preview(self, proba, labeled_prior=None):
        """:meth:`align` at the current state, which stays as it is; identity by default."""
        return proba

    def preview(self, proba, labeled_prior=None):
        aligned = self.align_preview(proba, labeled_prior)
        labels = hard_labels(aligned if self.labels_from_aligned else proba)
        return labels, self.policy.preview(aligned)

    def loss(self, batch, context):
        weak, strong = batch.views
        logits_labeled, logits_weak, logits_strong = context.forward(
            [batch.x_labeled, weak, strong], grad=[True, False, True])
        supervised = F.cross_entropy(logits_labeled, batch.y_labeled)
        with record_function("semiloop.targets_and_mask"):
            raw = logits_weak.float().softmax(dim=-1)
            proba = self.align(raw, context)
            mask = batch.keep(self.mask(proba, batch, context))
            pseudo_labels = hard_labels(proba if self.labels_from_aligned else raw)
        unlabeled = (F.cross_entropy(logits_strong, pseudo_labels, reduction="none")
                     * mask).mean()
        total = (supervised + context.unlabeled_weight * unlabeled
                 + self.extra_loss(logits_strong, mask, context))
        return StepLoss(total, supervised, unlabeled, mask, pseudo_labels)
