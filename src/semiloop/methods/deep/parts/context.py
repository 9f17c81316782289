"""What one training step hands to an algorithm: the batch and a :class:`StepContext`."""

from dataclasses import dataclass, field

import torch
import torch.distributed as dist
from torch.nn.modules.batchnorm import _BatchNorm
from torch.profiler import record_function

__all__ = ["Batch", "StepContext", "all_gather", "all_reduce_sum", "has_batch_norm", "world_size"]


@dataclass
class Batch:
    """One step's data, already on the training device.

    Attributes
    ----------
    x_labeled : Tensor of shape (n_labeled, ...)
        Labeled rows, weakly augmented.
    y_labeled : Tensor of shape (n_labeled,), int64
        Their class indices in ``0 .. n_classes - 1``.
    views : list of Tensor, each of shape (n_unlabeled, ...)
        Views of the same unlabeled rows, in the order the algorithm's
        ``views`` names them (e.g. weak then strong).
    unlabeled_index : Tensor of shape (n_unlabeled,), int64
        Position of each unlabeled row in the unlabeled pool (FlexMatch).
    unlabeled_truth : Tensor of shape (n_unlabeled,), int64, or None
        True classes of the unlabeled rows, -1 where unknown, given only to
        monitor pseudo-label accuracy; algorithms never read it.
    unlabeled_keep : Tensor of shape (n_unlabeled,), float, or None
        1 for the unlabeled rows that count in the unlabeled loss, 0 for rows
        held back as unstable at the trainer's last evaluation; None: every
        row counts. Algorithms apply it through :meth:`keep`.

    Examples
    --------
    >>> import torch
    >>> unlabeled = torch.zeros(4, 3)
    >>> batch = Batch(torch.ones(2, 3), torch.tensor([0, 1]), views=[unlabeled, unlabeled + 1],
    ...               unlabeled_index=torch.arange(4))
    >>> len(batch.views), tuple(batch.views[1].shape), batch.unlabeled_truth is None
    (2, (4, 3), True)
    """

    x_labeled: torch.Tensor
    y_labeled: torch.Tensor
    views: list = field(default_factory=list)
    unlabeled_index: torch.Tensor | None = None
    unlabeled_truth: torch.Tensor | None = None
    unlabeled_keep: torch.Tensor | None = None

    def keep(self, weights):
        """Per-row ``weights`` of the unlabeled rows with the held-back rows set to 0.

        ``weights`` (a mask, weights or per-row losses) of shape
        (n_unlabeled,) times :attr:`unlabeled_keep`, in the dtype of
        ``weights``; ``weights`` itself when no row is held back.

        Examples
        --------
        >>> import torch
        >>> batch = Batch(None, None, unlabeled_keep=torch.tensor([1.0, 0.0, 1.0]))
        >>> batch.keep(torch.tensor([1.0, 1.0, 0.5])).tolist()
        [1.0, 0.0, 0.5]
        >>> Batch(None, None).keep(torch.tensor([0.5])).tolist()
        [0.5]
        """
        if self.unlabeled_keep is None:
            return weights
        return weights * self.unlabeled_keep.to(weights)


def has_batch_norm(model):
    """Whether ``model`` holds a batch-norm layer (its outputs depend on the whole batch).

    Examples
    --------
    >>> import torch
    >>> has_batch_norm(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)))
    True
    >>> has_batch_norm(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4)))
    False
    """
    return any(isinstance(module, _BatchNorm) for module in model.modules())


