"""The supervised baseline: the labeled rows only, through the same trainer."""

import torch
import torch.nn.functional as F

from semiloop.methods.deep.algorithms.base import Algorithm, StepLoss

__all__ = ["Supervised"]


class Supervised(Algorithm):
    """Cross-entropy on the (weakly augmented) labeled rows; unlabeled rows are not drawn.

    The reference every algorithm is compared with: same backbone, optimiser,
    schedule, augmentation and EMA.

    Examples
    --------
    A model that predicts uniformly over 3 classes has a loss of ``log 3``:

    >>> import torch
    >>> from semiloop.methods.deep.parts.context import Batch, StepContext
    >>> net = torch.nn.Linear(4, 3)
    >>> _ = torch.nn.init.zeros_(net.weight), torch.nn.init.zeros_(net.bias)
    >>> context = StepContext(net, None, 0, 10, 3, 0.0, torch.full((3,), 1 / 3),
    ...                       torch.Generator(), shared_statistics=False)
    >>> loss = Supervised().loss(Batch(torch.ones(2, 4), torch.tensor([0, 2])), context)
    >>> round(loss.total.item(), 4), loss.unlabeled.item(), Supervised.views
    (1.0986, 0.0, ())
    """

    name = "supervised"
    views = ()

    def __init__(self):
        super().__init__(unlabeled_weight=0.0)

    def loss(self, batch, context):
        (logits,) = context.forward([batch.x_labeled], grad=[True])
        supervised = F.cross_entropy(logits, batch.y_labeled)
        return StepLoss(supervised, supervised, torch.zeros((), device=logits.device))