def world_size():
    """Processes in the ``torch.distributed`` group (1 when there is none).

    Examples
    --------
    >>> world_size()  # a single process, no process group
    1
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def all_reduce_sum(tensor):
    """The sum of ``tensor`` over every process (a detached copy; itself in one process).

    Same shape as ``tensor``; gradients do not flow through it.

    Examples
    --------
    >>> import torch
    >>> counts = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> total = all_reduce_sum(counts)  # one process: the values themselves, detached
    >>> total.tolist(), total.requires_grad
    ([1.0, 2.0], False)
    """
    if world_size() == 1:
        return tensor.detach()
    total = tensor.detach().clone()
    dist.all_reduce(total)
    return total


def all_gather(tensor):
    """``tensor`` from every process, concatenated along dim 0 (itself in one process).

    Used for the batch statistics that mask policies and distribution
    alignment keep, so that every process updates them with the global
    batch and they stay those of the published algorithm. A tensor of shape
    (n, ...) on each of ``k`` processes gives shape (k * n, ...), in rank
    order, and gradients do not flow through it; in one process the tensor
    itself comes back, with its gradients (the callers pass detached tensors).

    Examples
    --------
    >>> import torch
    >>> proba = torch.tensor([[0.9, 0.1]])
    >>> all_gather(proba) is proba  # one process: the tensor itself
    True
    """
    if world_size() == 1:
        return tensor
    parts = [torch.empty_like(tensor) for _ in range(world_size())]
    dist.all_gather(parts, tensor.detach().contiguous())
    return torch.cat(parts)


@dataclass
class StepContext:
    """The model and the schedule position an algorithm's loss is made with.

    Attributes
    ----------
    model : torch.nn.Module
        The student, in training mode (DDP-wrapped under ``torchrun``).
    teacher : torch.nn.Module or None
        The EMA copy of the weights (for teacher forwards), in training mode.
    step, total_steps : int
    n_classes : int
    unlabeled_weight : float
        The algorithm's unlabeled-loss weight times the ramp-up at ``step``.
    labeled_prior : Tensor of shape (n_classes,)
        Class shares of the labeled rows (ReMixMatch's alignment target).
    generator : torch.Generator
        For the algorithm's own random draws (mixing, permutations).
    shared_statistics : bool
        Whether :meth:`forward` must run all its inputs in one batch (the
        model has batch norm, whose statistics depend on the batch).

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Linear(2, 3)
    >>> context = StepContext(net, None, step=0, total_steps=10, n_classes=3,
    ...                       unlabeled_weight=1.0, labeled_prior=torch.full((3,), 1 / 3),
    ...                       generator=torch.Generator().manual_seed(0),
    ...                       shared_statistics=has_batch_norm(net))
    >>> labeled, weak = context.forward([torch.zeros(2, 2), torch.zeros(5, 2)],
    ...                                 grad=[True, False])
    >>> tuple(labeled.shape), tuple(weak.shape), labeled.requires_grad, weak.requires_grad
    ((2, 3), (5, 3), True, False)
    """

    model: torch.nn.Module
    teacher: torch.nn.Module | None
    step: int
    total_steps: int
    n_classes: int
    unlabeled_weight: float
    labeled_prior: torch.Tensor
    generator: torch.Generator
    shared_statistics: bool = True

    def forward(self, inputs, *, grad):
        """Logits of the model for each input; ``grad[i]`` says whether input ``i`` needs gradients.

        With batch norm the inputs go through the model as one batch (the
        FixMatch way: one set of batch statistics for labeled and unlabeled
        rows) and the logits of the others are detached. Without batch norm
        the result is the same whether inputs share a batch, so inputs that
        need no gradient go through under ``torch.no_grad()``, which saves
        their backward pass and activation memory.
        """
        with record_function("semiloop.forward"):
            return self._forward(inputs, grad)

    def _forward(self, inputs, grad):
        sizes = [x.shape[0] for x in inputs]
        if self.shared_statistics or all(grad):
            logits = self.model(torch.cat(inputs)).split(sizes)
            return [out if g else out.detach() for out, g in zip(logits, grad, strict=True)]
        outputs = [None] * len(inputs)
        with_grad = [i for i, g in enumerate(grad) if g]
        if with_grad:
            logits = self.model(torch.cat([inputs[i] for i in with_grad]))
            for i, out in zip(with_grad, logits.split([sizes[i] for i in with_grad]),
                              strict=True):
                outputs[i] = out
        without = [i for i, g in enumerate(grad) if not g]
        with torch.no_grad():
            logits = self.model(torch.cat([inputs[i] for i in without]))
        for i, out in zip(without, logits.split([sizes[i] for i in without]), strict=True):
            outputs[i] = out
        return outputs
